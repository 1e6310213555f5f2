// Status badges: a coloured dot plus a word, so colour is never the only signal.
import { html } from '../html.js';
import { isBaseImage, vmState } from '../format.js';

const VM_LABELS = { running: 'Running', stopped: 'Stopped', suspended: 'Suspended', unknown: 'Unknown' };
const TASK_LABELS = { pending: 'Queued', running: 'Running', completed: 'Done', failed: 'Failed' };

export function VmBadge({ vm, busy }) {
  if (busy) {
    return html`<span class="badge badge-busy" data-status="busy"><span class="spinner" aria-hidden="true"></span>${busy}</span>`;
  }
  if (isBaseImage(vm) && vm.status !== 'running') {
    return html`<span class="badge badge-image" data-status=${vm.status}><span class="dot" aria-hidden="true"></span>Image</span>`;
  }
  const state = vmState(vm);
  return html`<span class=${`badge badge-${state}`} data-status=${state}>
    <span class="dot" aria-hidden="true"></span>${VM_LABELS[state] || state}</span>`;
}

export function TaskBadge({ status }) {
  return html`<span class=${`badge badge-task-${status}`} data-status=${status}>
    ${status === 'running' || status === 'pending'
      ? html`<span class="spinner" aria-hidden="true"></span>`
      : html`<span class="dot" aria-hidden="true"></span>`}
    ${TASK_LABELS[status] || status}</span>`;
}

export function KindBadge({ base }) {
  return html`<span class=${`tag ${base ? 'tag-image' : 'tag-vm'}`}>${base ? 'Base image' : 'Working VM'}</span>`;
}
