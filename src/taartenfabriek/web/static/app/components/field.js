// A labelled form field whose error (ours or the API's 422 detail) sits right under it and is
// tied to the input with aria-describedby.
import { html } from '../html.js';

export function Field({ id, label, hint, error, children, class: cls = '' }) {
  return html`<div class=${`field ${error ? 'field-invalid' : ''} ${cls}`}>
    <label class="field-label" for=${id}>${label}</label>
    ${children}
    ${hint && !error ? html`<p class="field-hint" id=${`${id}-hint`}>${hint}</p>` : null}
    ${error ? html`<p class="field-error" id=${`${id}-error`} role="alert">${error}</p>` : null}
  </div>`;
}

/** Props that connect an input to its Field's hint or error. */
export function described(id, { error, hint }) {
  if (error) return { 'aria-invalid': 'true', 'aria-describedby': `${id}-error` };
  if (hint) return { 'aria-describedby': `${id}-hint` };
  return {};
}

/** Move focus to the first field with an error (its input's id is `<prefix>-<field>`), so a
 * keyboard or screen-reader user lands on what to fix; true when there was one. */
export function focusFirstError(prefix, found) {
  const first = Object.keys(found)[0];
  if (first === undefined) return false;
  document.getElementById(`${prefix}-${first}`)?.focus();
  return true;
}

/** A form-level message for errors that belong to no single field (409, 404, 502...). */
export function FormError({ error }) {
  if (!error) return null;
  return html`<div class="alert alert-error" role="alert">${error}</div>`;
}

/** Field errors from an ApiError: FastAPI's 422 list by field, or a 422 sentence that starts
 * with a field's name ("disk_size must be at least 50 GB..."). */
export function errorsFor(error, fields) {
  const found = { ...(error?.fieldErrors || {}) };
  if (!Object.keys(found).length && error?.status === 422 && typeof error.detail === 'string') {
    const first = /^([a-z_]+)\b/.exec(error.detail)?.[1];
    if (first && fields.includes(first)) found[first] = error.detail;
  }
  return found;
}
