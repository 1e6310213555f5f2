// Create a VM from scratch (POST /api/vms/create-empty, docs/lifecycle.md): an empty Linux VM
// ready to boot an installer ISO, or macOS installed from an IPSW, a long task whose progress
// the dialog follows until it ends (it keeps running in Activity if the dialog is closed).
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../html.js';
import { submit } from '../data.js';
import { getState, useStore } from '../state.js';
import { navigate } from '../router.js';
import { Field, FormError, described, errorsFor, focusFirstError } from '../components/field.js';
import { Icon } from '../components/icons.js';
import { Progress } from '../components/progress.js';
import { TaskBadge } from '../components/badge.js';
import { FINAL, shellLine, taskProgress } from '../format.js';
import { LIMITS, NumberField, intError } from './vmsize.js';
import { nameError, suggestName } from './names.js';

const FIELDS = ['name', 'os', 'disk_size', 'iso', 'ipsw', 'cpu', 'memory'];

/** The API's refusals by field: its 422 list, or a sentence naming the ISO, IPSW or name. */
function scratchErrors(error, values) {
  const found = errorsFor(error, FIELDS);
  if (Object.keys(found).length || typeof error?.detail !== 'string') return found;
  const text = error.detail;
  if (error.status === 422 && values.iso.trim() && (text.includes(values.iso.trim()) || /\.iso\b|ISO/.test(text))) found.iso = text;
  else if (error.status === 422 && /ipsw/i.test(text)) found.ipsw = text;
  else if (error.status === 409 && text.includes(values.name.trim())) found.name = text;
  return found;
}

function optionalInt(label, raw, limits) {
  return String(raw).trim() === '' ? null : intError(label, raw, limits);
}

/** Default disk sizes (GB): a Linux server fits in 50; macOS and Xcode want 100. */
const DISK_DEFAULT = { linux: '50', macos: '100' };

