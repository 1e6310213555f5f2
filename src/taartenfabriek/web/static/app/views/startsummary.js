// Two parts of a VM's details that belong to how it runs: the `tart run` its next start makes
// (GET /api/vms/{name}/start-options, with a button to change it), and how its IP address is
// looked up (PUT /api/vms/{name}/ip-resolver) with the server's reason when it has none yet.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { api, vmPath } from '../api.js';
import { refreshVms } from '../data.js';
import { openDialog, useStore } from '../state.js';
import { CopyButton } from '../components/copy.js';
import { Icon } from '../components/icons.js';
import { shellLine, vmState } from '../format.js';

/** Start options and the IP lookup are Tart's: an Orchard server has neither. */
export function useLocalTart() {
  return useStore((s) => !s.health?.backend || s.health.backend === 'local');
}

function useApi(path, deps) {
  const [state, setState] = useState({ loading: true });
  useEffect(() => {
    let alive = true;
    api(path)
      .then((data) => alive && setState({ data }))
      .catch((error) => alive && setState({ error }));
    return () => {
      alive = false;
    };
  }, deps);
  return [state, setState];
}

export function StartOptionsSection({ vm, version }) {
  const local = useLocalTart();
  if (local) return html`<${StartOptions} vm=${vm} version=${version} />`;
  // Orchard: said rather than merely left out, as the details explain what Orchard cannot do
  return html`<section class="detail-section" aria-labelledby="so-summary-title" data-start-options="orchard">
    <h3 id="so-summary-title" class="section-title">Start options</h3>
    <p class="muted small">Orchard starts a VM only when it creates it, on its worker, as the VM's
      spec says (headless, networking, suspendable): there is no <code>tart run</code> here to give options to.</p>
  </section>`;
}

function StartOptions({ vm, version }) {
  const rev = useStore((s) => s.startOptionsRev || 0);
  const [{ data, error }] = useApi(vmPath(vm.name, 'start-options'), [vm.name, version, rev]);
  if (error || !data) return null; // an older server: nothing to show
  const line = shellLine(data.command);
  const state = vmState(vm);
  const mode = state === 'running' ? 'edit' : state === 'suspended' ? 'resume' : 'start';
  return html`<section class="detail-section" aria-labelledby="so-summary-title">
    <div class="detail-section-head">
      <h3 id="so-summary-title" class="section-title">Start options</h3>
      <button type="button" class="btn btn-ghost btn-sm" aria-label=${`Change the start options of ${vm.name}`}
          onClick=${() => openDialog('start-options', { vm, mode })}>
        <${Icon} name="settings" size=${14} />Change…
      </button>
    </div>
    <div class="copy-field command-box">
      <code class="mono command-line" data-argv=${JSON.stringify(data.command)}>$ ${line}</code>
      <${CopyButton} value=${line} label="Copy the tart run command" />
    </div>
    <p class="muted small">${data.saved
      ? 'Remembered for this VM: Start runs exactly this.'
      : "Tart's defaults: nothing is saved for this VM yet. Start with options… remembers what you choose."}</p>
  </section>`;
}

const RESOLVERS = [
  ['auto', 'Automatic'],
  ['dhcp', 'DHCP lease (Tart’s default)'],
  ['arp', 'ARP table (for bridged networking)'],
  ['agent', 'Tart Guest Agent'],
];

const WHY = {
  dhcp: "macOS's DHCP server lease for the VM's MAC address: works for NAT (shared) networking.",
  arp: 'The Mac’s ARP table: finds guests on a bridged network, once they have sent some traffic.',
  agent: 'Asks the Tart Guest Agent inside the guest (it must be installed; vanilla images have none).',
};

/** The IP lookup select; a running VM's address is asked for again after a change. */
export function IpLookup({ vm }) {
  const [{ data, error }, setResult] = useApi(vmPath(vm.name, 'ip-resolver'), [vm.name]);
  const [saving, setSaving] = useState(false);
  const [problem, setProblem] = useState(null);
  if (error) return null; // Orchard or an older server: Tart's own lookup, nothing to choose
  const value = data ? data.chosen || 'auto' : 'auto';
  const effective = data?.resolver || vm.ip_resolver || null;
  const choose = async (next) => {
    setSaving(true);
    setProblem(null);
    try {
      const answer = await api(vmPath(vm.name, 'ip-resolver'), { method: 'PUT', body: { resolver: next === 'auto' ? null : next } });
      setResult({ data: answer });
      if (vm.status === 'running') refreshVms(); // ask Tart again, with the new lookup
    } catch (err) {
      setProblem(err.message);
    } finally {
      setSaving(false);
    }
  };
  const hint = value === 'auto'
    ? `ARP for runs started with bridged networking, else DHCP${effective ? ` (now: ${effective.toUpperCase()})` : ''}.`
    : WHY[value];
  return html`<div class="connect-row ip-lookup">
    <label class="connect-label" for="ip-resolver">IP lookup</label>
    <div class="field">
      <select id="ip-resolver" class="select input" value=${value} disabled=${!data || saving}
          aria-describedby="ip-resolver-hint" onChange=${(e) => choose(e.currentTarget.value)}>
        ${RESOLVERS.map(([id, label]) => html`<option key=${id} value=${id}>${label}</option>`)}
      </select>
      ${problem
        ? html`<p class="field-error" role="alert">${problem}</p>`
        : html`<p class="field-hint" id="ip-resolver-hint" data-resolver=${effective || ''}>${hint}</p>`}
    </div>
  </div>`;
}
