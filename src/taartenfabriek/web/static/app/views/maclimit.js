// The server refused a start because Apple's Virtualization framework runs at most two macOS
// VMs at once (409, docs/care.md "The macOS limit"). Says so in plain words, lists the macOS
// VMs that hold the slots with a shut-down and a stop button each, and starts the VM (or sends
// the refused clone-and-start again) once a slot is free.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { vmPath } from '../api.js';
import { actions, submit } from '../data.js';
import { useStore } from '../state.js';
import { Dialog } from '../components/dialog.js';
import { FormError } from '../components/field.js';
import { VmBadge } from '../components/badge.js';
import { Icon } from '../components/icons.js';
import { FINAL, actionVerb, isBaseImage } from '../format.js';
import { cloneVm, startVm } from './startvm.js';

const WORDS = ['no', 'one', 'two', 'three', 'four', 'five', 'six'];

function count(n) {
  return WORDS[n] || String(n);
}

function capital(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function Holder({ vm, busy, onError }) {
  const act = async (call) => {
    onError(null);
    try {
      await call();
    } catch (error) {
      onError(error.message);
    }
  };
  const shutdown = () => act(() => submit(vmPath(vm.name, 'shutdown')));
  return html`<li class="limit-vm" data-vm=${vm.name}>
    <span class="limit-name">${vm.name}</span>
    <${VmBadge} vm=${vm} busy=${busy} />
    <span class="limit-actions">
      <button type="button" class="btn btn-sm btn-secondary" disabled=${Boolean(busy)}
          aria-label=${`Shut down ${vm.name}`} onClick=${shutdown}>
        <${Icon} name="power" size=${14} /><span>Shut down</span>
      </button>
      <button type="button" class="btn btn-sm btn-ghost" disabled=${Boolean(busy)}
          aria-label=${`Stop ${vm.name}`} onClick=${() => act(() => actions.stop(vm.name))}>
        <${Icon} name="stop" size=${14} /><span>Stop</span>
      </button>
    </span>
  </li>`;
}

/** `clone`: `{ source, body }` when the refused start was a clone's (`name` is the clone). */
export function MacLimitDialog({ name, limit = 2, detail, body, resume = false, clone = null, onClose }) {
  const vms = useStore((s) => s.vms);
  const tasks = useStore((s) => s.tasks);
  const [error, setError] = useState(null);
  const [starting, setStarting] = useState(false);
  const busyOf = (vmName) => {
    const task = Object.values(tasks).find((t) => t.vm === vmName && !FINAL.has(t.status));
    return task ? `${actionVerb(task.action, 1)}…` : undefined;
  };
  const holders = vms.filter((v) => v.name !== name && !isBaseImage(v) && v.status === 'running' && v.os === 'darwin');
  const free = holders.length < limit;

  const start = async () => {
    setStarting(true);
    setError(null);
    try {
      const task = clone ? await cloneVm(clone.source, clone.body) : await startVm(name, { body, resume });
      if (task) onClose();
    } catch (err) {
      setError(err.message);
    } finally {
      setStarting(false);
    }
  };

  const verb = resume ? 'resume' : 'start';
  return html`<${Dialog} title=${`${capital(count(limit))} macOS VMs are already running`}
      subtitle=${`${name} cannot ${verb} until one of them stops`} onClose=${onClose}>
    <div class="limit" data-limit=${limit}>
      <p>
        Apple's Virtualization framework runs at most ${count(limit)} macOS VMs at once on a Mac
        (Linux VMs do not count). To ${verb} <strong>${name}</strong>, shut down or stop one of these first:
      </p>
      ${holders.length
        ? html`<ul class="limit-list" aria-label="Running macOS VMs">
            ${holders.map((vm) => html`<${Holder} key=${vm.name} vm=${vm} busy=${busyOf(vm.name)} onError=${setError} />`)}
          </ul>`
        : html`<p class="muted">This window lists none: they may be starting, or were started outside this app.</p>`}
      <p class="muted small" role="status">
        ${free
          ? `A slot is free: ${name} can ${verb} now.`
          : 'Shut down asks the guest to close its apps and power off; Stop powers it off at once.'}
      </p>
      <details class="raw">
        <summary>What the server said</summary>
        <p class="small limit-detail">${detail}</p>
      </details>
      <${FormError} error=${error} />
      <div class="form-actions">
        <button type="button" class="btn btn-secondary" onClick=${onClose}>Close</button>
        <button type="button" class="btn btn-primary" disabled=${!free || starting} onClick=${start}>
          <${Icon} name="play" size=${14} />${starting ? (clone ? 'Cloning…' : 'Starting…') : clone ? `Clone and start ${name}` : `${capital(verb)} ${name}`}
        </button>
      </div>
    </div>
  <//>`;
}
