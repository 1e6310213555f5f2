// The confirmation before a force stop: `tart stop` ends the guest at once (unsaved work is
// lost), and on a suspended VM it discards the saved state. Also what follows a shutdown the
// guest did not finish in time.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { actions } from '../data.js';
import { Dialog } from '../components/dialog.js';
import { FormError } from '../components/field.js';

const TITLES = {
  running: 'Force stop this VM?',
  suspended: 'Discard the saved state?',
  stuck: 'The guest has not shut down',
};

function Explanation({ vm, mode, waited, reason }) {
  const name = html`<strong class="break">${vm.name}</strong>`;
  if (mode === 'suspended') {
    return html`<p>${name} is suspended: its memory is saved on disk. Stopping it discards that
      saved state, so open apps and unsaved work in the guest are lost, and it starts afresh next time.</p>`;
  }
  const lost = html`<p>Force stop ends it at once, like pulling the power cord: <strong>unsaved work in the guest is lost</strong>.</p>`;
  if (mode === 'stuck') {
    return html`<p>${name} is still running ${waited ? `${waited} s` : ''} after it was asked to shut down.
      A macOS guest may be showing a dialog (an unsaved document, an update) that nobody can see on a VM without a window.</p>
      ${lost}
      <p class="muted small">Or open its screen (Console, or Screen Sharing) and answer the guest, then Shut down again.</p>`;
  }
  return html`${reason ? html`<p>${reason}.</p>` : null}
    <p>This stops ${name} with <code>tart stop</code>.</p>${lost}
    ${reason ? null : html`<p class="muted small">Shut down asks the guest to close its apps first.</p>`}`;
}

export function ForceStopDialog({ vm, mode = 'running', waited, reason, onClose }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const confirm = async () => {
    setBusy(true);
    try {
      await actions.stop(vm.name);
      onClose();
    } catch (err) {
      setError(err.message);
      setBusy(false);
    }
  };
  const label = mode === 'suspended' ? 'Discard and stop' : 'Force stop';
  return html`<${Dialog} title=${TITLES[mode] || TITLES.running} subtitle=${vm.name} onClose=${onClose} size="sm">
    <div class="form" data-force-stop=${mode}>
      <${Explanation} vm=${vm} mode=${mode} waited=${waited} reason=${reason} />
      <${FormError} error=${error} />
      <div class="form-actions">
        <button type="button" class="btn btn-secondary" onClick=${onClose} autofocus>${mode === 'stuck' ? 'Keep it running' : 'Cancel'}</button>
        <button type="button" class="btn btn-danger" disabled=${busy} onClick=${confirm}>${busy ? 'Stopping…' : label}</button>
      </div>
    </div>
  <//>`;
}
