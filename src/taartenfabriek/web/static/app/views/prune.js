// Prune, with a dry run first: the criteria are previewed (`POST /api/storage/prune/preview`,
// nothing removed), and the confirmation sends exactly the previewed names back
// (`POST /api/storage/prune` with `names`), so what was shown is what goes. Changing a
// criterion drops the preview; a 409 (an entry now running, or gone) asks for a new one.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../html.js';
import { api } from '../api.js';
import { submit } from '../data.js';
import { useStore } from '../state.js';
import { described } from '../components/field.js';
import { Icon } from '../components/icons.js';
import { FINAL, shellLine } from '../format.js';
import { GB, entryName, sizeLabel } from './sizes.js';

const KINDS = [
  ['caches', 'Cached images and IPSWs', 'They can be downloaded again.'],
  ['vms', 'Stopped VMs', 'Their disks are deleted for good; running VMs are never touched.'],
];

function wholeNumber(label, raw, max) {
  const value = Number(raw);
  if (raw === '' || !Number.isInteger(value) || value < 0) return `${label} must be a whole number, 0 or more.`;
  if (value > max) return `${label} can be at most ${max}.`;
  return null;
}

function Criterion({ id, checked, onCheck, label, value, onInput, unit, error, hint }) {
  return html`<div class=${`prune-criterion ${error ? 'field-invalid' : ''}`}>
    <div class="criterion-row">
      <label class="check" for=${`${id}-on`}>
        <input id=${`${id}-on`} type="checkbox" checked=${checked} onChange=${(e) => onCheck(e.currentTarget.checked)} />${label}
      </label>
      <div class="input-unit">
        <input id=${id} class="input" type="number" inputmode="numeric" min="0" step="1" value=${value} disabled=${!checked}
          aria-label=${`${label} (${unit})`} onInput=${(e) => onInput(e.currentTarget.value)} ...${described(id, { error, hint })} />
        <span class="unit" aria-hidden="true">${unit}</span>
      </div>
    </div>
    ${hint && !error ? html`<p class="field-hint" id=${`${id}-hint`}>${hint}</p>` : null}
    ${error ? html`<p class="field-error" id=${`${id}-error`} role="alert">${error}</p>` : null}
  </div>`;
}

function Plan({ plan, stale, busy, onConfirm, onCancel }) {
  const heading = useRef(null);
  const [understood, setUnderstood] = useState(false);
  useEffect(() => heading.current?.focus(), [plan]);
  const count = plan.remove.length;
  const vms = plan.entries === 'vms';
  const label = `Remove ${count} ${count === 1 ? 'entry' : 'entries'} (${sizeLabel(plan.remove_bytes / GB)})`;
  return html`<section class="prune-plan" aria-labelledby="plan-title" data-stale=${String(stale)}>
    <h4 id="plan-title" class="plan-title" tabindex="-1" ref=${heading}>
      ${count ? `Preview: ${count} ${count === 1 ? 'entry' : 'entries'}, ${sizeLabel(plan.remove_bytes / GB)} would be removed` : 'Preview: nothing would be removed'}
    </h4>
    <p class="muted small">Nothing has been removed yet. ${plan.keep.length} ${plan.keep.length === 1 ? 'entry stays' : 'entries stay'} (${sizeLabel(plan.keep_bytes / GB)}).
      Same rules as <code>${shellLine(plan.argv_equivalent)}</code>, but only the entries listed here are deleted, one by one.</p>
    ${count
      ? html`<ul class="storage-list plan-list">${plan.remove.map((entry) => {
          const { title, sub } = entryName(entry);
          return html`<li key=${entry.name} class="storage-row plan-row" data-remove=${entry.name}>
            <div class="storage-name"><span title=${entry.name}>${title}</span>
              <span class="muted small storage-sub">${[sub, entry.reason].filter(Boolean).join(' · ')}</span></div>
            <div class="storage-size"><span class="size-value">${sizeLabel(entry.size_bytes / GB)}</span></div>
          </li>`;
        })}</ul>`
      : html`<p class="small">Nothing matches these criteria.</p>`}
    ${count && vms
      ? html`<label class="check small"><input type="checkbox" checked=${understood} onChange=${(e) => setUnderstood(e.currentTarget.checked)} />
          I understand that these VMs and their disks are deleted for good</label>`
      : null}
    <div class="form-actions">
      <button type="button" class="btn btn-secondary" onClick=${onCancel}>${count ? 'Cancel' : 'Close'}</button>
      ${count
        ? html`<button type="button" class="btn btn-danger" data-testid="prune-confirm" onClick=${onConfirm}
            disabled=${stale || busy || (vms && !understood)}>${busy ? 'Starting…' : label}</button>`
        : null}
    </div>
  </section>`;
}

function PruneTask({ id }) {
  const task = useStore((s) => s.tasks[id], [id]);
  const box = useRef(null);
  useEffect(() => box.current?.focus(), []); // the confirm button is gone: focus the outcome
  let body = null;
  if (task && !FINAL.has(task.status)) {
    body = html`<p class="prune-status" role="status"><span class="spinner" aria-hidden="true"></span>Removing the previewed entries… (see Activity)</p>`;
  } else if (task?.status === 'completed') {
    const message = task.result?.message || 'done';
    body = html`<p class="prune-status text-success" role="status" data-testid="prune-done"><${Icon} name="check" size=${15} />
      ${message.charAt(0).toUpperCase()}${message.slice(1)}.</p>`;
  } else if (task) {
    body = html`<div class="alert alert-error" role="alert">Prune failed: ${task.error || 'see Activity'}</div>`;
  }
  return html`<div class="prune-result" tabindex="-1" ref=${box}>${body}</div>`;
}

