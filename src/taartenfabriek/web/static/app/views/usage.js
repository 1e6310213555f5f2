// Live usage in the page: a sparkline of a running VM's CPU over the last ten minutes (on its
// card), and the details' Usage section (the guest process, the guest's own view, the host).
import { html } from '../html.js';
import { useUsage, useWatchDetails } from '../usage.js';

const WIDTH = 120;
const HEIGHT = 24;
const WINDOW = 600;

function bytes(value) {
  if (value === null || value === undefined) return '–';
  const gb = value / 2 ** 30;
  return gb >= 1 ? `${gb.toFixed(1)} GB` : `${Math.round(value / 2 ** 20)} MB`;
}

function percent(value) {
  return value === null || value === undefined ? '–' : `${Math.round(value)}%`;
}

/** SVG points of CPU % over the window ending at the last point; the scale grows past 100 %
 * for a guest using several cores. */
export function sparkPoints(points) {
  if (!points.length) return '';
  const end = points[points.length - 1][0];
  const top = Math.max(100, ...points.map((p) => p[1] || 0));
  return points
    .filter((p) => p[1] !== null && p[1] !== undefined)
    .map(([at, cpu]) => {
      const x = WIDTH - ((end - at) / WINDOW) * WIDTH;
      const y = HEIGHT - 1 - (cpu / top) * (HEIGHT - 2);
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
}

export function Sparkline({ name }) {
  const { vm, points } = useUsage(name);
  const process = vm?.process;
  const label = process
    ? `CPU ${percent(process.cpu_percent)}, memory ${bytes(process.memory)} (${process.process}, last 10 minutes)`
    : 'Usage: waiting for the first sample';
  return html`<div class="meta-line usage-line" data-usage=${name} title=${label}>
    <svg class="sparkline" width=${WIDTH} height=${HEIGHT} viewBox=${`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label=${label}>
      <polyline points=${sparkPoints(points)} fill="none" stroke="currentColor" stroke-width="1.5" />
    </svg>
    <span class="usage-now muted">${process ? `${percent(process.cpu_percent)} · ${bytes(process.memory)}` : '…'}</span>
  </div>`;
}

function Rows({ rows }) {
  return html`<dl class="facts">${rows.map(([k, v]) => html`<div key=${k} class="fact"><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>`;
}

export function UsageSection({ vm }) {
  useWatchDetails(vm.name);
  const { vm: usage, host, connected } = useUsage(vm.name);
  const process = usage?.process;
  const guest = usage?.guest;
  let guestRows = [['Guest', 'Asking the Guest Agent (every 10 s)…']];
  if (guest?.error) guestRows = [['Guest', `The Guest Agent did not answer: ${guest.error}`]];
  else if (guest?.load) {
    guestRows = [
      ['Guest load', guest.load.map((l) => l.toFixed(2)).join(' · ')],
      ['Guest memory', `${bytes(guest.memory_total - guest.memory_available)} of ${bytes(guest.memory_total)} in use`],
      ['Guest disk', `${bytes(guest.disk_used)} of ${bytes(guest.disk_total)} used`],
    ];
  }
  return html`<section class="detail-section" aria-labelledby="usage-title" data-usage-section=${vm.name}>
    <h3 id="usage-title" class="section-title">Usage</h3>
    ${!connected && !usage ? html`<p class="muted" role="status">Connecting…</p>` : null}
    ${usage || host ? html`<${Rows} rows=${[
      ...(process
        ? [[`CPU (${process.process})`, `${percent(process.cpu_percent)} · pid ${process.pid}`], ['Memory', bytes(process.memory)]]
        : [['Process', 'Not found: the guest process of this VM is not visible to the server.']]),
      ...guestRows,
      ...(host
        ? [['This Mac', `CPU ${percent(host.cpu_percent)} · memory ${percent(host.memory_percent)} in use · ${bytes(host.disk_free)} free for Tart`]]
        : []),
    ]} />` : null}
  </section>`;
}
