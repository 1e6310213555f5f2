// Bulk actions on the VMs selected in the list: one confirmation that lists every VM and what
// will happen to it (or why it is left out), then one request per VM and each one's result.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { vmPath } from '../api.js';
import { actions, submit } from '../data.js';
import { getState, setState, useStore } from '../state.js';
import { isBaseImage, vmState } from '../format.js';
import { Dialog } from '../components/dialog.js';
import { TaskBadge } from '../components/badge.js';
import { shutdownWait } from './power.js';

/** What each bulk action does to one VM: `null` when it applies, else why it is left out. */
const KINDS = {
  start: {
    title: 'Start', verb: 'Start', danger: false,
    skip: (vm) => (isBaseImage(vm) ? 'a base image (use New VM)' : vmState(vm) === 'running' ? 'already running' : null),
    run: (vm) => (vmState(vm) === 'suspended' ? submit(vmPath(vm.name, 'resume')) : actions.start(vm.name)),
    note: 'Suspended VMs are resumed from their saved state.',
  },
  shutdown: {
    title: 'Shut down', verb: 'Shut down', danger: false,
    skip: (vm) => (vmState(vm) !== 'running' ? 'not running' : null),
    run: (vm) => actions.shutdown(vm.name, shutdownWait()),
    note: 'Each guest is asked to shut down; one that does not stop in time keeps running.',
  },
  'force-stop': {
    title: 'Force stop', verb: 'Force stop', danger: true,
    skip: (vm) => (isBaseImage(vm) ? 'a base image' : !['running', 'suspended'].includes(vmState(vm)) ? 'not running' : null),
    run: (vm) => actions.stop(vm.name),
    note: 'Each VM is stopped at once, like pulling its power cord: unsaved work in the guests is lost, and a suspended VM\'s saved state is discarded.',
  },
  delete: {
    title: 'Delete', verb: 'Delete', danger: true,
    skip: (vm) => (vmState(vm) === 'running' ? 'running: shut it down first' : null),
    run: (vm) => actions.delete(vm.name),
    note: 'Each VM is deleted with its disk (a base image from the image cache). This cannot be undone.',
  },
};

export const BULK_KINDS = Object.keys(KINDS);
export const bulkTitle = (kind) => KINDS[kind].title;

/** The selected VMs, in the list's order of the inventory. */
export function selectedVms(state = getState()) {
  const chosen = new Set(state.selection || []);
  return state.vms.filter((vm) => chosen.has(vm.name));
}

function Outcome({ result }) {
  const task = useStore((s) => (result.task ? s.tasks[result.task] : null), [result.task]);
  if (result.error) return html`<span class="bulk-error">${result.error}</span>`;
  if (!task) return html`<span class="muted">Sent…</span>`;
  return html`<${TaskBadge} status=${task.status} cancelled=${task.cancelled} />${task.status === 'failed' && !task.cancelled ? html` <span class="bulk-error">${task.error}</span>` : null}`;
}

export function BulkDialog({ kind, names, onClose }) {
  const spec = KINDS[kind];
  const [results, setResults] = useState(null);
  const [busy, setBusy] = useState(false);
  const all = getState().vms.filter((vm) => names.includes(vm.name));
  const plan = all.map((vm) => ({ vm, skip: spec.skip(vm) }));
  const doing = plan.filter((p) => !p.skip);
  const go = async () => {
    setBusy(true);
    const done = {};
    await Promise.all(doing.map(async ({ vm }) => {
      try {
        const task = await spec.run(vm);
        done[vm.name] = { task: task?.id };
      } catch (error) {
        done[vm.name] = { error: error.message };
      }
    }));
    setResults(done);
    setBusy(false);
    setState({ selection: [] });
  };
  const count = `${doing.length} ${doing.length === 1 ? 'VM' : 'VMs'}`;
  return html`<${Dialog} title=${`${spec.title} ${all.length} selected`} onClose=${onClose} size="md">
    <div class="form" data-bulk=${kind}>
      ${results ? html`<p role="status">Sent to ${count}; each one's result is below and in Activity.</p>` : html`<p>${spec.note}</p>`}
      <ul class="bulk-list" aria-label="Selected VMs">
        ${plan.map(({ vm, skip }) => html`<li key=${vm.name} data-vm=${vm.name}>
          <span class="mono break">${vm.name}</span>
          ${skip
            ? html`<span class="muted">left out: ${skip}</span>`
            : results ? html`<${Outcome} result=${results[vm.name] || {}} />` : html`<span>${spec.verb}</span>`}
        </li>`)}
      </ul>
      <div class="form-actions">
        ${results
          ? html`<button type="button" class="btn btn-primary" onClick=${onClose} autofocus>Close</button>`
          : html`<button type="button" class="btn btn-secondary" onClick=${onClose} autofocus>Cancel</button>
            <button type="button" class=${`btn ${spec.danger ? 'btn-danger' : 'btn-primary'}`} disabled=${busy || !doing.length} onClick=${go}>
              ${busy ? 'Sending…' : doing.length ? `${spec.verb} ${count}` : 'Nothing to do'}
            </button>`}
      </div>
    </div>
  <//>`;
}