export function Prune({ onDone }) {
  const [entries, setEntries] = useState('caches');
  const [useAge, setUseAge] = useState(true);
  const [days, setDays] = useState('30');
  const [useBudget, setUseBudget] = useState(false);
  const [budget, setBudget] = useState('100');
  const [errors, setErrors] = useState({});
  const [preview, setPreview] = useState(null); // { plan, criteria }
  const [problem, setProblem] = useState(null); // { message, stale }
  const [busy, setBusy] = useState(null); // 'preview' | 'prune'
  const [taskId, setTaskId] = useState(null);
  const finished = useStore((s) => (taskId && FINAL.has(s.tasks[taskId]?.status)) || false, [taskId]);
  useEffect(() => {
    if (finished) onDone();
  }, [finished]);

  const change = (setter) => (value) => {
    setter(value);
    setPreview(null); // a preview is only confirmed for the criteria it was made with
    setProblem(null);
    setErrors({});
  };

  const criteria = () => {
    const found = {};
    if (!useAge && !useBudget) found.form = 'Choose an age, a space budget, or both.';
    if (useAge) found.older_than_days = wholeNumber('The age', days, 36500);
    if (useBudget) found.space_budget_gb = wholeNumber('The budget', budget, 1000000);
    setErrors(found);
    if (Object.values(found).some(Boolean)) return null;
    return {
      entries,
      ...(useAge ? { older_than_days: Number(days) } : {}),
      ...(useBudget ? { space_budget_gb: Number(budget) } : {}),
    };
  };

  const runPreview = async (body = criteria()) => {
    if (!body) return;
    setBusy('preview');
    setProblem(null);
    try {
      setPreview({ plan: await api('/api/storage/prune/preview', { method: 'POST', body }), criteria: body });
    } catch (err) {
      setPreview(null);
      setProblem({ message: err.message });
    } finally {
      setBusy(null);
    }
  };

  const confirm = async () => {
    const { plan, criteria: body } = preview;
    setBusy('prune');
    setProblem(null);
    try {
      const task = await submit('/api/storage/prune', { ...body, names: plan.remove.map((e) => e.name) });
      setTaskId(task.id);
      setPreview(null);
    } catch (err) {
      setProblem({ message: err.message, stale: err.status === 409 });
    } finally {
      setBusy(null);
    }
  };

  return html`<section class="prune" aria-labelledby="prune-title">
    <h3 id="prune-title" class="section-title"><${Icon} name="trash" size=${15} />Prune</h3>
    <p class="muted small">Tart's <code>tart prune</code> rules, with a dry run first: you see exactly what would go, and only that is removed.</p>
    <form class="form prune-form" onSubmit=${(e) => { e.preventDefault(); runPreview(); }} noValidate>
      <fieldset class="prune-kinds">
        <legend class="field-label">Remove</legend>
        ${KINDS.map(([value, label, note]) => html`<label key=${value} class="check radio">
          <input type="radio" name="prune-entries" value=${value} checked=${entries === value} onChange=${() => change(setEntries)(value)} />
          <span>${label} <span class="muted small">${note}</span></span>
        </label>`)}
      </fieldset>
      <div class="prune-criteria">
        <${Criterion} id="prune-days" checked=${useAge} onCheck=${change(setUseAge)} label="Not used for at least"
          value=${days} onInput=${change(setDays)} unit="days" error=${errors.older_than_days} />
        <${Criterion} id="prune-budget" checked=${useBudget} onCheck=${change(setUseBudget)} label="Keep at most"
          value=${budget} onInput=${change(setBudget)} unit="GB" error=${errors.space_budget_gb}
          hint="The most recently used entries that fit are kept (GB of 1024³ bytes, like Tart)." />
      </div>
      ${errors.form ? html`<p class="field-error" role="alert">${errors.form}</p>` : null}
      <div><button type="submit" class="btn btn-secondary" disabled=${busy === 'preview'}>
        <${Icon} name="search" size=${15} />${busy === 'preview' ? 'Previewing…' : 'Preview'}
      </button></div>
    </form>
    ${problem
      ? html`<div class="alert alert-error prune-problem" role="alert">
          ${problem.stale ? html`<strong>Nothing was removed.</strong> ` : null}${problem.message}
          ${problem.stale && preview
            ? html` <button type="button" class="link" onClick=${() => runPreview(preview.criteria)}>Preview again</button>`
            : null}
        </div>`
      : null}
    ${preview
      ? html`<${Plan} plan=${preview.plan} stale=${Boolean(problem?.stale)} busy=${busy === 'prune'}
          onConfirm=${confirm} onCancel=${() => { setPreview(null); setProblem(null); }} />`
      : null}
    ${taskId ? html`<${PruneTask} key=${taskId} id=${taskId} />` : null}
  </section>`;
}
