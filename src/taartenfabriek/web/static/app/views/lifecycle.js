// The details view's controls, enabled from `GET /api/vms/{name}/actions` (what can be done
// now, and in words why not; what the backend cannot do at all is explained, not offered).
// Older servers without that route get the card's buttons.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { api, vmPath } from '../api.js';
import { actions, submit } from '../data.js';
import { openDialog, toast } from '../state.js';
import { isBaseImage } from '../format.js';
import { Icon } from '../components/icons.js';
import { SplitButton } from '../components/splitbutton.js';
import { ActionButtons } from './vmactions.js';
import { startVm } from './startvm.js';
import { useLocalTart } from './startsummary.js';

async function run(call) {
  try {
    await call();
  } catch (error) {
    toast(error.message, 'error', 10000);
  }
}

function useActions(name, version) {
  const [state, setState] = useState({ loading: true });
  useEffect(() => {
    let alive = true;
    api(vmPath(name, 'actions'))
      .then((data) => alive && setState({ data }))
      .catch((error) => alive && setState(error.status === 404 || error.status === 405 ? { unsupported: true } : { error: error.message }));
    return () => {
      alive = false;
    };
  }, [name, version]);
  return state;
}

function Button({ id, label, icon, state, onClick, primary, danger, iconOnly, vm, busy, options }) {
  const disabled = Boolean(busy) || !state?.allowed;
  const cls = ['btn', 'btn-sm', primary ? 'btn-secondary' : 'btn-ghost', danger ? 'btn-danger-ghost' : '', iconOnly ? 'btn-icon' : ''];
  const title = !state?.allowed ? state?.reason || undefined : iconOnly ? label : undefined;
  if (options) {
    // Start and Resume: the plain action, and "… with options" (shared folders, network…).
    return html`<${SplitButton} id=${id} label=${label} icon=${icon} onClick=${onClick} disabled=${disabled}
      title=${title} ariaLabel=${`${label} ${vm.name}`} menuLabel=${`Options for ${id === 'resume' ? 'resuming' : 'starting'} ${vm.name}`}
      items=${[{ id: 'options', label: `${label} with options…`, icon: 'settings', onSelect: options }]} />`;
  }
  return html`<button type="button" class=${cls.join(' ')} data-action=${id} disabled=${disabled}
      title=${title} aria-label=${`${label} ${vm.name}`} onClick=${onClick}>
    <${Icon} name=${icon} size=${15} />${iconOnly ? null : html`<span>${label}</span>`}
  </button>`;
}

export function LifecycleActions({ vm, busy, version }) {
  const { data, unsupported, error } = useActions(vm.name, version);
  const local = useLocalTart(); // Orchard starts VMs its own way: no start options there
  if (isBaseImage(vm) || unsupported || error) {
    return html`<${ActionButtons} vm=${vm} busy=${busy} iconOnlyDelete=${false} />`;
  }
  if (!data) return html`<div class="actions"><span class="muted small" role="status">Checking what can be done…</span></div>`;
  const name = vm.name;
  const power = [
    {
      id: 'start', label: 'Start', icon: 'play', primary: true,
      onClick: () => run(() => startVm(name)),
      options: local ? () => openDialog('start-options', { vm, mode: 'start' }) : null,
    },
    {
      id: 'resume', label: 'Resume', icon: 'play', primary: true,
      onClick: () => run(() => startVm(name, { resume: true })),
      options: local ? () => openDialog('start-options', { vm, mode: 'resume' }) : null,
    },
    { id: 'shutdown', label: 'Shut down', icon: 'power', onClick: () => run(() => submit(vmPath(name, 'shutdown'))) },
    { id: 'suspend', label: 'Suspend', icon: 'pause', onClick: () => run(() => submit(vmPath(name, 'suspend'))) },
    { id: 'stop', label: 'Stop', icon: 'stop', onClick: () => run(() => actions.stop(name)) },
  ]
    .filter((a) => data[a.id]?.allowed)
    .filter((a) => !(a.id === 'start' && data.resume?.allowed)); // resuming is the point
  // What the backend cannot do at all (Orchard: start a stopped VM, edit, rename...) is not
  // offered as a button but explained below; Clone and Delete stay, greyed, as the ways on.
  const cannot = new Set(data.unsupported || []);
  const manage = [
    { id: 'edit', label: 'Edit', icon: 'settings', onClick: () => openDialog('edit', { vm }) },
    { id: 'rename', label: 'Rename', icon: 'edit', onClick: () => openDialog('rename', { vm }) },
    { id: 'clone', label: 'Clone', icon: 'clone', onClick: () => openDialog('clone', { vm }) },
    { id: 'delete', label: 'Delete', icon: 'trash', danger: true, iconOnly: true, onClick: () => openDialog('delete', { vm }) },
  ].filter((a) => !cannot.has(a.id) || a.id === 'clone' || a.id === 'delete');
  const states = { clone: { allowed: true }, ...data };
  // One reason says enough (they share a cause: the VM runs); each button's title has its own.
  const reason = manage.filter((a) => !cannot.has(a.id)).map((a) => states[a.id]).find((s) => !s.allowed && s.reason)?.reason;
  return html`<div class="lifecycle">
    <div class="actions actions-wrap">
      ${power.map((a) => html`<${Button} key=${a.id} ...${a} state=${states[a.id]} vm=${vm} busy=${busy} />`)}
      ${power.length ? html`<span class="actions-sep" aria-hidden="true"></span>` : null}
      ${manage.map((a) => html`<${Button} key=${a.id} ...${a} state=${states[a.id]} vm=${vm} busy=${busy} />`)}
    </div>
    ${reason && !busy ? html`<p class="muted small action-reason">${reason}</p>` : null}
    <${Unsupported} data=${data} vm=${vm} />
  </div>`;
}

const LABELS = {
  start: 'Start', resume: 'Resume', suspend: 'Suspend', shutdown: 'Shut down', stop: 'Stop',
  edit: 'Edit', rename: 'Rename', clone: 'Clone', delete: 'Delete',
};

/** The actions the backend cannot do on this VM, each with what it offers instead (the
 * server's words); actions that share a reason (start and resume) are listed once. */
function Unsupported({ data, vm }) {
  const seen = new Map();
  for (const id of data.unsupported || []) {
    const reason = data[id]?.reason;
    if (!reason) continue;
    if (!seen.has(reason)) seen.set(reason, []);
    seen.get(reason).push(id);
  }
  if (!seen.size) return null;
  const backend = vm.source === 'orchard' ? 'Orchard' : 'this backend';
  const label = (ids) => ids.map((id) => LABELS[id] || id).join(', ');
  return html`<details class="action-notes">
    <summary>Not possible with ${backend}: ${label([...seen.values()].flat())}</summary>
    <ul>${[...seen.entries()].map(([reason, ids]) => html`<li key=${reason} data-actions=${ids.join(' ')}>
      <strong>${label(ids)}</strong>: ${reason}</li>`)}</ul>
  </details>`;
}
