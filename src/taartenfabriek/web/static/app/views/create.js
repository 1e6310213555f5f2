// Create a VM: clone a source (a local base image or VM, a catalog image, or any OCI
// reference), then set CPU, memory and disk. Invalid input is explained next to its field.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { actions } from '../data.js';
import { getState } from '../state.js';
import { Dialog } from '../components/dialog.js';
import { Field, described, errorsFor, focusFirstError } from '../components/field.js';
import { diskGb, isBaseImage, memoryGb, splitName } from '../format.js';
import { nameError, referenceError, suggestName } from './names.js';
import { useCatalog } from './catalog.js';
import { ScratchForm, ScratchProgress } from './scratch.js';
import { RoomError } from './room.js';
import { LIMITS, NumberField, intError } from './vmsize.js';

const OTHER = '__other__';
const CLONABLE = new Set(['stopped', 'suspended']);
const MEMORY_PRESETS = [4, 8, 16, 32];
const DISK_PRESETS = [50, 80, 100, 200];

const MODES = [['image', 'From an image'], ['scratch', 'From scratch']];

/** "New VM": from an image (below) or from scratch (scratch.js), chosen at the top. */
export function CreateDialog({ mode: initialMode = 'image', source, onClose }) {
  // Orchard makes VMs from images only (no empty disk, no IPSW): no "from scratch" there
  const orchard = getState().health?.backend === 'orchard';
  const [mode, setMode] = useState(orchard ? 'image' : initialMode);
  const [task, setTask] = useState(null);
  const scratch = mode === 'scratch';
  const subtitle = orchard ? 'Orchard places it on a worker and starts it'
    : scratch ? 'An empty Linux VM, or macOS from an IPSW' : 'Clone a source and size it';
  return html`<${Dialog} title="New VM" subtitle=${subtitle} onClose=${onClose}>
    ${task
      ? html`<${ScratchProgress} taskId=${task.id} onClose=${onClose} onBack=${() => setTask(null)} />`
      : html`${orchard ? null : html`<div class="segmented create-mode" role="group" aria-label="How to create the VM">
          ${MODES.map(([value, label]) => html`<button key=${value} type="button" aria-pressed=${mode === value}
              class=${mode === value ? 'on' : ''} onClick=${() => setMode(value)}>${label}</button>`)}
        </div>`}
        ${scratch
          ? html`<${ScratchForm} onClose=${onClose} onStarted=${setTask} />`
          : html`<${FromImage} source=${source} onClose=${onClose} />`}`}
  <//>`;
}

