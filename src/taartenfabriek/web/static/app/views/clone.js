// Clone a VM or base image to a new local name, optionally starting the clone (Orchard
// always starts it).
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { Dialog } from '../components/dialog.js';
import { Field, FormError, described, errorsFor } from '../components/field.js';
import { splitName } from '../format.js';
import { nameError, suggestName } from './names.js';
import { getState } from '../state.js';
import { cloneVm } from './startvm.js';

export function CloneDialog({ vm, onClose }) {
  const existing = getState().vms.map((v) => v.name);
  const [name, setName] = useState(() => suggestName(`${splitName(vm.name).title}-clone`, existing));
  const [start, setStart] = useState(false);
  // Orchard always starts the VMs it creates: the clone runs on the source's worker, and the
  // task waits for its IP (start_after_clone) rather than pretending it could stay stopped.
  const orchard = vm.source === 'orchard';
  const [errors, setErrors] = useState({});
  const [formError, setFormError] = useState(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event) => {
    event.preventDefault();
    const problem = nameError(name, existing);
    if (problem) {
      setErrors({ new_name: problem });
      return;
    }
    setBusy(true);
    setFormError(null);
    try {
      const task = await cloneVm(vm.name, { new_name: name.trim(), start_after_clone: orchard || start });
      if (task) onClose(); // null: the macOS-limit dialog took this one's place
    } catch (err) {
      const fields = errorsFor(err, ['new_name']);
      setErrors(fields);
      setFormError(Object.keys(fields).length ? null : err.message);
      setBusy(false);
    }
  };

  return html`<${Dialog} title="Clone" subtitle=${vm.name} onClose=${onClose} size="sm">
    <form class="form" onSubmit=${submit} noValidate>
      <${Field} id="clone-name" label="Name of the clone" error=${errors.new_name}
          hint="Letters, digits, dots, dashes and underscores.">
        <input id="clone-name" class="input" value=${name} autofocus autocomplete="off" spellcheck="false"
          onInput=${(e) => { setName(e.currentTarget.value); setErrors({}); }}
          ...${described('clone-name', { error: errors.new_name, hint: true })} />
      <//>
      ${orchard
        ? html`<p class="muted small" data-testid="clone-starts">Orchard starts the clone as soon as worker ${vm.worker || '?'}, which holds ${vm.name}'s disk, has copied it.</p>`
        : html`<label class="check">
            <input type="checkbox" checked=${start} onChange=${(e) => setStart(e.currentTarget.checked)} />
            <span>Start the clone when it is ready</span>
          </label>`}
      <${FormError} error=${formError} />
      <div class="form-actions">
        <button type="button" class="btn btn-secondary" onClick=${onClose}>Cancel</button>
        <button type="submit" class="btn btn-primary" disabled=${busy}>${busy ? 'Cloning…' : 'Clone'}</button>
      </div>
    </form>
  <//>`;
}
