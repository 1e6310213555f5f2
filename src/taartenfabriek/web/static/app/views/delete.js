// Delete asks for the VM's name to be typed: it removes the VM and its disk for good.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { actions } from '../data.js';
import { getState } from '../state.js';
import { navigate } from '../router.js';
import { Dialog } from '../components/dialog.js';
import { Field, FormError, described } from '../components/field.js';
import { CopyButton } from '../components/copy.js';
import { isBaseImage } from '../format.js';

export function DeleteDialog({ vm, onClose }) {
  const [typed, setTyped] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const base = isBaseImage(vm);
  const ok = typed === vm.name;

  const submit = async (event) => {
    event.preventDefault();
    if (!ok) {
      setError('The name does not match.');
      return;
    }
    setBusy(true);
    try {
      await actions.delete(vm.name);
      onClose();
      // The drawer of a VM being deleted closes; the notice says what was deleted when done.
      const route = getState().route;
      if (route.name === 'vm' && route.vm === vm.name) navigate({ name: 'home' });
    } catch (err) {
      setError(err.message);
      setBusy(false);
    }
  };

  return html`<${Dialog} title=${base ? 'Delete base image' : 'Delete VM'} onClose=${onClose} size="sm">
    <form class="form" onSubmit=${submit} noValidate>
      <p>
        This permanently deletes <strong class="break">${vm.name}</strong>
        ${base ? ' from the local image cache. You can pull it again later.' : ' and its disk. This cannot be undone.'}
      </p>
      <${Field} id="delete-confirm" label=${html`Type <span class="mono">${vm.name}</span> to confirm`}>
        <div class="input-group">
          <input id="delete-confirm" class="input mono" value=${typed} autocomplete="off" spellcheck="false"
            onInput=${(e) => { setTyped(e.currentTarget.value); setError(null); }} autofocus
            ...${described('delete-confirm', {})} />
          <${CopyButton} value=${vm.name} label="Copy the name" />
        </div>
      <//>
      <${FormError} error=${error} />
      <div class="form-actions">
        <button type="button" class="btn btn-secondary" onClick=${onClose}>Cancel</button>
        <button type="submit" class="btn btn-danger" disabled=${!ok || busy}>${busy ? 'Deleting…' : 'Delete'}</button>
      </div>
    </form>
  <//>`;
}
