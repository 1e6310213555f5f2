// The actions a VM offers, shared by cards, table rows and the detail view. Destructive ones
// (force stop, delete) open a confirmation dialog; start and shut down run at once and report
// errors as notices.
import { html } from '../html.js';
import { actions } from '../data.js';
import { openDialog, toast } from '../state.js';
import { isBaseImage, vmState } from '../format.js';
import { Icon } from '../components/icons.js';
import { SplitButton } from '../components/splitbutton.js';
import { useKeepFocus } from '../components/focuskeep.js';
import { useRef } from 'preact/hooks';

async function run(kind, vm) {
  try {
    if (kind === 'start' || kind === 'resume') {
      // Loaded on the first start, not before the inventory shows (one request fewer).
      // A suspended VM is resumed (`POST /resume`), so its task is called Resume.
      const { startVm } = await import('./startvm.js');
      await startVm(vm.name, { resume: kind === 'resume' });
    } else {
      await actions[kind](vm.name);
    }
  } catch (error) {
    toast(error.message, 'error', 10000);
  }
}

/** Delete asks for confirmation in a dialog, and waits for a running VM to be stopped. */
function deleteAction(vm, running) {
  return {
    id: 'delete',
    label: 'Delete',
    icon: 'trash',
    danger: true,
    disabled: running,
    reason: running
      ? `${vm.name} is running: ${vm.source === 'orchard' ? 'stop it' : vm.started_at == null ? 'force stop it' : 'shut it down'} before deleting it`
      : undefined,
    onClick: () => openDialog('delete', { vm }),
  };
}

const CLONABLE = new Set(['stopped']);

/** An Orchard VM (its `phase` from the controller): Orchard starts a VM only when it creates
 * it, so there is no Start; it clones only a stopped VM (its disk, on its worker; a suspended
 * one would not restore with the clone's new settings).
 * The details view asks the server (`/actions`) and explains each refusal in full. */
function orchardActions(vm) {
  const list = [];
  const phase = vm.phase || vm.state;
  const running = vm.status === 'running';
  if (running) list.push({ id: 'stop', label: 'Stop', icon: 'stop', onClick: () => run('stop', vm) });
  const clonable = CLONABLE.has(phase);
  list.push({
    id: 'clone',
    label: 'Clone',
    icon: 'clone',
    primary: clonable,
    disabled: !clonable,
    title: clonable ? 'Orchard starts the clone on the same worker' : undefined,
    reason: clonable ? undefined : `Orchard clones only a stopped VM, and ${vm.name} is ${phase}`,
    onClick: () => openDialog('clone', { vm }),
  });
  list.push(deleteAction(vm, running));
  return list;
}

/** Every action's reason while the server cannot be reached (the banner says it in full). */
export const OFFLINE = 'The server cannot be reached: actions wait until it answers again';

/** Why a running local VM's Shut down cannot be asked for from here (the server's own rule:
 * only a run this server started can be asked; the details show the server's sentence). */
export const ELSEWHERE = 'It was started outside this server (e.g. from a terminal), so its guest cannot be asked to shut down: only Force stop is possible';

export function vmActions(vm, busy) {
  if (vm.source === 'orchard') {
    const list = orchardActions(vm);
    if (busy) for (const action of list) action.disabled = true;
    return list;
  }
  const base = isBaseImage(vm);
  const state = vmState(vm);
  const running = state === 'running';
  const list = [];
  if (base) {
    list.push({ id: 'create', label: 'New VM', icon: 'plus', primary: true, onClick: () => openDialog('create', { source: vm.name }) });
  } else if (running) {
    // The graceful action is the main one; Force stop is in its menu and asks first.
    const elsewhere = vm.started_at == null;
    list.push({
      id: 'shutdown', label: 'Shut down', icon: 'power', primary: true,
      onClick: () => power((p) => p.shutDown(vm)),
      mainDisabled: elsewhere,
      reason: elsewhere ? ELSEWHERE : undefined,
      menu: [{ id: 'force-stop', label: 'Force stop…', icon: 'stop', danger: true, onSelect: () => power((p) => p.confirmForceStop(vm, 'running')) }],
    });
  } else if (state === 'suspended') {
    list.push({
      id: 'start', label: 'Resume', icon: 'play', primary: true, onClick: () => run('resume', vm),
      menu: [{ id: 'discard', label: 'Discard saved state…', icon: 'stop', danger: true, onSelect: () => power((p) => p.confirmForceStop(vm, 'suspended')) }],
    });
  } else {
    list.push({ id: 'start', label: 'Start', icon: 'play', primary: true, onClick: () => run('start', vm) });
  }
  list.push({ id: 'clone', label: 'Clone', icon: 'clone', onClick: () => openDialog('clone', { vm }) });
  list.push(deleteAction(vm, running));
  if (busy) for (const action of list) action.disabled = true;
  return list;
}

async function power(call) {
  try {
    await call(await import('./power.js'));
  } catch (error) {
    toast(error.message, 'error', 10000);
  }
}

/** Buttons; `compact` shows icons only (with accessible names) for table rows. A refused
 * action stays in place, disabled, its reason as its description (a hidden span, shown as a
 * tooltip too), so a screen reader hears why. */
export function ActionButtons({ vm, busy, compact = false, iconOnlyDelete = true, offline = false }) {
  const key = `${compact ? 'r' : 'c'}-${vm.name.replace(/[^\w-]/g, '_')}`;
  const where = compact ? 'row' : iconOnlyDelete ? 'card' : 'drawer';
  const box = useRef(null);
  useKeepFocus(box, vm.name, where);
  return html`<div class="actions" ref=${box} data-actions-of=${vm.name} data-where=${where}>
    ${vmActions(vm, busy).map((a) => {
      if (offline) {
        // The server is gone: nothing can be done, and the banner's sentence says why.
        a = { ...a, disabled: true, reason: undefined, offline: true };
      }
      const iconOnly = compact || (iconOnlyDelete && a.id === 'delete');
      const reasonId = a.offline ? 'why-offline' : a.reason ? `why-${key}-${a.id}` : undefined;
      const why = a.reason ? html`<span id=${reasonId} class="sr-only">${a.reason}</span>` : null;
      if (a.menu) {
        return html`<${SplitButton} key=${a.id} id=${a.id} label=${a.label} icon=${a.icon} onClick=${(e) => { e.stopPropagation(); a.onClick(); }}
          disabled=${a.disabled} mainDisabled=${a.mainDisabled} title=${a.offline ? OFFLINE : a.reason} describedBy=${reasonId}
          ariaLabel=${`${a.label} ${vm.name}`} menuLabel=${a.label === 'Resume' ? `Options for resuming ${vm.name}` : `More power actions for ${vm.name}`}
          items=${a.menu} iconOnly=${compact} primary=${!compact} />${why}`;
      }
      const cls = ['btn', 'btn-sm', a.primary && !compact ? 'btn-secondary' : 'btn-ghost', a.danger ? 'btn-danger-ghost' : '', iconOnly ? 'btn-icon' : ''];
      return html`<button key=${a.id} type="button" class=${cls.join(' ')} data-action=${a.id} data-primary=${a.primary ? 'true' : undefined}
          disabled=${a.disabled} title=${a.offline ? OFFLINE : a.reason || a.title || (iconOnly ? a.label : undefined)}
          aria-label=${`${a.label} ${vm.name}`} aria-describedby=${reasonId}
          onClick=${(event) => { event.stopPropagation(); a.onClick(); }}>
        <${Icon} name=${a.icon} size=${15} />${iconOnly ? null : html`<span>${a.label}</span>`}
      </button>${why}`;
    })}
  </div>`;
}
