// The VM's `tart run` output (`GET /api/vms/{name}/logs` lists the runs, newest first;
// `/logs/{id}` reads one). A live run refreshes every few seconds while it is shown.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../html.js';
import { api, vmPath } from '../api.js';
import { clockTime, shellLine, took } from '../format.js';

const TAIL = 300;
const LIVE_REFRESH_MS = 3000;

function runLabel(run, index) {
  const when = run.started_at ? `${new Date(run.started_at * 1000).toLocaleDateString()} ${clockTime(run.started_at)}` : `run ${index + 1}`;
  if (run.live) return `${when} · running`;
  return run.exit_code === null || run.exit_code === undefined ? when : `${when} · exit ${run.exit_code}`;
}

export function RunLog({ name, version }) {
  const [runs, setRuns] = useState(null);
  const [unavailable, setUnavailable] = useState(false);
  const [selected, setSelected] = useState(null);
  const [log, setLog] = useState(null);
  const [error, setError] = useState(null);
  const pre = useRef(null);

  useEffect(() => {
    let alive = true;
    api(vmPath(name, 'logs'))
      .then((list) => {
        if (!alive) return;
        const items = Array.isArray(list) ? list : [];
        setRuns(items);
        setSelected((current) => (current && items.some((r) => r.id === current) ? current : items[0]?.id || null));
      })
      .catch((err) => alive && (err.status === 404 || err.status === 405 ? setUnavailable(true) : setError(err.message)));
    return () => {
      alive = false;
    };
  }, [name, version]);

  useEffect(() => {
    if (!selected) return undefined;
    let alive = true;
    let timer = null;
    const load = () => {
      api(`${vmPath(name, 'logs')}/${encodeURIComponent(selected)}?tail=${TAIL}`)
        .then((data) => {
          if (!alive) return;
          setLog(data);
          setError(null);
          if (data?.live) timer = setTimeout(load, LIVE_REFRESH_MS);
        })
        .catch((err) => alive && setError(err.message));
    };
    load();
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [name, selected]);

  useEffect(() => {
    if (pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [log?.text]);

  const shown = log && log.id === selected ? log : null;
  return html`<section class="detail-section" aria-labelledby="runlog-title">
    <div class="detail-section-head">
      <h3 id="runlog-title" class="section-title">Recent <code>tart run</code> log</h3>
      ${runs && runs.length > 1
        ? html`<label class="select-wrap"><span class="sr-only">Run</span>
            <select class="select select-sm" aria-label="Run" value=${selected} onChange=${(e) => setSelected(e.currentTarget.value)}>
              ${runs.map((r, i) => html`<option key=${r.id} value=${r.id}>${runLabel(r, i)}</option>`)}
            </select></label>`
        : null}
    </div>
    ${unavailable ? html`<p class="muted run-log-unavailable">Not available: this server does not provide run logs.</p>` : null}
    ${error ? html`<p class="muted">Not available: ${error}</p>` : null}
    ${!unavailable && !error && runs === null ? html`<p class="muted">Loading…</p>` : null}
    ${runs && runs.length === 0 ? html`<p class="muted">No runs yet: the output of <code>tart run</code> shows here once the VM has been started from this app.</p>` : null}
    ${shown
      ? html`<div class="run-meta muted small">
          ${shown.live ? html`<span class="badge badge-running"><span class="dot" aria-hidden="true"></span>Live</span>` : null}
          ${shown.command?.length ? html`<code class="mono">${shellLine(shown.command, true)}</code>` : null}
          ${!shown.live && shown.started_at && shown.ended_at ? html`<span>ran ${took(shown.ended_at - shown.started_at)}</span>` : null}
          ${shown.truncated ? html`<span>last ${TAIL} lines</span>` : null}
        </div>
        ${shown.text ? html`<pre ref=${pre} class="log-text run-log" tabindex="0">${shown.text}</pre>` : html`<p class="muted">The log is empty.</p>`}`
      : null}
  </section>`;
}
