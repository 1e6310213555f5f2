// Room for a pull: the server refuses a pull (or a create that would pull) that cannot fit
// on the Tart volume with 507 and the figures, before any task. This says so plainly, with
// the way out (Storage), and shows the free space up front.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { api } from '../api.js';
import { navigate } from '../router.js';
import { FormError } from '../components/field.js';
import { Icon } from '../components/icons.js';
import { GB, sizeLabel } from './sizes.js';

function openStorage(onClose) {
  onClose?.();
  navigate({ name: 'storage' });
}

/** A form's error: a 507 as "Not enough free space" with a way to Storage, else the message. */
export function RoomError({ error, onClose }) {
  if (!error) return null;
  if (error.status !== 507) return html`<${FormError} error=${error.message || String(error)} />`;
  return html`<div class="alert alert-error no-room" role="alert" data-testid="no-room">
    <p><strong>Not enough free space.</strong> Nothing was downloaded.</p>
    <p>${error.message}</p>
    <p><button type="button" class="link" onClick=${() => openStorage(onClose)}>Open Storage</button> to see what takes room and prune it.</p>
  </div>`;
}

/** "123 GB free on the Tart volume", from `GET /api/storage` (no Tart call). */
export function FreeSpace({ onClose }) {
  const [volume, setVolume] = useState(null);
  useEffect(() => {
    let alive = true;
    api('/api/storage')
      .then((data) => alive && setVolume(data.volume))
      .catch(() => {}); // another backend (Orchard) has no local storage: say nothing
    return () => {
      alive = false;
    };
  }, []);
  if (!volume) return null;
  return html`<p class="muted small free-space" data-testid="pull-free-space">
    <${Icon} name="drive" size=${13} />${sizeLabel(volume.free_bytes / GB)} free on the Tart volume; a pull that cannot fit is refused before it starts.
    <button type="button" class="link" onClick=${() => openStorage(onClose)}>Storage</button>
  </p>`;
}
