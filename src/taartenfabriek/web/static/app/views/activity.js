// The operations panel: every task live (status, elapsed time, the exact command, a progress
// bar for pulls, logs on demand, and why it failed), newest first, finished ones kept visible.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { setPrefs, useStore, toast } from '../state.js';
import { actions } from '../data.js';
import { memo } from '../components/memo.js';
import { TaskBadge } from '../components/badge.js';
import { CopyButton } from '../components/copy.js';
import { Icon } from '../components/icons.js';
import { Progress } from '../components/progress.js';
import { FINAL, actionVerb, clockTime, duration, shellLine, splitName, taskProgress, took } from '../format.js';

const SHOWN = 30;
const PROGRESS = new Set(['pull', 'create-empty', 'push', 'export', 'import']); // the tasks that report `N%`
const ICONS = {
  start: 'play', resume: 'play', stop: 'stop', shutdown: 'power', suspend: 'pause', delete: 'trash',
  pull: 'download', clone: 'clone', create: 'plus', 'create-empty': 'plus', set: 'settings', rename: 'edit',
  prune: 'trash',
};

/** Re-render every second while something runs (the elapsed-time counters). */
function useTicker(active) {
  const [, setNow] = useState(0);
  useEffect(() => {
    if (!active) return undefined;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
}

function elapsed(task, offline) {
  if (FINAL.has(task.status)) return took(task.updated_at - task.created_at);
  if (offline) return 'unknown'; // the server is gone: whether it still runs is not known
  return duration(Date.now() / 1000 - task.created_at);
}

/** The task's log and, for a failure, Tart's raw output (the error above is its sentence in
 * words, made by the server): kept here, folded, not shown a second time above. */
function Logs({ task }) {
  const [open, setOpen] = useState(false);
  const lines = task.logs || [];
  const raw = task.status === 'failed' && !task.cancelled ? task.stderr : null;
  if (!lines.length && !raw) return null;
  return html`<details class="logs" open=${open} onToggle=${(e) => setOpen(e.currentTarget.open)}>
    <summary>Logs <span class="muted">(${lines.length} ${lines.length === 1 ? 'line' : 'lines'}${raw ? ', and Tart\'s own error output' : ''})</span></summary>
    ${open && lines.length ? html`<pre class="log-text" tabindex="0" aria-label="Log">${lines.slice(-500).join('\n')}</pre>` : null}
    ${open && raw ? html`<p class="small muted log-caption">Tart's error output:</p><pre class="log-text stderr" tabindex="0" aria-label="Tart's error output">${raw}</pre>` : null}
  </details>`;
}

function Item({ task, offline }) {
  const active = !FINAL.has(task.status);
  const measured = PROGRESS.has(task.action);
  const unknown = offline && active;
  const progress = measured && !unknown ? taskProgress(task) : null;
  const command = shellLine(task.command);
  const shown = shellLine(task.command, true);
  const parts = task.vm ? splitName(task.vm) : null;
  const target = parts ? `${parts.title}${parts.tag && !parts.tag.startsWith('sha256:') ? `:${parts.tag}` : ''}` : '';
  const cancel = async () => {
    try {
      await actions.cancel(task.id);
    } catch (error) {
      toast(error.message, 'error');
    }
  };
  const outcome = task.cancelled && task.status === 'failed' ? 'cancelled' : task.status;
  return html`<li class=${`task task-${outcome}`} data-task=${task.id} data-action=${task.action} data-status=${task.status}>
    <div class="task-head">
      <span class="task-icon" aria-hidden="true"><${Icon} name=${ICONS[task.action] || 'activity'} size=${14} /></span>
      <div class="task-title">
        <span class="task-verb">${actionVerb(task.action)}</span>
        <span class="task-target" title=${task.vm || ''}>${target}</span>
      </div>
      <${TaskBadge} status=${task.status} cancelled=${task.cancelled} />
    </div>
    <div class="task-meta">
      <span>${clockTime(task.created_at)}</span>
      <span aria-label="Elapsed time" class="elapsed">${elapsed(task, offline)}</span>
      ${active && (task.status === 'running' || task.status === 'pending')
        ? html`<button type="button" class="link link-muted" onClick=${cancel} disabled=${offline}
            aria-describedby=${offline ? 'why-offline' : undefined}>Cancel</button>`
        : null}
    </div>
    ${measured && (active || progress !== null)
      ? html`<div class="task-progress">
          <${Progress} value=${progress} unknown=${unknown} label=${`${actionVerb(task.action)} progress of ${task.vm || 'image'}`} />
          <span class="pct">${unknown ? 'unknown' : progress === null ? '' : `${Math.round(progress)}%`}</span>
        </div>`
      : null}
    ${command
      ? html`<div class="task-command"><code class="mono" title=${command}>$ ${shown}</code><${CopyButton} value=${command} label="Copy command" /></div>`
      : null}
    ${task.status === 'failed' && task.cancelled
      ? html`<p class="task-note">Cancelled by you${task.updated_at ? ` at ${clockTime(task.updated_at)}` : ''}.</p>`
      : null}
    ${task.status === 'failed' && !task.cancelled
      ? html`<div class="task-error" role="alert">
          <strong>${task.error || 'The task failed'}</strong>
          ${task.exit_code !== null && task.exit_code !== undefined ? html`<span class="muted"> (exit code ${task.exit_code})</span>` : null}
        </div>`
      : null}
    ${task.status === 'completed' && task.result?.message
      ? html`<p class="task-result">${task.result.message}</p>`
      : null}
    ${task.status === 'completed' && task.result?.ip_diagnosis
      ? html`<p class="task-result task-diagnosis">Why: ${task.result.ip_diagnosis}</p>`
      : null}
    <${Logs} task=${task} />
  </li>`;
}

const TaskItem = memo(Item);

/** Whether the panel is open: `prefs.activity` is `shown` or `hidden` once the user chose;
 * otherwise (`auto`) it is open while something runs and a narrow rail the rest of the time,
 * so the inventory has the room. */
export function activityOpen(prefs, running) {
  if (prefs.activity === 'shown') return true;
  if (prefs.activity === 'hidden') return false;
  return running > 0;
}

export function runningCount(tasks) {
  let n = 0;
  for (const t of Object.values(tasks)) if (t.status === 'running' || t.status === 'pending') n += 1;
  return n;
}

function Rail({ running, total }) {
  const label = `Show activity${running ? `, ${running} running` : total ? `, ${total} recent` : ''}`;
  return html`<section class="activity-rail" aria-labelledby="activity-title">
    <h2 id="activity-title" class="sr-only">Activity</h2>
    <button type="button" class="btn btn-ghost btn-icon activity-show" aria-label=${label} title=${label}
        aria-expanded="false" onClick=${() => setPrefs({ activity: 'shown' })}>
      <${Icon} name="activity" size=${16} />
      ${running ? html`<span class="count count-live">${running}</span>` : total ? html`<span class="count">${total}</span>` : null}
    </button>
  </section>`;
}

export function Activity() {
  const prefs = useStore((s) => s.prefs);
  const running = useStore((s) => runningCount(s.tasks));
  const total = useStore((s) => Object.keys(s.tasks).length);
  if (!activityOpen(prefs, running)) return html`<${Rail} running=${running} total=${total} />`;
  return html`<${Panel} />`;
}

function Panel() {
  const tasks = useStore((s) => s.tasks);
  const offline = useStore((s) => Boolean(s.offline));
  const list = Object.values(tasks).sort((a, b) => {
    const fa = FINAL.has(a.status);
    const fb = FINAL.has(b.status);
    if (fa !== fb) return fa ? 1 : -1;
    return b.created_at - a.created_at;
  });
  const active = list.filter((t) => !FINAL.has(t.status)).length;
  useTicker(active > 0 && !offline);
  const tick = active ? Math.floor(Date.now() / 1000) : 0;
  return html`<section class="activity-panel" aria-labelledby="activity-title">
    <div class="panel-head">
      <h2 id="activity-title" class="section-title"><${Icon} name="activity" size=${15} />Activity</h2>
      ${active ? html`<span class="count count-live">${active} running</span>` : null}
      <button type="button" class="btn btn-ghost btn-sm activity-hide" aria-expanded="true"
          onClick=${() => setPrefs({ activity: 'hidden' })}>Hide</button>
    </div>
    ${list.length === 0
      ? html`<p class="empty-inline">Operations you start (pull, create, start…) show up here with their live progress and logs.</p>`
      : html`<ol class="tasks">${list.slice(0, SHOWN).map((t) => html`<${TaskItem} key=${t.id} task=${t} offline=${offline} tick=${FINAL.has(t.status) ? 0 : tick} />`)}</ol>`}
  </section>`;
}
