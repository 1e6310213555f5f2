// Page-wide warnings: Tart missing (with how to install it) or the Orchard controller out of
// reach, the server unreachable, and an inventory that could not be refreshed lately.
import { html } from '../html.js';
import { useStore } from '../state.js';
import { Icon } from '../components/icons.js';
import { CopyField } from '../components/copy.js';
import { age } from '../format.js';

function Banner({ kind = 'warning', title, children }) {
  return html`<div class=${`banner banner-${kind}`} role=${kind === 'error' ? 'alert' : 'status'}>
    <${Icon} name=${kind === 'info' ? 'info' : 'alert'} size=${18} />
    <div class="banner-text"><strong>${title}</strong>${children ? html`<div>${children}</div>` : null}</div>
  </div>`;
}

export function Banners() {
  const tart = useStore((s) => s.tart);
  const offline = useStore((s) => s.offline);
  const health = useStore((s) => s.health);
  const orchard = health?.backend === 'orchard';
  return html`<div class="banners">
    ${offline
      ? html`<${Banner} kind="error" title="The server cannot be reached.">
          <span id="why-offline">Actions are disabled until it answers again; running tasks' times and progress are unknown meanwhile.</span>${' '}
          What you see is what it last said. Is <code>taartenfabriek serve</code> still running? This page reconnects by itself, at once when it is back.
        <//>`
      : null}
    ${orchard && tart.error
      ? html`<${Banner} kind="error" title="The Orchard controller cannot be used.">
          <p>${tart.error}</p>
          <p class="muted small">Check that the controller runs and that TARTVM_ORCHARD_URL, the service account and its token (or <code>orchard context</code>) are right.</p>
        <//>`
      : null}
    ${tart.missing && !orchard
      ? html`<${Banner} kind="error" title="Tart is not installed (or could not be started).">
          <p>Install it with Homebrew, then reload this page:</p>
          <${CopyField} value="brew install cirruslabs/cli/tart" label="install command" />
          <p>Or try the app with simulated VMs: <code>taartenfabriek serve --demo</code></p>
          ${tart.error ? html`<p class="muted small">${tart.error}</p>` : null}
        <//>`
      : null}
    ${health?.inventory_stale
      ? html`<${Banner} kind="warning" title="The inventory may be out of date.">
          The last refresh from ${orchard ? 'the Orchard controller' : 'Tart'} failed${typeof health.inventory_age === 'number'
            ? html`; what you see is ${age(health.inventory_age)} old` : null}. Use Refresh to try again.
        <//>`
      : null}
  </div>`;
}
