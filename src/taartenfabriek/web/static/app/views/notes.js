// A VM's notes (Markdown, rendered by marked and sanitised by DOMPurify) and labels, kept by
// the server (`PATCH /api/vms/{name}/annotations`).
import { useMemo, useState } from 'preact/hooks';
import { marked } from 'marked';
import DOMPurify from 'dompurify';
import { html } from '../html.js';
import { api, vmPath } from '../api.js';
import { loadVms } from '../data.js';
import { toast } from '../state.js';
import { Field, FormError, described, errorsFor } from '../components/field.js';
import { Icon } from '../components/icons.js';
import { Labels } from './labels.js';

// No images (they would load from anywhere), forms, styles or frames; links open apart.
const PURIFY = {
  FORBID_TAGS: ['img', 'style', 'form', 'input', 'button', 'iframe', 'svg', 'math'],
  FORBID_ATTR: ['style', 'class', 'id'],
  ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|ssh:|vnc:|#)/i,
};

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
  }
});

export function renderNotes(markdown) {
  const raw = marked.parse(markdown || '', { async: false, gfm: true, breaks: true });
  return DOMPurify.sanitize(raw, PURIFY);
}

const splitLabels = (text) => text.split(/[,\n]/).map((l) => l.trim()).filter(Boolean);

export function NotesSection({ vm }) {
  const [editing, setEditing] = useState(false);
  const [notes, setNotes] = useState(vm.notes || '');
  const [labels, setLabels] = useState((vm.labels || []).join(', '));
  const [errors, setErrors] = useState({});
  const [formError, setFormError] = useState(null);
  const [busy, setBusy] = useState(false);
  const rendered = useMemo(() => (vm.notes ? renderNotes(vm.notes) : ''), [vm.notes]);

  const edit = () => {
    setNotes(vm.notes || '');
    setLabels((vm.labels || []).join(', '));
    setErrors({});
    setFormError(null);
    setEditing(true);
  };

  const save = async (event) => {
    event.preventDefault();
    setBusy(true);
    setFormError(null);
    try {
      await api(vmPath(vm.name, 'annotations'), { method: 'PATCH', body: { notes, labels: splitLabels(labels) } });
      await loadVms();
      setEditing(false);
      toast(`Notes of ${vm.name} saved`, 'success');
    } catch (err) {
      const fields = errorsFor(err, ['notes', 'labels']);
      setErrors(fields);
      setFormError(Object.keys(fields).length ? null : err.message);
    } finally {
      setBusy(false);
    }
  };

  return html`<section class="detail-section" aria-labelledby="notes-title">
    <div class="detail-section-head">
      <h3 id="notes-title" class="section-title">Notes and labels</h3>
      ${editing ? null : html`<button type="button" class="btn btn-ghost btn-sm" onClick=${edit} aria-label=${`Edit notes and labels of ${vm.name}`}>
        <${Icon} name="edit" size=${14} />Edit</button>`}
    </div>
    ${editing
      ? html`<form class="form" onSubmit=${save} noValidate aria-label="Notes and labels">
          <${Field} id="vm-labels" label="Labels" error=${errors.labels} hint="Comma-separated: ci, team=ios. Search with label:ci.">
            <input id="vm-labels" class="input mono" value=${labels} spellcheck="false" autocomplete="off"
              onInput=${(e) => { setLabels(e.currentTarget.value); setErrors({}); }}
              ...${described('vm-labels', { error: errors.labels, hint: true })} />
          <//>
          <${Field} id="vm-notes" label="Notes (Markdown)" error=${errors.notes}>
            <textarea id="vm-notes" class="input" rows="6" value=${notes}
              onInput=${(e) => { setNotes(e.currentTarget.value); setErrors({}); }}
              ...${described('vm-notes', { error: errors.notes })}></textarea>
          <//>
          <${FormError} error=${formError} />
          <div class="form-actions">
            <button type="button" class="btn btn-secondary btn-sm" onClick=${() => setEditing(false)}>Cancel</button>
            <button type="submit" class="btn btn-primary btn-sm" disabled=${busy}>${busy ? 'Saving…' : 'Save'}</button>
          </div>
        </form>`
      : html`<${Labels} labels=${vm.labels} vmName=${vm.name} />
        ${rendered
          ? html`<div class="notes-rendered" dangerouslySetInnerHTML=${{ __html: rendered }}></div>`
          : (vm.labels || []).length ? null : html`<p class="muted small">No notes yet: what this VM is for, who uses it, how it was set up.</p>`}`}
  </section>`;
}
