// The actions a VM offers, shared by cards, table rows and the detail view. Destructive ones
// open a confirmation dialog; start and stop run at once and report errors as notices.
import { html } from '../html.js';
import { actions } from '../data.js';
import { openDialog, toast } from '../state.js';
import { isBaseImage, vmState } from '../format.js';
import { Icon } from '../components/icons.js';

async function run(kind, vm) {
  try {
    if (kind === 'start') {
      // Loaded on the first start, not before the inventory shows (one request fewer).
      const { startVm } = await import('./startvm.js');
      await startVm(vm.name);
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
    title: running ? 'Stop the VM before deleting it' : undefined,
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
    title: clonable ? 'Orchard starts the clone on the same worker' : `Orchard clones only a stopped VM, and ${vm.name} is ${phase}`,
    onClick: () => openDialog('clone', { vm }),
  });
  list.push(deleteAction(vm, running));
  return list;
}

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
    list.push({ id: 'stop', label: 'Stop', icon: 'stop', onClick: () => run('stop', vm) });
  } else {
    list.push({ id: 'start', label: state === 'suspended' ? 'Resume' : 'Start', icon: 'play', primary: true, onClick: () => run('start', vm) });
  }
  list.push({ id: 'clone', label: 'Clone', icon: 'clone', onClick: () => openDialog('clone', { vm }) });
  list.push(deleteAction(vm, running));
  if (busy) for (const action of list) action.disabled = true;
  return list;
}

/** Buttons; `compact` shows icons only (with accessible names) for table rows. */
export function ActionButtons({ vm, busy, compact = false, iconOnlyDelete = true }) {
  return html`<div class="actions">
    ${vmActions(vm, busy).map((a) => {
      const iconOnly = compact || (iconOnlyDelete && a.id === 'delete');
      const cls = ['btn', 'btn-sm', a.primary && !compact ? 'btn-secondary' : 'btn-ghost', a.danger ? 'btn-danger-ghost' : '', iconOnly ? 'btn-icon' : ''];
      return html`<button key=${a.id} type="button" class=${cls.join(' ')} data-action=${a.id}
          disabled=${a.disabled} title=${a.title || (iconOnly ? a.label : undefined)}
          aria-label=${`${a.label} ${vm.name}`}
          onClick=${(event) => { event.stopPropagation(); a.onClick(); }}>
        <${Icon} name=${a.icon} size=${15} />${iconOnly ? null : html`<span>${a.label}</span>`}
      </button>`;
    })}
  </div>`;
}
