// Change a stopped VM's CPU, memory, display or disk (`PATCH /api/vms/{name}/config`); only
// the fields that changed are sent. Tart can grow a disk but never shrink it.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { api, vmPath } from '../api.js';
import { submit } from '../data.js';
import { Dialog } from '../components/dialog.js';
import { Field, FormError, described, errorsFor } from '../components/field.js';
import { diskGb, memoryGb } from '../format.js';
import { LIMITS, NumberField, intError } from './vmsize.js';

const DISPLAY = /^\d{2,5}x\d{2,5}(pt|px)?$/;

export function EditDialog({ vm, onClose }) {
  const [initial, setInitial] = useState(null);
  const [values, setValues] = useState(null);
  const [errors, setErrors] = useState({});
  const [formError, setFormError] = useState(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api(`${vmPath(vm.name, 'config')}?force_refresh=true`)
      .then((config) => {
        const start = {
          cpu: String(config.cpu ?? vm.cpu ?? ''),
          memory: String(Math.round(memoryGb(config.memory ?? vm.memory) || '')),
          disk_size: String(diskGb(config.disk_size ?? vm.disk_size) ?? ''),
          display: String(config.raw?.Display ?? vm.display ?? ''),
        };
        setInitial(start);
        setValues(start);
      })
      .catch((err) => setFormError(err.message));
  }, [vm.name]);

  const set = (field) => (value) => {
    setValues((v) => ({ ...v, [field]: value }));
    setErrors((e) => ({ ...e, [field]: undefined }));
  };

  const save = async (event) => {
    event.preventDefault();
    const body = {};
    const found = {};
    for (const field of ['cpu', 'memory', 'disk_size']) {
      if (values[field] === initial[field]) continue;
      const label = { cpu: 'CPU', memory: 'Memory', disk_size: 'Disk size' }[field];
      const problem = intError(label, values[field], LIMITS[field]);
      if (problem) found[field] = problem;
      else body[field] = Number(values[field]);
    }
    if (body.disk_size !== undefined && body.disk_size < Number(initial.disk_size)) {
      found.disk_size = `At least ${initial.disk_size} GB: Tart can grow a disk but not shrink it.`;
    }
    if (values.display !== initial.display) {
      if (!DISPLAY.test(values.display.trim())) found.display = 'Width x height, e.g. 1920x1080.';
      else body.display = values.display.trim();
    }
    setErrors(found);
    if (Object.keys(found).length) return;
    if (!Object.keys(body).length) {
      onClose();
      return;
    }
    setBusy(true);
    setFormError(null);
    try {
      await submit(vmPath(vm.name, 'config'), body, 'PATCH');
      onClose();
    } catch (err) {
      const fields = errorsFor(err, ['cpu', 'memory', 'disk_size', 'display']);
      setErrors(fields);
      setFormError(Object.keys(fields).length ? null : err.message);
      setBusy(false);
    }
  };

  return html`<${Dialog} title="Edit configuration" subtitle=${vm.name} onClose=${onClose}>
    ${!values && !formError ? html`<p class="muted" role="status">Loading the configuration…</p>` : null}
    ${values
      ? html`<form class="form" onSubmit=${save} noValidate>
          <div class="form-grid">
            <${NumberField} id="edit-cpu" label="CPU cores" value=${values.cpu} onInput=${set('cpu')} error=${errors.cpu} limits=${LIMITS.cpu} />
            <${NumberField} id="edit-memory" label="Memory" unit="GB" value=${values.memory} onInput=${set('memory')} error=${errors.memory} limits=${LIMITS.memory} />
          </div>
          <${NumberField} id="edit-disk_size" label="Disk size" unit="GB" value=${values.disk_size} onInput=${set('disk_size')}
            error=${errors.disk_size} limits=${LIMITS.disk_size} hint="Tart can grow a disk but not shrink it; grow the partition inside the guest afterwards." />
          <${Field} id="edit-display" label="Display" error=${errors.display} hint="Width x height in pixels, e.g. 1920x1080.">
            <input id="edit-display" class="input" value=${values.display} autocomplete="off" spellcheck="false"
              onInput=${(e) => set('display')(e.currentTarget.value)} ...${described('edit-display', { error: errors.display, hint: true })} />
          <//>
          <${FormError} error=${formError} />
          <div class="form-actions">
            <button type="button" class="btn btn-secondary" onClick=${onClose}>Cancel</button>
            <button type="submit" class="btn btn-primary" disabled=${busy}>${busy ? 'Saving…' : 'Save'}</button>
          </div>
        </form>`
      : html`<${FormError} error=${formError} />`}
  <//>`;
}
