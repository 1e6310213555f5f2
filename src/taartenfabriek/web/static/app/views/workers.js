// The Macs of an Orchard fleet (`GET /api/workers`): online or not, paused or not, what each
// holds (slots, CPU, memory) and its VMs; pause stops new placements, running VMs keep
// running. Shown only when `/api/health` says the backend is Orchard; polled while open.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { api } from '../api.js';
import { toast, useStore } from '../state.js';
import { hrefFor } from '../router.js';
import { Icon } from '../components/icons.js';
import { Progress } from '../components/progress.js';

const POLL_MS = 5000;

function useWorkers() {
  const [state, setState] = useState({ loading: true, workers: null, error: null });
  const load = async () => {
    try {
      const workers = await api('/api/workers');
      setState({ loading: false, workers: Array.isArray(workers) ? workers : [], error: null });
    } catch (error) {
      setState((s) => ({ ...s, loading: false, error: error.message }));
    }
  };
  useEffect(() => {
    load();
    const timer = setInterval(() => {
      if (!document.hidden) load();
    }, POLL_MS);
    return () => clearInterval(timer);
  }, []);
  const replace = (worker) => setState((s) => ({
    ...s,
    workers: (s.workers || []).map((w) => (w.name === worker.name ? worker : w)),
  }));
  return [state, load, replace];
}

/** `4.2` s -> `4 s ago`; minutes and hours beyond; null -> `never`. */
export function seenAgo(seconds) {
  if (typeof seconds !== 'number') return 'never';
  if (seconds < 60) return `${Math.round(seconds)} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} days ago`;
}

const gb = (mb) => `${Math.round((mb / 1024) * 10) / 10}`;

/** `used of total` with a bar; only `used` when the worker does not say its total. */
function Use({ used, total, unit = '', label, format = String }) {
  const text = typeof total === 'number' ? `${format(used)} of ${format(total)}${unit}` : `${format(used)}${unit} used`;
  const pct = typeof total === 'number' && total > 0 ? (100 * used) / total : null;
  return html`<div class="use">
    <span class="use-text">${text}</span>
    ${pct !== null ? html`<${Progress} value=${pct} label=${label} />` : null}
  </div>`;
}

function WorkerRow({ worker, onChange }) {
  const [busy, setBusy] = useState(false);
  const toggle = async () => {
    const verb = worker.paused ? 'resume' : 'pause';
    setBusy(true);
    try {
      onChange(await api(`/api/workers/${encodeURIComponent(worker.name)}/${verb}`, { method: 'POST', body: {} }));
      toast(worker.paused ? `${worker.name} takes new VMs again` : `${worker.name} takes no new VMs; its VMs keep running`, 'success');
    } catch (error) {
      toast(error.message, 'error', 10000);
    } finally {
      setBusy(false);
    }
  };
  const labels = Object.entries(worker.labels || {}).map(([k, v]) => `${k}=${v}`);
  const label = worker.paused ? 'Resume' : 'Pause';
  return html`<tr data-worker=${worker.name} data-online=${String(worker.online)} data-paused=${String(worker.paused)}>
    <th scope="row" class="col-name">
      <span>${worker.name}</span>
      <span class="row-sub">${[worker.arch, worker.runtime, ...labels].filter(Boolean).join(' · ')}</span>
    </th>
    <td class="col-state">
      <span class=${`badge ${worker.online ? 'badge-running' : 'badge-offline'}`} data-status=${worker.online ? 'online' : 'offline'}>
        <span class="dot" aria-hidden="true"></span>${worker.online ? 'Online' : 'Offline'}</span>
      ${worker.paused ? html` <span class="badge badge-suspended" data-status="paused"><span class="dot" aria-hidden="true"></span>Paused</span>` : null}
      <span class="row-sub col-seen" title=${worker.last_seen || 'never'}>seen ${seenAgo(worker.last_seen_age)}</span>
    </td>
    <td class="col-use"><${Use} used=${worker.slots_used} total=${worker.slots} label=${`VM slots used on ${worker.name}`} /></td>
    <td class="col-use col-wcpu"><${Use} used=${worker.cpu_used} total=${worker.cpu} label=${`CPUs assigned on ${worker.name}`} /></td>
    <td class="col-use col-wmem"><${Use} used=${worker.memory_used_mb} total=${worker.memory_mb} unit=" GB" format=${gb} label=${`Memory assigned on ${worker.name}`} /></td>
    <td class="col-vms">
      <span class="vm-count">${worker.running_vms} running of ${worker.vms.length}</span>
      ${worker.vms.length
        ? html`<ul class="worker-vms">${worker.vms.map((name) => html`<li key=${name}><a href=${hrefFor({ name: 'vm', vm: name })}>${name}</a></li>`)}</ul>`
        : null}
    </td>
    <td class="col-actions">
      <button type="button" class="btn btn-sm btn-secondary" data-action=${label.toLowerCase()} disabled=${busy}
          aria-label=${`${label} ${worker.name}`} onClick=${toggle}
          title=${worker.paused ? 'Place new VMs on this worker again' : 'Place no new VMs here; the VMs it runs keep running'}>
        <${Icon} name=${worker.paused ? 'play' : 'pause'} size=${14} /><span>${label}</span>
      </button>
    </td>
  </tr>`;
}