function FromImage({ source: initialSource, onClose }) {
  const vms = getState().vms;
  const existing = vms.map((v) => v.name);
  const images = vms.filter(isBaseImage);
  // Orchard makes a VM from an image, or from a stopped VM's disk on that VM's worker
  const orchard = getState().health?.backend === 'orchard';
  const working = vms.filter((v) => !isBaseImage(v) && (!orchard || CLONABLE.has(v.phase)));
  const [catalog] = useCatalog();
  const catalogUrls = catalog.images.map((img) => img.url).filter((url) => !existing.includes(url));

  const firstSource = initialSource || images[0]?.name || (orchard ? null : working[0]?.name) || OTHER;
  const [source, setSource] = useState(firstSource);
  const [other, setOther] = useState('');
  const sourceVm = vms.find((v) => v.name === source);
  const minDisk = Math.max(1, Math.ceil(diskGb(sourceVm?.disk_size) || 1));
  const defaults = (vm) => ({
    cpu: String(vm?.cpu || LIMITS.cpu.fallback),
    memory: String(Math.max(1, Math.round(memoryGb(vm?.memory) || LIMITS.memory.fallback))),
    disk_size: String(Math.max(LIMITS.disk_size.fallback, Math.ceil(diskGb(vm?.disk_size) || 0))),
  });
  const [values, setValues] = useState(() => ({
    name: suggestName(initialSource ? `${splitName(initialSource).title.replace(/-base$/, '')}-vm` : 'dev-vm', existing),
    ...defaults(sourceVm),
  }));
  const [errors, setErrors] = useState({});
  const [formError, setFormError] = useState(null);
  const [busy, setBusy] = useState(false);

  const set = (field) => (value) => {
    setValues((v) => ({ ...v, [field]: value }));
    setErrors((e) => ({ ...e, [field]: undefined }));
  };
  const pickSource = (value) => {
    setSource(value);
    setErrors((e) => ({ ...e, source_vm: undefined }));
    const vm = vms.find((v) => v.name === value);
    if (vm) setValues((v) => ({ ...v, ...defaults(vm) }));
  };

  const validate = () => {
    const found = {};
    const n = nameError(values.name, existing);
    if (n) found.name = n;
    if (source === OTHER) {
      const r = referenceError(other);
      if (r) found.source_vm = r;
    }
    const c = intError('CPU', values.cpu, LIMITS.cpu);
    if (c) found.cpu = c;
    const m = intError('Memory', values.memory, LIMITS.memory);
    if (m) found.memory = m;
    const d = intError('Disk size', values.disk_size, LIMITS.disk_size);
    if (d) found.disk_size = d;
    else if (Number(values.disk_size) < minDisk) found.disk_size = `At least ${minDisk} GB: Tart can only grow the disk of ${source}.`;
    return found;
  };

  const submit = async (event) => {
    event.preventDefault();
    const found = validate();
    setErrors(found);
    if (focusFirstError('create', found)) return;
    setBusy(true);
    setFormError(null);
    try {
      await actions.create({
        name: values.name.trim(),
        source_vm: source === OTHER ? other.trim() : source,
        cpu: Number(values.cpu),
        memory: Number(values.memory),
        disk_size: Number(values.disk_size),
      });
      onClose();
    } catch (err) {
      const fields = errorsFor(err, ['name', 'source_vm', 'cpu', 'memory', 'disk_size']);
      setErrors(fields);
      setFormError(Object.keys(fields).length ? null : err);
      setBusy(false);
    }
  };

  let sourceHint = null;
  const puller = orchard ? 'the worker Orchard places it on pulls' : 'Tart pulls';
  if (source === OTHER) sourceHint = `Any OCI reference; ${puller} it first if it is not cached.`;
  else if (!sourceVm && catalogUrls.includes(source)) sourceHint = `From the catalog: ${puller} it first, which can take a while.`;
  else if (orchard && sourceVm) sourceHint = `Made on ${sourceVm.worker}, from ${sourceVm.name}'s disk.`;

  return html`<form class="form" onSubmit=${submit} noValidate>
      <${Field} id="create-name" label="Name" error=${errors.name} hint="Letters, digits, dots, dashes and underscores.">
        <input id="create-name" class="input" value=${values.name} autofocus autocomplete="off" spellcheck="false"
          onInput=${(e) => set('name')(e.currentTarget.value)} ...${described('create-name', { error: errors.name, hint: true })} />
      <//>
      <${Field} id="create-source_vm" label="Source" error=${source === OTHER ? undefined : errors.source_vm} hint=${source === OTHER ? undefined : sourceHint}>
        <select id="create-source_vm" class="select input" value=${source} onChange=${(e) => pickSource(e.currentTarget.value)}
            ...${described('create-source_vm', { error: source === OTHER ? undefined : errors.source_vm, hint: sourceHint })}>
          ${images.length ? html`<optgroup label="Base images on this Mac">${images.map((v) => html`<option key=${v.name} value=${v.name}>${v.name}</option>`)}</optgroup>` : null}
          ${working.length ? html`<optgroup label=${orchard ? 'Stopped VMs (on their worker)' : 'Working VMs'}>${working.map((v) => html`<option key=${v.name} value=${v.name}>${v.name}</option>`)}</optgroup>` : null}
          ${catalogUrls.length ? html`<optgroup label="Catalog (pulled first)">${catalogUrls.map((url) => html`<option key=${url} value=${url}>${url}</option>`)}</optgroup>` : null}
          <option value=${OTHER}>Other image reference…</option>
        </select>
      <//>
      ${source === OTHER
        ? html`<${Field} id="create-other" label="Image reference" error=${errors.source_vm} hint=${sourceHint}>
            <input id="create-other" class="input mono" value=${other} placeholder="ghcr.io/cirruslabs/macos-sequoia-base:latest"
              autocomplete="off" spellcheck="false" onInput=${(e) => { setOther(e.currentTarget.value); setErrors((x) => ({ ...x, source_vm: undefined })); }}
              ...${described('create-other', { error: errors.source_vm, hint: sourceHint })} />
          <//>`
        : null}
      <div class="form-grid">
        <${NumberField} id="create-cpu" label="CPU cores" value=${values.cpu} onInput=${set('cpu')} error=${errors.cpu}
          limits=${LIMITS.cpu} presets=${[2, 4, 8]} />
        <${NumberField} id="create-memory" label="Memory" unit="GB" value=${values.memory} onInput=${set('memory')}
          error=${errors.memory} limits=${LIMITS.memory} presets=${MEMORY_PRESETS} />
      </div>
      <${NumberField} id="create-disk_size" label="Disk size" unit="GB" value=${values.disk_size} onInput=${set('disk_size')}
        error=${errors.disk_size} limits=${LIMITS.disk_size} presets=${DISK_PRESETS}
        hint=${sourceVm ? `The source's disk is ${minDisk} GB; Tart can grow a disk but not shrink it.` : 'Tart can grow a disk but not shrink it.'} />
      <${RoomError} error=${formError} onClose=${onClose} />
      <div class="form-actions">
        <button type="button" class="btn btn-secondary" onClick=${onClose}>Cancel</button>
        <button type="submit" class="btn btn-primary" disabled=${busy}>${busy ? 'Creating…' : 'Create VM'}</button>
      </div>
    </form>`;
}
