// Run a throwaway copy: clone this VM or image, start the copy, delete it when it stops
// (`POST /api/vms/{name}/run-copy`). The copy shows as "deleted when it stops" everywhere.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { submit } from '../data.js';
import { vmPath } from '../api.js';
import { getState, openDialog } from '../state.js';
import { Dialog } from '../components/dialog.js';
import { Icon } from '../components/icons.js';
import { Field, FormError, described, errorsFor } from '../components/field.js';
import { nameError } from './names.js';

export function RunCopyDialog({ vm, onClose }) {
  const existing = getState().vms.map((v) => v.name);
  const [name, setName] = useState('');
  const [errors, setErrors] = useState({});
  const [formError, setFormError] = useState(null);
  const [busy, setBusy] = useState(false);

  const save = async (event) => {
    event.preventDefault();
    const wanted = name.trim();
    const problem = wanted ? nameError(wanted, existing) : null;
    if (problem) {
      setErrors({ new_name: problem });
      return;
    }
    setBusy(true);
    setFormError(null);
    try {
      await submit(vmPath(vm.name, 'run-copy'), wanted ? { new_name: wanted } : {});
      onClose();
    } catch (err) {
      const fields = errorsFor(err, ['new_name']);
      setErrors(fields);
      setFormError(Object.keys(fields).length ? null : err.message);
      setBusy(false);
    }
  };

  return html`<${Dialog} title="Run a throwaway copy" subtitle=${vm.name} onClose=${onClose} size="sm">
    <form class="form" onSubmit=${save} noValidate>
      <p class="small">The server clones ${vm.name}, starts the copy, and <strong>deletes the copy when it stops</strong>, whoever stops it (you, the guest, or a crash). ${vm.name} itself is not changed.</p>
      <${Field} id="copy-name" label="Name of the copy (optional)" error=${errors.new_name} hint="Left empty: a name like ${vm.name.split('/').pop().split(':')[0]}-run-1a2b3c.">
        <input id="copy-name" class="input" value=${name} autocomplete="off" spellcheck="false"
          onInput=${(e) => { setName(e.currentTarget.value); setErrors({}); }}
          ...${described('copy-name', { error: errors.new_name, hint: true })} />
      <//>
      <${FormError} error=${formError} />
      <div class="form-actions">
        <button type="button" class="btn btn-secondary" onClick=${onClose}>Cancel</button>
        <button type="submit" class="btn btn-primary" disabled=${busy}><${Icon} name="play" size=${15} />${busy ? 'Starting…' : 'Run a copy'}</button>
      </div>
    </form>
  <//>`;
}

export function RunCopyButton({ vm }) {
  if (vm.source === 'orchard' || vm.throwaway) return null;
  return html`<button type="button" class="btn btn-sm btn-ghost" data-action="run-copy" onClick=${() => openDialog('run-copy', { vm })}>
    <${Icon} name="clone" size=${15} /><span>Run a throwaway copy…</span>
  </button>`;
}
