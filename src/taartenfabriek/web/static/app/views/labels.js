// A VM's labels as chips (cards, rows, details); a click searches for the label. Apart from
// notes.js so the inventory's first screen does not load the Markdown renderer.
import { html } from '../html.js';
import { setState } from '../state.js';

function Chip({ label }) {
  return html`<button type="button" class="label-chip" title=${`Show VMs labelled ${label}`}
      onClick=${(e) => { e.preventDefault(); e.stopPropagation(); setState({ query: `label:${label}` }); }}>${label}</button>`;
}

/** `inline`: chips in a line of text (a card's subtitle, which keeps the card's one height). */
export function Labels({ labels, vmName, inline = false }) {
  if (!labels || !labels.length) return null;
  if (inline) {
    return html`<span class="labels labels-inline" role="group" aria-label=${`Labels of ${vmName}`}>
      ${labels.map((label) => html`<${Chip} key=${label} label=${label} />`)}</span>`;
  }
  return html`<ul class="labels" aria-label=${`Labels of ${vmName}`}>
    ${labels.map((label) => html`<li key=${label}><${Chip} label=${label} /></li>`)}
  </ul>`;
}
