// Modal dialogs on the native <dialog> element: showModal() makes the page behind inert and
// keeps keyboard focus inside; Escape closes; focus returns to whatever opened the dialog.
import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import { html } from '../html.js';
import { Icon } from './icons.js';
import { rememberFocus } from './focuskeep.js';

let counter = 0;

export function Dialog({ title, subtitle, onClose, children, footer, variant = 'center', size = 'md', label }) {
  const ref = useRef(null);
  const titleId = useRef(`dialog-title-${++counter}`).current;
  const opener = useRef(null);

  useLayoutEffect(() => {
    opener.current = document.activeElement;
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    const auto = dialog?.querySelector('[autofocus], [data-autofocus]');
    if (auto) auto.focus();
    return () => {
      // Close before refocusing: while the modal is open, the rest of the page is inert.
      if (dialog?.open) dialog.close();
      const target = opener.current;
      if (target && typeof target.focus === 'function' && document.contains(target)) {
        target.focus();
      }
      // Disabled (its VM is busy now) or gone: its controls take focus when they re-render.
      if (target && document.activeElement !== target) rememberFocus(target);
    };
  }, []);

  useEffect(() => {
    const dialog = ref.current;
    const cancel = (event) => {
      event.preventDefault();
      onClose();
    };
    dialog.addEventListener('cancel', cancel);
    return () => dialog.removeEventListener('cancel', cancel);
  }, [onClose]);

  const backdrop = (event) => {
    if (event.target === ref.current) onClose();
  };

  return html`<dialog ref=${ref} class=${`dialog dialog-${variant} dialog-${size}`}
      aria-labelledby=${label ? undefined : titleId} aria-label=${label} onClick=${backdrop}>
    <div class="dialog-panel">
      <header class="dialog-header">
        <div class="dialog-heading">
          <h2 id=${titleId} class="dialog-title">${title}</h2>
          ${subtitle ? html`<p class="dialog-subtitle">${subtitle}</p>` : null}
        </div>
        <button type="button" class="btn btn-ghost btn-icon" onClick=${onClose} aria-label="Close">
          <${Icon} name="x" />
        </button>
      </header>
      <div class="dialog-body">${children}</div>
      ${footer ? html`<footer class="dialog-footer">${footer}</footer>` : null}
    </div>
  </dialog>`;
}
