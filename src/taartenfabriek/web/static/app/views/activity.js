// The operations panel: every task live (status, elapsed time, the exact command, a progress
// bar for pulls, logs on demand, and why it failed), newest first, finished ones kept visible.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { useStore, toast } from '../state.js';
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

function elapsed(task) {
  if (FINAL.has(task.status)) return took(task.updated_at - task.created_at);
  return duration(Date.now() / 1000 - task.created_at);
}

function Logs({ task }) {
  const [open, setOpen] = useState(false);
  const lines = task.logs || [];
  if (!lines.length) return null;
  return html`<details class="logs" open=${open} onToggle=${(e) => setOpen(e.currentTarget.open)}>
    <summary>Logs <span class="muted">(${lines.length} ${lines.length === 1 ? 'line' : 'lines'})</span></summary>
    ${open ? html`<pre class="log-text" tabindex="0">${lines.slice(-500).join('\n')}</pre>` : null}
  </details>`;
}

function Item({ task }) {
  const active = !FINAL.has(task.status);
  const measured = PROGRESS.has(task.action);
  const progress = measured ? taskProgress(task) : null;
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
  return html`<li class=${`task task-${task.status}`} data-task=${task.id} data-action=${task.action} data-status=${task.status}>
    <div class="task-head">
      <span class="task-icon" aria-hidden="true"><${Icon} name=${ICONS[task.action] || 'activity'} size=${14} /></span>
      <div class="task-title">
        <span class="task-verb">${actionVerb(task.action)}</span>
        <span class="task-target" title=${task.vm || ''}>${target}</span>
      </div>
      <${TaskBadge} status=${task.status} />
    </div>
    <div class="task-meta">
      <span>${clockTime(task.created_at)}</span>
      <span aria-label="Elapsed time" class="elapsed">${elapsed(task)}</span>
      ${active && (task.status === 'running' || task.status === 'pending')
        ? html`<button type="button" class="link link-muted" onClick=${cancel}>Cancel</button>`
        : null}
    </div>
    ${measured && (active || progress !== null)
      ? html`<div class="task-progress">
          <${Progress} value=${progress} label=${`${actionVerb(task.action)} progress of ${task.vm || 'image'}`} />
          <span class="pct">${progress === null ? '' : `${Math.round(progress)}%`}</span>
        </div>`
      : null}
    ${command
      ? html`<div class="task-command"><code class="mono" title=${command}>$ ${shown}</code><${CopyButton} value=${command} label="Copy command" /></div>`
      : null}
    ${task.status === 'failed'
      ? html`<div class="task-error" role="alert">
          <strong>${task.error || 'The task failed'}</strong>
          ${task.exit_code !== null && task.exit_code !== undefined ? html`<span class="muted"> (exit code ${task.exit_code})</span>` : null}
          ${task.stderr ? html`<pre class="log-text stderr">${task.stderr}</pre>` : null}
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

export function Activity() {
  const tasks = useStore((s) => s.tasks);
  const list = Object.values(tasks).sort((a, b) => {
    const fa = FINAL.has(a.status);
    const fb = FINAL.has(b.status);
    if (fa !== fb) return fa ? 1 : -1;
    return b.created_at - a.created_at;
  });
  const active = list.filter((t) => !FINAL.has(t.status)).length;
  useTicker(active > 0);
  const tick = active ? Math.floor(Date.now() / 1000) : 0;
  return html`<section class="activity-panel" aria-labelledby="activity-title">
    <div class="panel-head">
      <h2 id="activity-title" class="section-title"><${Icon} name="activity" size=${15} />Activity</h2>
      ${active ? html`<span class="count count-live">${active} running</span>` : null}
    </div>
    ${list.length === 0
      ? html`<p class="empty-inline">Operations you start (pull, create, start…) show up here with their live progress and logs.</p>`
      : html`<ol class="tasks">${list.slice(0, SHOWN).map((t) => html`<${TaskItem} key=${t.id} task=${t} tick=${FINAL.has(t.status) ? 0 : tick} />`)}</ol>`}
  </section>`;
}
