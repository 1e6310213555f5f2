// A VM's size as a form asks for it: CPU, memory and disk, each a whole number within Tart's
// limits. Shared by the create, from-scratch and edit dialogs.
import { html } from '../html.js';
import { Field, described } from '../components/field.js';

export const LIMITS = {
  cpu: { min: 1, max: 128, fallback: 4 },
  memory: { min: 1, max: 1024, fallback: 8 },
  disk_size: { min: 1, max: 65535, fallback: 50 },
};

export function intError(label, raw, { min, max }) {
  const value = Number(raw);
  if (raw === '' || !Number.isInteger(value)) return `${label} must be a whole number.`;
  if (value < min || value > max) return `${label} must be between ${min} and ${max}.`;
  return null;
}

export function NumberField({ id, label, unit, value, onInput, error, hint, limits, presets }) {
  return html`<${Field} id=${id} label=${label} error=${error} hint=${hint}>
    <div class="number-row">
      <div class="input-unit">
        <input id=${id} class="input" type="number" inputmode="numeric" min=${limits.min} max=${limits.max} step="1"
          value=${value} onInput=${(e) => onInput(e.currentTarget.value)} ...${described(id, { error, hint })} />
        ${unit ? html`<span class="unit" aria-hidden="true">${unit}</span>` : null}
      </div>
      ${presets
        ? html`<div class="presets" role="group" aria-label=${`${label} presets`}>
            ${presets.map((p) => html`<button key=${p} type="button" class=${`chip ${Number(value) === p ? 'on' : ''}`}
                aria-pressed=${Number(value) === p} onClick=${() => onInput(String(p))}>${p}${unit ? ` ${unit}` : ''}</button>`)}
          </div>`
        : null}
    </div>
  <//>`;
}
