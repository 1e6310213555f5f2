// Storage (`#/storage`): what takes room on the Tart volume — every VM, cached image and IPSW
// (`GET /api/storage` answers from the inventory, without asking Tart), the free space, what
// could be reclaimed, and prune with a dry run first (prune.js).
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { api } from '../api.js';
import { refreshVms } from '../data.js';
import { useStore } from '../state.js';
import { hrefFor } from '../router.js';
import { Dialog } from '../components/dialog.js';
import { Icon } from '../components/icons.js';
import { relativeTime } from '../format.js';
import { Prune } from './prune.js';
import { GB, MACOS_IMAGE_GB, entryName, sizeLabel } from './sizes.js';

function useStorage() {
  const vms = useStore((s) => s.vms); // a task that changed the inventory changed the storage
  const [state, setState] = useState({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let alive = true;
    setState((s) => ({ ...s, loading: true }));
    api('/api/storage')
      .then((data) => alive && setState({ data, loading: false }))
      .catch((error) => alive && setState((s) => ({ ...s, error: error.message, loading: false })));
    return () => {
      alive = false;
    };
  }, [vms, tick]);
  return [state, () => setTick((n) => n + 1)];
}

function Volume({ volume, totals }) {
  const total = Math.max(1, volume.total_bytes);
  const tart = Math.min(totals.total_gb * GB, total);
  const free = Math.min(volume.free_bytes, total - tart);
  const other = Math.max(0, total - tart - free);
  const pct = (x) => `${((x / total) * 100).toFixed(2)}%`;
  const label = `${sizeLabel(volume.free_bytes / GB)} free of ${sizeLabel(total / GB)}; Tart uses ${sizeLabel(totals.total_gb)}`;
  return html`<section class="storage-volume" aria-labelledby="volume-title">
    <h3 id="volume-title" class="section-title"><${Icon} name="drive" size=${15} />Tart volume</h3>
    <p class="volume-free"><strong data-testid="free-space">${sizeLabel(volume.free_bytes / GB)} free</strong>
      <span class="muted"> of ${sizeLabel(total / GB)}, on the volume holding <code class="break">${volume.path}</code></span></p>
    <div class="volume-bar" role="img" aria-label=${label}>
      <span class="volume-seg seg-tart" style=${{ width: pct(tart) }}></span>
      <span class="volume-seg seg-other" style=${{ width: pct(other) }}></span>
    </div>
    <ul class="legend small">
      <li><span class="swatch seg-tart" aria-hidden="true"></span>Tart ${sizeLabel(totals.total_gb)}</li>
      <li><span class="swatch seg-other" aria-hidden="true"></span>Everything else ${sizeLabel(other / GB)}</li>
      <li><span class="swatch seg-free" aria-hidden="true"></span>Free ${sizeLabel(volume.free_bytes / GB)}</li>
    </ul>
    ${volume.free_bytes / GB < MACOS_IMAGE_GB
      ? html`<p class="alert alert-warning" data-testid="low-space">${sizeLabel(volume.free_bytes / GB)} free is not enough to pull a
          typical macOS image (its 50 GB disk must fit, plus 128 MiB). Pulls that cannot fit are refused before they start:
          prune cached images below, or delete VMs you no longer need.</p>`
      : null}
    ${volume.free_overridden ? html`<p class="muted small">The free space is set by <code>TARTVM_FREE_SPACE_OVERRIDE</code> (a test setting), not measured.</p>` : null}
  </section>`;
}

