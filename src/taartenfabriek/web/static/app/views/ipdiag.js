// Why a running VM has no IP address yet: the server's `ip_diagnosis` (one sentence: still
// booting, bridged networking needs the arp resolver, no guest agent, ...), in full in the
// details and as a short line with a "Why?" link on a card.
import { html } from '../html.js';
import { hrefFor } from '../router.js';
import { Icon } from '../components/icons.js';

function booting(vm) {
  return !vm.ip_diagnosis || vm.ip_diagnosis.startsWith('still booting');
}

function sentence(text) {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.)]$/.test(text) ? '' : '.'}`;
}

/** The full explanation, for the details view. */
export function IpDiagnosis({ vm }) {
  return html`<div class=${`ip-diagnosis ${booting(vm) ? '' : 'ip-diagnosis-problem'}`} data-testid="ip-diagnosis" role="status">
    <${Icon} name=${booting(vm) ? 'info' : 'alert'} size=${16} />
    <div>
      <p><strong>${booting(vm) ? 'Waiting for an IP address' : 'No IP address yet'}</strong></p>
      <p class="ip-diagnosis-text">${vm.ip_diagnosis ? sentence(vm.ip_diagnosis) : 'The VM is running but has no IP address yet.'}</p>
      ${vm.ip_resolver ? html`<p class="muted small">Looked up with <code>tart ip --resolver ${vm.ip_resolver}</code>.</p>` : null}
    </div>
  </div>`;
}

/** One line for a card: "Waiting for IP…" while booting, else "No IP yet" and a link to why. */
export function IpHint({ vm }) {
  if (booting(vm)) return html`<div class="meta-line muted" title=${vm.ip_diagnosis || ''}>Waiting for IP…</div>`;
  return html`<div class="meta-line muted ip-hint" title=${vm.ip_diagnosis}>
    <span>No IP address yet</span>
    <a class="why" href=${hrefFor({ name: 'vm', vm: vm.name })} aria-label=${`Why has ${vm.name} no IP address?`}>Why?</a>
  </div>`;
}
