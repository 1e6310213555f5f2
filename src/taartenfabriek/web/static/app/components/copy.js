// A value in monospace with a copy button (for vnc:// links, ssh commands, tart commands).
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { Icon } from './icons.js';

async function writeClipboard(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.className = 'offscreen';
  document.body.appendChild(area);
  area.select();
  document.execCommand('copy');
  area.remove();
}

export function CopyButton({ value, label = 'Copy' }) {
  const [copied, setCopied] = useState(false);
  const copy = async (event) => {
    event.stopPropagation();
    try {
      await writeClipboard(value);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      setCopied(false);
    }
  };
  return html`<button type="button" class="btn btn-ghost btn-icon btn-xs copy" onClick=${copy}
      aria-label=${copied ? 'Copied' : label} title=${copied ? 'Copied' : label}>
    <${Icon} name=${copied ? 'check' : 'copy'} size=${14} />
  </button>`;
}

export function CopyField({ value, label, href }) {
  return html`<div class="copy-field">
    ${href
      ? html`<a class="mono copy-value" href=${href}>${value}</a>`
      : html`<code class="mono copy-value">${value}</code>`}
    <${CopyButton} value=${value} label=${`Copy ${label || value}`} />
  </div>`;
}
