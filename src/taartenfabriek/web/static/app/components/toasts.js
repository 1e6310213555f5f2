import { html } from '../html.js';
import { dismissToast, useStore } from '../state.js';
import { Icon } from './icons.js';

/** Notices for finished tasks; a polite live region so screen readers hear them too. */
export function Toasts() {
  const toasts = useStore((s) => s.toasts);
  return html`<div class="toasts" role="status" aria-live="polite">
    ${toasts.map((t) => html`<div key=${t.id} class=${`toast toast-${t.kind}`}>
      <${Icon} name=${t.kind === 'error' ? 'alert' : t.kind === 'success' ? 'check' : 'info'} />
      <span class="toast-text">${t.message}</span>
      <button type="button" class="btn btn-ghost btn-icon btn-xs" onClick=${() => dismissToast(t.id)}
        aria-label="Dismiss"><${Icon} name="x" size=${14} /></button>
    </div>`)}
  </div>`;
}
