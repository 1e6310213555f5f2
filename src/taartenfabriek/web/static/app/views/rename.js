// Rename a stopped VM (`POST /api/vms/{name}/rename`); its start options follow it.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { submit, whenDone } from '../data.js';
import { vmPath } from '../api.js';
import { getState } from '../state.js';
import { navigate } from '../router.js';
import { Dialog } from '../components/dialog.js';
import { Field, FormError, described, errorsFor } from '../components/field.js';
import { nameError } from './names.js';

export function RenameDialog({ vm, onClose }) {
  const existing = getState().vms.map((v) => v.name).filter((n) => n !== vm.name);
  const [name, setName] = useState(vm.name);
  const [errors, setErrors] = useState({});
  const [formError, setFormError] = useState(null);
  const [busy, setBusy] = useState(false);

  const save = async (event) => {
    event.preventDefault();
    const problem = name.trim() === vm.name ? 'Type a new name.' : nameError(name, existing);
    if (problem) {
      setErrors({ new_name: problem });
      return;
    }
    setBusy(true);
    setFormError(null);
    try {
      const newName = name.trim();
      const task = await submit(vmPath(vm.name, 'rename'), { new_name: newName });
      onClose();
      // The drawer stays open and follows the VM to its new name once Tart has renamed it.
      const final = await whenDone(task.id);
      const route = getState().route;
      if (final.status === 'completed' && route.name === 'vm' && route.vm === vm.name) {
        navigate({ name: 'vm', vm: newName }, { replace: true });
      }
    } catch (err) {
      const fields = errorsFor(err, ['new_name']);
      setErrors(fields);
      setFormError(Object.keys(fields).length ? null : err.message);
      setBusy(false);
    }
  };

  return html`<${Dialog} title="Rename" subtitle=${vm.name} onClose=${onClose} size="sm">
    <form class="form" onSubmit=${save} noValidate>
      <${Field} id="rename-name" label="New name" error=${errors.new_name} hint="Letters, digits, dots, dashes and underscores.">
        <input id="rename-name" class="input" value=${name} autofocus autocomplete="off" spellcheck="false"
          onInput=${(e) => { setName(e.currentTarget.value); setErrors({}); }}
          ...${described('rename-name', { error: errors.new_name, hint: true })} />
      <//>
      <${FormError} error=${formError} />
      <div class="form-actions">
        <button type="button" class="btn btn-secondary" onClick=${onClose}>Cancel</button>
        <button type="submit" class="btn btn-primary" disabled=${busy}>${busy ? 'Renaming…' : 'Rename'}</button>
      </div>
    </form>
  <//>`;
}
