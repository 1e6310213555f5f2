// The details view's controls, enabled from `GET /api/vms/{name}/actions` (what can be done
// now, and in words why not; what the backend cannot do at all is explained, not offered).
// Older servers without that route get the card's buttons.
import { useEffect, useRef, useState } from 'preact/hooks';
import { useKeepFocus } from '../components/focuskeep.js';
import { html } from '../html.js';
import { api, vmPath } from '../api.js';
import { actions, submit } from '../data.js';
import { openDialog, toast, useStore } from '../state.js';
import { isBaseImage } from '../format.js';
import { Icon } from '../components/icons.js';
import { SplitButton } from '../components/splitbutton.js';
import { ActionButtons } from './vmactions.js';
import { startVm } from './startvm.js';
import { confirmForceStop, shutDown } from './power.js';
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

/** A control's id for its reason (aria-describedby), unique per VM and action. */
const whyId = (vm, id) => `why-d-${vm.name.replace(/[^\w-]/g, '_')}-${id}`;

function Button({ id, label, icon, state, onClick, primary, danger, iconOnly, vm, busy, options, menu }) {
  const refused = !state?.allowed;
  const disabled = Boolean(busy) || refused;
  const cls = ['btn', 'btn-sm', primary ? 'btn-secondary' : 'btn-ghost', danger ? 'btn-danger-ghost' : '', iconOnly ? 'btn-icon' : ''];
  const title = refused ? state?.reason || undefined : iconOnly ? label : undefined;
  const describedBy = refused && state?.reason ? whyId(vm, id) : undefined;
  const items = [
    ...(options ? [{ id: 'options', label: `${label} with options…`, icon: 'settings', onSelect: options }] : []),
    ...(menu || []),
  ];
  if (items.length) {
    // The main action and its variants (Start with options…, Force stop…): the menu stays
    // usable when the main action alone is refused (Shut down of a VM started elsewhere).
    return html`<${SplitButton} id=${id} label=${label} icon=${icon} onClick=${onClick}
      disabled=${Boolean(busy)} mainDisabled=${refused} describedBy=${describedBy}
      title=${title} ariaLabel=${`${label} ${vm.name}`} menuLabel=${id === 'resume' ? `Options for resuming ${vm.name}` : id === 'start' ? `Options for starting ${vm.name}` : `More power actions for ${vm.name}`}
      items=${items} />`;
  }
  return html`<button type="button" class=${cls.join(' ')} data-action=${id} disabled=${disabled} data-primary=${primary ? 'true' : undefined}
      title=${title} aria-label=${`${label} ${vm.name}`} aria-describedby=${describedBy} onClick=${onClick}>
    <${Icon} name=${icon} size=${15} />${iconOnly ? null : html`<span>${label}</span>`}
  </button>`;
}

/** The server says "shut it down first"; where Shut down itself is refused (a VM started
 * elsewhere), the way on is Force stop, so the sentence says that instead. */
function wayOn(reason, data) {
  if (!reason || data.shutdown?.allowed || !/shut it down/.test(reason)) return reason;
  return reason
    .replace(/shut it down or force stop it/, 'force stop it')
    .replace(/shut it down/, 'stop it (Force stop, in the Shut down menu)');
}