export function Workers() {
  const [{ workers, error, loading }, load, replace] = useWorkers();
  const backend = useStore((s) => s.health?.backend);
  if (backend && backend !== 'orchard') {
    return html`<div class="empty"><h2>No workers</h2><p>Workers exist only with the Orchard backend: this server drives Tart on this Mac.</p></div>`;
  }
  const list = workers || [];
  const online = list.filter((w) => w.online).length;
  const paused = list.filter((w) => w.paused).length;
  const slots = list.reduce((n, w) => n + (w.slots || 0), 0);
  const used = list.reduce((n, w) => n + w.slots_used, 0);
  return html`<div class="workers">
    <div class="page-head">
      <div>
        <h1 class="page-title">Workers</h1>
        <p class="stats">
          <span><span class="dot dot-running" aria-hidden="true"></span>${online} online</span>
          <span><span class="dot dot-stopped" aria-hidden="true"></span>${list.length - online} offline</span>
          <span>${paused} paused</span>
          <span>${used} of ${slots} VM slots used</span>
        </p>
      </div>
      <div class="page-actions">
        <button type="button" class="btn btn-secondary" onClick=${load} aria-label="Refresh workers">
          <${Icon} name="refresh" class=${loading ? 'spin' : ''} /><span class="hide-narrow">Refresh</span>
        </button>
      </div>
    </div>
    ${error ? html`<div class="alert alert-error" role="alert">Could not load the workers: ${error}</div>` : null}
    ${workers === null && !error ? html`<p class="muted" role="status">Loading…</p>` : null}
    ${workers && !workers.length ? html`<div class="empty"><h2>No workers yet</h2><p>Start <code>orchard worker run</code> on a Mac to add it to the fleet.</p></div>` : null}
    ${list.length
      ? html`<div class="table-wrap">
          <table class="vm-table workers-table">
            <caption class="sr-only">Workers</caption>
            <thead><tr>
              <th scope="col">Name</th><th scope="col">State</th>
              <th scope="col">VM slots</th><th scope="col" class="col-wcpu">CPU</th><th scope="col" class="col-wmem">Memory</th>
              <th scope="col">VMs</th><th scope="col" class="col-actions"><span class="sr-only">Actions</span></th>
            </tr></thead>
            <tbody>${list.map((w) => html`<${WorkerRow} key=${w.name} worker=${w} onChange=${replace} />`)}</tbody>
          </table>
        </div>
        <p class="muted small workers-note">Use counts VMs scheduled on each worker. Orchard charges only VM slots; CPU and memory are what the VMs were given. A worker is offline when it has not been seen for the controller's offline timeout.</p>`
      : null}
  </div>`;
}
