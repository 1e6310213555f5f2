// Focus that an action's re-render would drop: a VM's controls are replaced as its state
// changes (Start becomes Shut down, a menu closes, a busy VM's buttons are disabled), and the
// browser then leaves focus on <body>, which sends a keyboard user back to the top of the page.
// Every actions container remembers that it held focus; after it re-renders, if focus was
// lost (on <body>, or on the open dialog itself), it goes to the control that replaced the
// old one: the main action, else the first enabled control.
import { useLayoutEffect } from 'preact/hooks';

let last = null; // { vm, where, el } of the last focused control inside an actions container

if (typeof document !== 'undefined') {
  document.addEventListener('focusin', (event) => {
    const box = event.target?.closest?.('[data-actions-of]');
    last = box ? { vm: box.dataset.actionsOf, where: box.dataset.where || '', el: event.target } : null;
  }, true);
}

function lost() {
  const active = document.activeElement;
  if (!last) return false;
  if (active === last.el && last.el.isConnected && !last.el.disabled) return false;
  return !active || active === document.body || active.tagName === 'DIALOG' || (active === last.el && last.el.disabled);
}

/** A control that should have focus but cannot take it now (disabled while its VM is busy,
 * e.g. what opened a dialog that just closed): its actions container gives focus to it, or
 * to what replaced it, when it next renders. */
export function rememberFocus(el) {
  const box = el?.closest?.('[data-actions-of]');
  if (box) last = { vm: box.dataset.actionsOf, where: box.dataset.where || '', el };
}

/** Call in a component that renders an actions container (`ref`) for `vm` at `where`. */
export function useKeepFocus(ref, vm, where) {
  useLayoutEffect(() => {
    const box = ref.current;
    if (!box || !last || last.vm !== vm || last.where !== where || !lost()) return;
    if (last.el.isConnected && box.contains(last.el) && !last.el.disabled) {
      last.el.focus(); // the same control, enabled again (a busy VM's buttons were disabled)
      return;
    }
    const next = box.querySelector('[data-primary="true"]:not(:disabled)') || box.querySelector('button:not(:disabled), a[href]');
    if (next) next.focus();
  });
}
