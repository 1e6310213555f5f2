// The actions a VM offers, shared by cards, table rows and the detail view. Destructive ones
// open a confirmation dialog; start and stop run at once and report errors as notices.
import { html } from '../html.js';
import { actions } from '../data.js';
import { openDialog, toast } from '../state.js';
import { isBaseImage, vmState } from '../format.js';
import { Icon } from '../components/icons.js';
import { startVm } from './startvm.js';

async function run(kind, vm) {
  try {
    await (kind === 'start' ? startVm(vm.name) : actions[kind](vm.name));
  } catch (error) {
    toast(error.message, 'error', 10000);
  }
}

export function vmActions(vm, busy) {
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
  list.push({
    id: 'delete',
    label: 'Delete',
    icon: 'trash',
    danger: true,
    disabled: running,
    title: running ? 'Stop the VM before deleting it' : undefined,
    onClick: () => openDialog('delete', { vm }),
  });
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
