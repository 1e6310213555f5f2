import { html } from '../html.js';

/** A real progress bar (role=progressbar) when `value` is known, an animated one otherwise;
 * `unknown` (the server is gone) stops it: nothing is known to move. */
export function Progress({ value, label, unknown = false }) {
  const known = !unknown && typeof value === 'number' && Number.isFinite(value);
  const pct = known ? Math.max(0, Math.min(100, value)) : null;
  return html`<div class=${`progress ${known ? '' : unknown ? 'progress-unknown' : 'progress-indeterminate'}`} role="progressbar"
      aria-label=${label} aria-valuemin="0" aria-valuemax="100"
      aria-valuenow=${known ? Math.round(pct) : undefined} aria-valuetext=${unknown ? 'unknown' : undefined}>
    <div class="progress-bar" style=${known ? { width: `${pct}%` } : undefined}></div>
  </div>`;
}
