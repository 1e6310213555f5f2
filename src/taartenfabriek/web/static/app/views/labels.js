// A VM's labels as chips (cards, rows, details); a click searches for the label. Apart from
// notes.js so the inventory's first screen does not load the Markdown renderer.
import { html } from '../html.js';
import { setState } from '../state.js';

export function Labels({ labels, vmName }) {
  if (!labels || !labels.length) return null;
  return html`<ul class="labels" aria-label=${`Labels of ${vmName}`}>
    ${labels.map((label) => html`<li key=${label}><button type="button" class="label-chip" title=${`Show VMs labelled ${label}`}
        onClick=${(e) => { e.preventDefault(); e.stopPropagation(); setState({ query: `label:${label}` }); }}>${label}</button></li>`)}
  </ul>`;
}