export function ScratchForm({ onClose, onStarted }) {
  const existing = getState().vms.map((v) => v.name);
  const [values, setValues] = useState(() => ({
    name: suggestName('new-vm', existing), os: 'linux', disk_size: '50', iso: '', ipswKind: 'latest', ipsw: '', cpu: '', memory: '',
  }));
  const [errors, setErrors] = useState({});
  const [formError, setFormError] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (field) => (value) => {
    setValues((v) => ({ ...v, [field]: value }));
    setErrors((e) => ({ ...e, [field]: undefined }));
  };
  const mac = values.os === 'macos';
  // A macOS installation needs a macOS-sized disk: the size follows the OS until it is typed.
  const chooseOs = (os) => {
    setValues((v) => (v.disk_size === DISK_DEFAULT[v.os] ? { ...v, os, disk_size: DISK_DEFAULT[os] } : { ...v, os }));
    setErrors((e) => ({ ...e, os: undefined, disk_size: undefined }));
  };

  const validate = () => {
    const found = {};
    const checks = {
      name: nameError(values.name, existing),
      disk_size: intError('Disk size', values.disk_size, LIMITS.disk_size),
      cpu: optionalInt('CPU', values.cpu, LIMITS.cpu),
      memory: optionalInt('Memory', values.memory, LIMITS.memory),
    };
    if (!mac && values.iso.trim() && !values.iso.trim().startsWith('/')) checks.iso = 'An absolute path on this Mac, starting with /.';
    if (mac && values.ipswKind === 'other' && !values.ipsw.trim()) checks.ipsw = 'An https:// URL of an .ipsw file, or its absolute path on this Mac.';
    for (const [field, problem] of Object.entries(checks)) if (problem) found[field] = problem;
    return found;
  };

  const create = async (event) => {
    event.preventDefault();
    const found = validate();
    setErrors(found);
    if (focusFirstError('scratch', found)) return;
    const body = { name: values.name.trim(), os: values.os, disk_size: Number(values.disk_size) };
    if (!mac && values.iso.trim()) body.iso = values.iso.trim();
    if (mac) body.ipsw = values.ipswKind === 'other' ? values.ipsw.trim() : 'latest';
    if (values.cpu.trim()) body.cpu = Number(values.cpu);
    if (values.memory.trim()) body.memory = Number(values.memory);
    setBusy(true);
    setFormError(null);
    try {
      const task = await submit('/api/vms/create-empty', body);
      onStarted(task);
    } catch (err) {
      const fields = scratchErrors(err, values);
      setErrors(fields);
      setFormError(Object.keys(fields).length ? null : err.message);
      setBusy(false);
      const first = Object.keys(fields)[0];
      if (first) document.getElementById(`scratch-${first === 'ipsw' ? 'ipsw' : first}`)?.focus();
    }
  };

  return html`<form class="form" onSubmit=${create} noValidate>
    <${Field} id="scratch-name" label="Name" error=${errors.name} hint="Letters, digits, dots, dashes and underscores.">
      <input id="scratch-name" class="input" value=${values.name} autofocus autocomplete="off" spellcheck="false"
        onInput=${(e) => set('name')(e.currentTarget.value)} ...${described('scratch-name', { error: errors.name, hint: true })} />
    <//>
    <fieldset class="choice-group choice-row">
      <legend class="field-label">Operating system</legend>
      ${[['linux', 'Linux', 'An empty disk; boot an arm64 installer ISO on it.'], ['macos', 'macOS', 'Installed from an IPSW restore image: a long download and installation.']].map(([value, label, hint]) => html`
        <label key=${value} class="choice">
          <input type="radio" name="scratch-os" value=${value} checked=${values.os === value} onChange=${() => chooseOs(value)} />
          <span><span class="choice-label">${label}</span><span class="field-hint">${hint}</span></span>
        </label>`)}
    </fieldset>
    ${mac
      ? html`<${Field} id="scratch-ipsw-kind" label="Restore image (IPSW)" error=${values.ipswKind === 'other' ? undefined : errors.ipsw}>
          <select id="scratch-ipsw-kind" class="select input" value=${values.ipswKind} onChange=${(e) => set('ipswKind')(e.currentTarget.value)}>
            <option value="latest">The latest macOS this Mac supports</option>
            <option value="other">A URL or a file on this Mac…</option>
          </select>
        <//>
        ${values.ipswKind === 'other'
          ? html`<${Field} id="scratch-ipsw" label="IPSW URL or path" error=${errors.ipsw} hint="https://…/UniversalMac_…_Restore.ipsw or /Users/me/Downloads/….ipsw">
              <input id="scratch-ipsw" class="input mono" value=${values.ipsw} autocomplete="off" spellcheck="false"
                onInput=${(e) => set('ipsw')(e.currentTarget.value)} ...${described('scratch-ipsw', { error: errors.ipsw, hint: true })} />
            <//>`
          : null}`
      : html`<${Field} id="scratch-iso" label="Installer ISO (optional)" error=${errors.iso}
          hint="An arm64 ISO on this Mac. It is attached read-only, and the first start shows the installer over the built-in VNC.">
          <input id="scratch-iso" class="input mono" value=${values.iso} placeholder="/Users/me/Downloads/debian-12-arm64-netinst.iso"
            autocomplete="off" spellcheck="false" onInput=${(e) => set('iso')(e.currentTarget.value)}
            ...${described('scratch-iso', { error: errors.iso, hint: true })} />
        <//>`}
    <${NumberField} id="scratch-disk_size" label="Disk size" unit="GB" value=${values.disk_size} onInput=${set('disk_size')}
      error=${errors.disk_size} limits=${LIMITS.disk_size} presets=${mac ? [60, 100, 200] : [20, 50, 100]}
      hint="Tart can grow a disk later but never shrink it." />
    <div class="form-grid">
      <${NumberField} id="scratch-cpu" label="CPU cores" value=${values.cpu} onInput=${set('cpu')} error=${errors.cpu}
        limits=${LIMITS.cpu} hint="Empty: Tart's default." />
      <${NumberField} id="scratch-memory" label="Memory" unit="GB" value=${values.memory} onInput=${set('memory')}
        error=${errors.memory} limits=${LIMITS.memory} hint="Empty: Tart's default." />
    </div>
    <${FormError} error=${formError} />
    <div class="form-actions">
      <button type="button" class="btn btn-secondary" onClick=${onClose}>Cancel</button>
      <button type="submit" class="btn btn-primary" disabled=${busy}>${busy ? 'Creating…' : 'Create VM'}</button>
    </div>
  </form>`;
}

function nextStep(task, name) {
  if (task.result?.os === 'macos') {
    return `${name} is ready. Start it: the setup assistant shows over the built-in VNC (the Console tab of its details).`;
  }
  if ((task.logs || []).some((line) => line.includes('attached read-only'))) {
    return `${name} is ready. Start it to boot the installer: its screen shows over the built-in VNC (the Console tab of its details).`;
  }
  return `${name} is ready, with an empty disk: add an installer ISO under Extra disks (Start with options…), then start it.`;
}

/** The create task, live: progress (macOS), the command, the outcome and what to do next. */
export function ScratchProgress({ taskId, onClose, onBack }) {
  const task = useStore((s) => s.tasks[taskId], [taskId]);
  const box = useRef(null);
  useEffect(() => box.current?.focus(), []); // the form's button that had focus is gone
  if (!task) return html`<p class="muted" role="status">Starting…</p>`;
  const done = FINAL.has(task.status);
  const progress = taskProgress(task);
  const name = task.vm || task.result?.name || '';
  // The step Tart is at ("Fetching …ipsw...", "Installing OS..."), not its bare `N%` lines.
  const last = (task.logs || []).filter((line) => line.trim() && !line.startsWith('$ ') && !/^\s*[\d.]+\s*%\s*$/.test(line)).slice(-1)[0];
  const openVm = () => {
    onClose();
    navigate({ name: 'vm', vm: name });
  };
  return html`<div class="scratch-progress" ref=${box} tabindex="-1" data-task=${task.id} data-status=${task.status}>
    <div class="scratch-progress-head">
      <strong>${done ? (task.status === 'completed' ? `Created ${name}` : task.cancelled ? `Creating ${name} was cancelled` : `Could not create ${name}`) : `Creating ${name}…`}</strong>
      <${TaskBadge} status=${task.status} cancelled=${task.cancelled} />
    </div>
    ${task.status === 'failed'
      ? null
      : html`<div class="task-progress scratch-bar">
          <${Progress} value=${task.status === 'completed' ? 100 : progress} label=${`Progress of creating ${name}`} />
          <span class="pct">${progress === null && task.status !== 'completed' ? '' : `${Math.round(task.status === 'completed' ? 100 : progress)}%`}</span>
        </div>`}
    ${task.command ? html`<p class="small"><code class="mono break">${shellLine(task.command, true)}</code></p>` : null}
    ${!done && last ? html`<p class="muted small" aria-live="polite">${last}</p>` : null}
    ${task.status === 'failed' && task.cancelled
      ? html`<p role="status">You cancelled it; the half-made VM was removed.</p>`
      : null}
    ${task.status === 'failed' && !task.cancelled
      ? html`<div class="alert alert-error" role="alert">${task.error || 'The task failed.'}</div>
        ${task.stderr ? html`<pre class="log-text stderr">${task.stderr}</pre>` : null}`
      : null}
    ${task.status === 'completed' ? html`<p role="status">${nextStep(task, name)}</p>` : null}
    ${!done ? html`<p class="muted small">You can close this window: the task keeps running in Activity.</p>` : null}
    <div class="form-actions">
      ${task.status === 'failed' ? html`<button type="button" class="btn btn-secondary" onClick=${onBack}>Back to the form</button>` : null}
      <button type="button" class="btn btn-secondary" onClick=${onClose}>Close</button>
      ${task.status === 'completed'
        ? html`<button type="button" class="btn btn-primary" onClick=${openVm}><${Icon} name="monitor" size=${14} />Open ${name}</button>`
        : null}
    </div>
  </div>`;
}
