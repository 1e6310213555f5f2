// Status badges: a coloured dot plus a word, so colour is never the only signal.
import { html } from '../html.js';
import { isBaseImage, vmState } from '../format.js';

const VM_LABELS = { running: 'Running', stopped: 'Stopped', suspended: 'Suspended', unknown: 'Unknown' };
/** Orchard's phases the seed's words do not cover (`phase` is null in local mode). */
const PHASE_LABELS = {
  queued: 'Queued', creating: 'Creating', restarting: 'Restarting', stopping: 'Stopping',
  suspending: 'Suspending', failed: 'Failed',
};
const TASK_LABELS = { pending: 'Queued', running: 'Running', completed: 'Done', failed: 'Failed' };

export function VmBadge({ vm, busy }) {
  if (busy) {
    return html`<span class="badge badge-busy" data-status="busy"><span class="spinner" aria-hidden="true"></span>${busy}</span>`;
  }
  if (isBaseImage(vm) && vm.status !== 'running') {
    return html`<span class="badge badge-image" data-status=${vm.status}><span class="dot" aria-hidden="true"></span>Image</span>`;
  }
  const state = vmState(vm);
  const phase = PHASE_LABELS[vm.phase];
  const cls = vm.phase === 'failed' ? 'badge-failed' : `badge-${state}`;
  return html`<span class=${`badge ${cls}`} data-status=${state} data-phase=${vm.phase || undefined}
      title=${vm.status_message || undefined}>
    <span class="dot" aria-hidden="true"></span>${phase || VM_LABELS[state] || state}</span>`;
}

/** A task's status; one the user cancelled (`cancelled`, still `failed` in the seed's terms)
 * reads Cancelled, in a neutral colour: it is not a failure. */
export function TaskBadge({ status, cancelled = false }) {
  const outcome = cancelled && status === 'failed' ? 'cancelled' : status;
  return html`<span class=${`badge badge-task-${outcome}`} data-status=${status} data-outcome=${outcome}>
    ${status === 'running' || status === 'pending'
      ? html`<span class="spinner" aria-hidden="true"></span>`
      : html`<span class="dot" aria-hidden="true"></span>`}
    ${outcome === 'cancelled' ? 'Cancelled' : TASK_LABELS[status] || status}</span>`;
}

export function KindBadge({ base }) {
  return html`<span class=${`tag ${base ? 'tag-image' : 'tag-vm'}`}>${base ? 'Base image' : 'Working VM'}</span>`;
}