function powerActions(vm, data, local) {
  const name = vm.name;
  const state = data.state;
  const force = (mode) => ({
    id: mode === 'suspended' ? 'discard' : 'force-stop',
    label: mode === 'suspended' ? 'Discard saved state…' : 'Force stop…',
    icon: 'stop',
    danger: true,
    onSelect: () => confirmForceStop(vm, mode),
  });
  const orchardLike = (data.unsupported || []).includes('shutdown');
  const list = [];
  if (state === 'running' && !orchardLike) {
    list.push({
      id: 'shutdown', label: 'Shut down', icon: 'power', primary: true,
      onClick: () => run(() => shutDown(vm)),
      menu: data.stop?.allowed ? [force('running')] : [],
    });
    if (!(data.unsupported || []).includes('suspend')) {
      list.push({ id: 'suspend', label: 'Suspend', icon: 'pause', onClick: () => run(() => submit(vmPath(name, 'suspend'))) });
    }
  } else if (state === 'running' || (orchardLike && data.stop?.allowed)) {
    list.push({ id: 'stop', label: 'Stop', icon: 'stop', onClick: () => run(() => actions.stop(name)) });
  } else if (data.resume?.allowed || state === 'suspended') {
    list.push({
      id: 'resume', label: 'Resume', icon: 'play', primary: true,
      onClick: () => run(() => startVm(name, { resume: true })),
      options: local ? () => openDialog('start-options', { vm, mode: 'resume' }) : null,
      menu: data.stop?.allowed ? [force('suspended')] : [],
    });
  } else if (data.start?.allowed || !(data.unsupported || []).includes('start')) {
    list.push({
      id: 'start', label: 'Start', icon: 'play', primary: true,
      onClick: () => run(() => startVm(name)),
      options: local ? () => openDialog('start-options', { vm, mode: 'start' }) : null,
    });
  }
  return list;
}

export function LifecycleActions({ vm, busy, version }) {
  const { data, unsupported, error } = useActions(vm.name, version);
  const offline = useStore((s) => Boolean(s.offline));
  const box = useRef(null);
  useKeepFocus(box, vm.name, 'drawer');
  const local = useLocalTart(); // Orchard starts VMs its own way: no start options there
  if (offline) {
    return html`<div class="lifecycle"><${ActionButtons} vm=${vm} busy=${busy} iconOnlyDelete=${false} offline=${true} /></div>`;
  }
  if (isBaseImage(vm) || unsupported || error) {
    return html`<${ActionButtons} vm=${vm} busy=${busy} iconOnlyDelete=${false} />`;
  }
  if (!data) return html`<div class="actions"><span class="muted small" role="status">Checking what can be done…</span></div>`;
  const power = powerActions(vm, data, local);
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
  for (const key of Object.keys(states)) {
    const st = states[key];
    if (st && typeof st === 'object' && 'allowed' in st && !st.allowed) states[key] = { ...st, reason: wayOn(st.reason, data) };
  }
  // Every refused control says why: next to the controls (one line per distinct reason, with
  // the actions it stops) and as each control's accessible description.
  const shown = [...power, ...manage].filter((a) => !states[a.id]?.allowed && states[a.id]?.reason && !(cannot.has(a.id) && a.id !== 'clone' && a.id !== 'delete'));
  const reasons = new Map();
  for (const a of shown) {
    const reason = states[a.id].reason;
    reasons.set(reason, [...(reasons.get(reason) || []), a]);
  }
  return html`<div class="lifecycle">
    <div class="actions actions-wrap" ref=${box} data-actions-of=${vm.name} data-where="drawer">
      ${power.map((a) => html`<${Button} key=${a.id} ...${a} state=${states[a.id]} vm=${vm} busy=${busy} />`)}
      ${power.length ? html`<span class="actions-sep" aria-hidden="true"></span>` : null}
      ${manage.map((a) => html`<${Button} key=${a.id} ...${a} state=${states[a.id]} vm=${vm} busy=${busy} />`)}
    </div>
    ${reasons.size && !busy
      ? html`<ul class="muted small action-reason">${[...reasons.entries()].map(([reason, list]) => html`<li key=${reason}>
          <strong>${list.map((a) => LABELS[a.id] || a.label).join(', ')}</strong>: ${list.map((a) => html`<span key=${a.id} id=${whyId(vm, a.id)} hidden=${list[0] !== a}>${reason}</span>`)}
        </li>`)}</ul>`
      : null}
    <${Unsupported} data=${data} vm=${vm} />
  </div>`;
}

const LABELS = {
  start: 'Start', resume: 'Resume', suspend: 'Suspend', shutdown: 'Shut down', stop: 'Stop',
  'force-stop': 'Force stop',
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