function Reclaimable({ data }) {
  const stopped = data.vms.filter((v) => v.status !== 'running').reduce((n, v) => n + (v.size_gb || 0), 0);
  const running = data.vms.filter((v) => v.status === 'running').reduce((n, v) => n + (v.size_gb || 0), 0);
  const caches = data.totals.images_gb + data.totals.ipsws_gb;
  const rows = [
    ['caches', 'Cached images and IPSWs', caches, 'Tart downloads them again when needed.'],
    ['stopped', 'Stopped VMs', stopped, 'Removing a VM deletes its disk for good.'],
    ['running', 'Running VMs', running, 'Not prunable while they run.'],
  ];
  return html`<section aria-labelledby="reclaim-title" class="storage-reclaim">
    <h3 id="reclaim-title" class="section-title">What could be reclaimed</h3>
    <dl class="reclaim">
      ${rows.map(([id, label, gb, note]) => html`<div key=${id} class="reclaim-item" data-reclaim=${id}>
        <dt>${label}</dt><dd><strong class="reclaim-size">${sizeLabel(gb)}</strong><span class="muted small">${note}</span></dd>
      </div>`)}
    </dl>
  </section>`;
}

function Entries({ id, title, icon, items, total, empty }) {
  return html`<section class="storage-section" aria-labelledby=${id}>
    <div class="section-head">
      <h3 id=${id} class="section-title"><${Icon} name=${icon} size=${15} />${title}</h3>
      <span class="count" aria-label=${`${items.length} entries`}>${items.length}</span>
    </div>
    ${items.length === 0
      ? html`<p class="muted small">${empty}</p>`
      : html`<ul class="storage-list">${items.map((item) => {
          const { title: name, sub, link } = entryName(item);
          const details = [
            item.kind === 'vm' && item.status ? item.status : null,
            item.disk_gb ? `${item.disk_gb} GB disk` : null,
            sub,
          ].filter(Boolean).join(' · ');
          const share = total > 0 && item.size_gb ? Math.min(100, (item.size_gb / total) * 100) : 0;
          return html`<li key=${item.name} class="storage-row" data-entry=${item.name} data-kind=${item.kind}>
            <div class="storage-name">
              ${link ? html`<a href=${hrefFor({ name: 'vm', vm: link })} title=${item.name}>${name}</a>` : html`<span title=${item.name}>${name}</span>`}
              ${details ? html`<span class="muted small storage-sub">${details}</span>` : null}
            </div>
            <div class="storage-size">
              <span class="size-value">${sizeLabel(item.size_gb)}</span>
              <span class="size-bar" aria-hidden="true"><span style=${{ width: `${share.toFixed(1)}%` }}></span></span>
            </div>
            <span class="muted small storage-used">${item.accessed ? `used ${relativeTime(item.accessed)}` : ''}</span>
          </li>`;
        })}</ul>`}
  </section>`;
}

export function Storage({ onClose }) {
  const [{ data, error, loading }, reload] = useStorage();
  const refreshing = useStore((s) => s.refreshing);
  const total = data?.totals.total_gb || 0;
  return html`<${Dialog} title="Storage" subtitle="What Tart keeps on this Mac, and what can go" onClose=${onClose} variant="drawer">
    <div class="storage-toolbar">
      <p class="muted small" role="status">${loading && !data
        ? 'Loading…'
        : data?.inventory_age !== null && data?.inventory_age !== undefined
          ? `Sizes from tart list, ${Math.round(data.inventory_age)} s old.`
          : ''}</p>
      <button type="button" class="btn btn-ghost btn-sm" onClick=${() => refreshVms().then(reload)} disabled=${refreshing}>
        <${Icon} name="refresh" size=${14} class=${refreshing || loading ? 'spin' : ''} />Refresh
      </button>
    </div>
    ${error ? html`<div class="alert alert-error" role="alert">Could not read the storage: ${error}</div>` : null}
    ${data
      ? html`<${Volume} volume=${data.volume} totals=${data.totals} />
        <${Reclaimable} data=${data} />
        <${Prune} onDone=${reload} />
        <${Entries} id="store-vms" title="Virtual machines" icon="monitor" items=${data.vms} total=${total}
          empty="No local VMs." />
        <${Entries} id="store-images" title="Cached images" icon="layers" items=${data.images} total=${total}
          empty="No cached images (each digest counts once, with all its tags)." />
        ${data.ipsws.length ? html`<${Entries} id="store-ipsws" title="Cached IPSWs" icon="box" items=${data.ipsws} total=${total} empty="" />` : null}`
      : null}
  <//>`;
}
