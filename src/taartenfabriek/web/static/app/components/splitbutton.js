// A split button: the main action, and a small menu button beside it with variants of that
// action ("Start" | "Start with options…"). The menu follows the WAI-ARIA menu button pattern:
// Enter/Space/ArrowDown open it on its first item, arrows move, Escape closes it (and only it,
// not the dialog around it) and gives focus back to the toggle.
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { html } from '../html.js';
import { Icon } from './icons.js';

export function SplitButton({
  id, label, icon, onClick, items, disabled, title, ariaLabel, menuLabel, primary = true,
  mainDisabled = false, describedBy, iconOnly = false, danger = false,
}) {
  const [open, setOpen] = useState(false);
  const wrap = useRef(null);
  const toggle = useRef(null);
  const menuItems = () => Array.from(wrap.current?.querySelectorAll('[role="menuitem"]') || []);

  useLayoutEffect(() => {
    if (!open) return undefined;
    // Placed against the window (position: fixed), so a card's containment or a table's
    // scroll box does not clip it; the card drops its containment while the menu is open.
    const host = wrap.current?.closest('.vm-card');
    host?.classList.add('menu-open');
    const menu = wrap.current?.querySelector('.menu');
    const place = () => {
      const at = wrap.current?.getBoundingClientRect();
      if (!menu || !at) return;
      // Hidden, not closed, while its toggle is out of the window: a scroll that comes back
      // (a Find, a scroll into view) finds the menu as it was.
      menu.style.visibility = at.bottom <= 0 || at.top >= window.innerHeight ? 'hidden' : '';
      const width = menu.offsetWidth;
      const height = menu.offsetHeight;
      const below = at.bottom + 4 + height <= window.innerHeight;
      menu.style.top = `${below ? at.bottom + 4 : Math.max(4, at.top - 4 - height)}px`;
      menu.style.left = `${Math.max(4, Math.min(at.left, window.innerWidth - width - 4))}px`;
    };
    place();
    // At once, so a quick Enter after opening lands on the item; without scrolling, since
    // the browser would scroll the drawer to "show" the fixed menu, moving what is under it.
    menuItems()[0]?.focus({ preventScroll: true });
    const outside = (event) => {
      if (wrap.current && !wrap.current.contains(event.target)) setOpen(false);
    };
    // A scroll that moves the toggle (the page, or a box around it) moves the menu with it.
    // Closing it there closed it under a user who only nudged the page, and under any scroll
    // the page made itself; test_axe[phone] lost its open menu twice, on a loaded machine
    // (which scroll it was is not known; a scroll into view before a click is one candidate).
    const scrolled = (event) => {
      const box = event.target === document ? document.documentElement : event.target;
      if (!menu?.contains(box) && box.contains?.(wrap.current)) place();
    };
    document.addEventListener('pointerdown', outside, true);
    document.addEventListener('scroll', scrolled, true);
    window.addEventListener('resize', place);
    return () => {
      host?.classList.remove('menu-open');
      document.removeEventListener('pointerdown', outside, true);
      document.removeEventListener('scroll', scrolled, true);
      window.removeEventListener('resize', place);
    };
  }, [open]);

  const close = (refocus = true) => {
    setOpen(false);
    if (refocus) toggle.current?.focus();
  };

  const onMenuKey = (event) => {
    const list = menuItems();
    const at = list.indexOf(document.activeElement);
    if (event.key === 'Escape') {
      // preventDefault keeps the surrounding <dialog> open: Escape closes the menu only.
      event.preventDefault();
      event.stopPropagation();
      close();
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      list[(at + step + list.length) % list.length]?.focus({ preventScroll: true });
    } else if (event.key === 'Home' || event.key === 'End') {
      event.preventDefault();
      list[event.key === 'Home' ? 0 : list.length - 1]?.focus({ preventScroll: true });
    } else if (event.key === 'Tab') {
      close(false);
    }
  };

  const onToggleKey = (event) => {
    if (event.key === 'ArrowDown' && !disabled) {
      event.preventDefault();
      setOpen(true);
    }
  };

  // A main action refused on its own (Shut down of a VM started elsewhere) stays in place,
  // disabled, with its reason as its description; the menu (Force stop) stays usable.
  const kind = primary ? 'btn-secondary' : 'btn-ghost';
  return html`<div class="split" ref=${wrap} data-action=${id}>
    <button type="button" class=${`btn btn-sm ${kind} split-main ${iconOnly ? 'btn-icon' : ''} ${danger ? 'btn-danger-ghost' : ''}`}
        data-action=${id} data-primary="true" disabled=${disabled || mainDisabled}
        title=${title || (iconOnly ? label : undefined)} aria-label=${ariaLabel} aria-describedby=${describedBy} onClick=${onClick}>
      <${Icon} name=${icon} size=${15} />${iconOnly ? null : html`<span>${label}</span>`}
    </button>
    <button type="button" ref=${toggle} class=${`btn btn-sm ${kind} btn-icon split-toggle`} disabled=${disabled}
        aria-haspopup="menu" aria-expanded=${open ? 'true' : 'false'} aria-label=${menuLabel} title=${menuLabel}
        onClick=${() => setOpen(!open)} onKeyDown=${onToggleKey}>
      <${Icon} name="chevronDown" size=${14} />
    </button>
    ${open
      ? html`<div class="menu" role="menu" aria-label=${menuLabel} onKeyDown=${onMenuKey}>
          ${items.map((item) => html`<button key=${item.id} type="button" role="menuitem" tabindex="-1"
              data-item=${item.id} class=${`menu-item ${item.danger ? 'menu-danger' : ''}`}
              onClick=${() => { close(); item.onSelect(); }}>
            ${item.icon ? html`<${Icon} name=${item.icon} size=${14} />` : null}<span>${item.label}</span>
          </button>`)}
        </div>`
      : null}
  </div>`;
}
