// A VM's details in a side sheet: its controls, connection (vnc:// and ssh), configuration
// (normalised and Tart's raw JSON), inventory facts, the `tart run` log and its tasks.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../html.js';
import { api, vmPath } from '../api.js';
import { getState, updateTask, useStore } from '../state.js';
import { loadVms } from '../data.js';
import { currentToken } from '../token.js';
import { Dialog } from '../components/dialog.js';
import { VmBadge, KindBadge, TaskBadge } from '../components/badge.js';
import { CopyField } from '../components/copy.js';
import { Icon } from '../components/icons.js';
import {
  FINAL, actionVerb, clockTime, gbLabel, isBaseImage, memoryLabel, osLabel, relativeTime, splitName,
} from '../format.js';
import { LifecycleActions } from './lifecycle.js';
import { RunLog } from './runlog.js';
import { IpLookup, StartOptionsSection, useLocalTart } from './startsummary.js';
import { IpDiagnosis } from './ipdiag.js';
import { UsageSection } from './usage.js';
import { ShareSection } from './images.js';
import { NotesSection } from './notes.js';
import { RunCopyButton } from './throwaway.js';

function useConfig(name, version) {
  const [state, setState] = useState({ loading: true });
  const load = (force = false) => {
    setState((s) => ({ ...s, loading: true }));
    api(`${vmPath(name, 'config')}${force ? '?force_refresh=true' : ''}`)
      .then((config) => setState({ config, loading: false }))
      .catch((error) => setState({ error: error.message, loading: false }));
  };
  useEffect(() => load(false), [name, version]);
  return [state, load];
}

function Facts({ rows }) {
  return html`<dl class="facts">
    ${rows.filter((r) => r[1] !== null && r[1] !== undefined && r[1] !== '').map(([k, v]) => html`<div key=${k} class="fact"><dt>${k}</dt><dd>${v}</dd></div>`)}
  </dl>`;
}

/** Orchard: the guest is on its worker's private network, reached through the controller
 * (the Console and Terminal tabs here, or the `orchard` CLI), never at vnc://<ip> from here. */
function OrchardConnection({ vm }) {
  if (vm.status !== 'running') {
    return html`<p class="muted">${vm.phase === 'queued' || vm.phase === 'creating'
      ? 'Orchard starts this VM as soon as a worker has made it; connect once it runs.'
      : 'This VM does not run. Orchard does not start a VM again: clone it for a running copy.'}</p>`;
  }
  return html`<div class="connect">
    <p class="muted small">The guest is on worker ${vm.worker || '?'}'s private network: use the Console and Terminal tabs, or the Orchard CLI.</p>
    <div class="connect-row"><span class="connect-label">Screen Sharing</span><${CopyField} value=${`orchard vnc vm ${vm.name}`} label="orchard vnc command" /></div>
    <div class="connect-row"><span class="connect-label">SSH</span><${CopyField} value=${`orchard ssh vm ${vm.name}`} label="orchard ssh command" /></div>
    ${vm.ip_address
      ? html`<div class="connect-row"><span class="connect-label">IP (on ${vm.worker})</span><${CopyField} value=${vm.ip_address} label="IP address" /></div>`
      : null}
  </div>`;
}

function Connection({ vm }) {
  const local = useLocalTart();
  if (vm.source === 'orchard') return html`<${OrchardConnection} vm=${vm} />`;
  if (isBaseImage(vm)) {
    return html`<p class="muted">A base image is a template: clone it or create a VM from it to run it.</p>`;
  }
  const lookup = local ? html`<${IpLookup} vm=${vm} />` : null;
  if (vm.status !== 'running') return html`<p class="muted">Start the VM to connect to it.</p><div class="connect">${lookup}</div>`;
  if (!vm.ip_address) return html`<${IpDiagnosis} vm=${vm} /><div class="connect">${lookup}</div>`;
  const vnc = `vnc://${vm.ip_address}`;
  return html`<div class="connect">
    <div class="connect-row"><span class="connect-label">Screen Sharing</span><${CopyField} value=${vnc} href=${vnc} label="VNC link" /></div>
    <${SshRow} vm=${vm} />
    <div class="connect-row"><span class="connect-label">IP address</span><${CopyField} value=${vm.ip_address} label="IP address" /></div>
    ${lookup}
  </div>`;
}

/** `ssh <user>@<ip>` and an ssh:// link; the user name is editable and kept per VM on the
 * server (`ssh_user`), `admin` by default as in Cirrus Labs' images. */
function SshRow({ vm }) {
  const [user, setUser] = useState(vm.ssh_user || 'admin');
  const [error, setError] = useState(null);
  useEffect(() => setUser(vm.ssh_user || 'admin'), [vm.ssh_user]);
  const save = async () => {
    const wanted = user.trim() || 'admin';
    if (wanted === (vm.ssh_user || 'admin')) return;
    try {
      await api(vmPath(vm.name, 'annotations'), { method: 'PATCH', body: { ssh_user: wanted === 'admin' ? '' : wanted } });
      setError(null);
      loadVms();
    } catch (err) {
      setError(err.message);
    }
  };
  const who = user.trim() || 'admin';
  return html`<div class="connect-row ssh-row">
    <span class="connect-label">SSH</span>
    <${CopyField} value=${`ssh ${who}@${vm.ip_address}`} href=${`ssh://${who}@${vm.ip_address}`} label="ssh command" />
    <label class="ssh-user"><span class="muted small">User</span>
      <input class="input input-sm mono" value=${user} size="10" spellcheck="false" autocomplete="off" aria-label=${`SSH user name for ${vm.name}`}
        onInput=${(e) => setUser(e.currentTarget.value)} onChange=${save}
        onKeyDown=${(e) => { if (e.key === 'Enter') { e.preventDefault(); save(); } }} />
    </label>
    ${error ? html`<p class="field-error small" role="alert">${error}</p>` : null}
  </div>`;
}

function ConfigSection({ name, version, orchard }) {
  const [{ config, error, loading }, reload] = useConfig(name, version);
  return html`<section class="detail-section" aria-labelledby="cfg-title">
    <div class="detail-section-head">
      <h3 id="cfg-title" class="section-title">Configuration</h3>
      <button type="button" class="btn btn-ghost btn-sm" onClick=${() => reload(true)} disabled=${loading}>
        <${Icon} name="refresh" size=${14} class=${loading ? 'spin' : ''} />Reload
      </button>
    </div>
    ${error ? html`<div class="alert alert-error" role="alert">${error}</div>` : null}
    ${config
      ? html`<${Facts} rows=${[
          ['CPU', config.cpu ? `${config.cpu} cores` : null],
          ['Memory', memoryLabel(config.memory)],
          ['Disk', gbLabel(config.disk_size)],
          ['OS', osLabel(config.raw?.OS ?? config.raw?.os)],
          ['Display', config.raw?.Display ?? null],
        ]} />
        <details class="raw">
          <summary>${orchard ? html`Raw JSON (with the VM as Orchard has it)` : html`Raw <code>tart get</code> JSON`}</summary>
          <pre class="log-text" tabindex="0">${JSON.stringify(config.raw ?? {}, null, 2)}</pre>
        </details>`
      : !error ? html`<p class="muted" role="status">Loading…</p>` : null}
  </section>`;
}

function VmTasks({ name }) {
  const all = useStore((s) => s.tasks);
  useEffect(() => {
    api(`/api/tasks?vm=${encodeURIComponent(name)}&limit=8`)
      .then((list) => Array.isArray(list) && list.forEach(updateTask))
      .catch(() => {});
  }, [name]);
  const list = Object.values(all)
    .filter((t) => t.vm === name)
    .sort((a, b) => b.created_at - a.created_at)
    .slice(0, 8);
  return html`<section class="detail-section" aria-labelledby="vmtasks-title">
    <h3 id="vmtasks-title" class="section-title">Recent operations</h3>
    ${list.length
      ? html`<ul class="mini-tasks">${list.map((t) => html`<li key=${t.id}>
          <span>${actionVerb(t.action)}</span><span class="muted">${clockTime(t.created_at)}</span>
          <${TaskBadge} status=${t.status} cancelled=${t.cancelled} />
        </li>`)}</ul>`
      : html`<p class="muted">None yet.</p>`}
  </section>`;
}

// The VM's screen (noVNC) and a shell (xterm.js): self-contained modules in static/js, loaded
// on first use; remounted when the VM starts or stops, so a pane always speaks of the VM now.
const PANES = {
  console: ['/static/js/console.js', 'mountConsole'],
  terminal: ['/static/js/terminal.js', 'mountTerminal'],
  serial: ['/static/js/terminal.js', 'mountSerial'],
};

/** The console's fix for a screen it cannot show: restart with Tart's built-in VNC server. */
async function restartWithVnc(name) {
  const vm = getState().vms.find((v) => v.name === name);
  if (!vm) return;
  const { restartWith } = await import('./power.js');
  await restartWith(vm, { display: 'vnc-experimental' });
}

function Pane({ kind, name, os }) {
  const ref = useRef(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    let handle = null;
    let alive = true;
    const [url, mount] = PANES[kind];
    import(url)
      .then((module) => {
        if (alive) handle = module[mount](ref.current, { vmName: name, token: currentToken(), os, fix: () => restartWithVnc(name) });
      })
      .catch((err) => alive && setError(String(err.message || err)));
    return () => {
      alive = false;
      handle?.dispose();
    };
  }, [kind, name]);
  if (error) return html`<div class="alert alert-error" role="alert">Could not load this view: ${error}</div>`;
  return html`<div ref=${ref} class="vm-pane"></div>`;
}

const TABS = [['details', 'Details', 'info'], ['console', 'Console', 'monitor'], ['terminal', 'Terminal', 'terminal'], ['serial', 'Serial', 'terminal']];

function Tabs({ tab, setTab, orchard }) {
  return html`<div class="detail-tabs" role="tablist" aria-label="VM views">
    ${TABS.filter(([id]) => !(orchard && id === 'serial')).map(([id, label, icon]) => html`<button key=${id} type="button" role="tab" id=${`tab-${id}`}
        class=${`btn btn-sm ${tab === id ? 'btn-secondary' : 'btn-ghost'}`} aria-selected=${tab === id}
        onClick=${() => setTab(id)}><${Icon} name=${icon} size=${14} />${label}</button>`)}
  </div>`;
}

export function Detail({ name, onClose }) {
  const [tab, setTab] = useState('details');
  const vm = useStore((s) => s.vms.find((v) => v.name === name), [name]);
  const loaded = useStore((s) => s.vmsLoaded);
  const busyTask = useStore((s) => Object.values(s.tasks).find((t) => t.vm === name && !FINAL.has(t.status)), [name]);
  const { title } = splitName(name);
  const version = vm ? `${vm.status}|${vm.state}|${vm.phase}|${vm.cpu}|${vm.memory}|${vm.disk_size}|${busyTask?.id || ''}` : '';

  if (!vm) {
    return html`<${Dialog} title=${title} subtitle=${name} onClose=${onClose} variant="drawer">
      <p class="muted">${loaded ? 'This VM is not in the inventory (it may have been deleted).' : 'Loading…'}</p>
    <//>`;
  }
  const busy = busyTask ? `${actionVerb(busyTask.action, 1)}…` : undefined;
  const orchard = vm.source === 'orchard'; // no local `tart run` log: its events are task logs
  const view = isBaseImage(vm) ? 'details' : tab;
  return html`<${Dialog} title=${title} subtitle=${name !== title ? name : null} onClose=${onClose} variant="drawer" size=${view === 'details' ? 'md' : 'wide'}>
    <div class="detail-status">
      <${VmBadge} vm=${vm} busy=${busy} />
      <${KindBadge} base=${isBaseImage(vm)} />
      ${vm.ip_address ? html`<span class="mono">${vm.ip_address}</span>` : null}
    </div>
    <${LifecycleActions} vm=${vm} busy=${busy} version=${version} />
    ${vm.throwaway ? html`<p class="throwaway-tag" role="note">A throwaway copy: the server deletes it when it stops.</p>` : html`<div class="actions"><${RunCopyButton} vm=${vm} /></div>`}
    ${isBaseImage(vm) ? null : html`<${Tabs} tab=${view} setTab=${setTab} orchard=${orchard} />`}
    ${view !== 'details' ? html`<div role="tabpanel" aria-labelledby=${`tab-${view}`}>
      <${Pane} key=${`${view}|${vm.status}`} kind=${view} name=${name} os=${vm.os} />
    </div>` : html`<section class="detail-section" aria-labelledby="conn-title">
      <h3 id="conn-title" class="section-title">Connect</h3>
      <${Connection} vm=${vm} />
    </section>
    ${vm.status === 'running' && !orchard ? html`<${UsageSection} vm=${vm} />` : null}
    ${isBaseImage(vm) ? null : html`<${NotesSection} vm=${vm} />`}
    ${isBaseImage(vm) ? null : html`<${StartOptionsSection} vm=${vm} version=${version} />`}
    ${isBaseImage(vm) ? null : html`<${ConfigSection} name=${name} version=${version} orchard=${orchard} />`}
    <${ShareSection} vm=${vm} />
    <section class="detail-section" aria-labelledby="inv-title">
      <h3 id="inv-title" class="section-title">Inventory</h3>
      <${Facts} rows=${[
        ['Source', vm.source],
        ['Disk size', gbLabel(vm.disk_size)],
        ['On disk', vm.size !== null && vm.size !== undefined ? `${vm.size} GB` : null],
        ['Last used', vm.accessed ? relativeTime(vm.accessed) : null],
        ['Digest', vm.digest ? html`<span class="mono break">${vm.digest}</span>` : null],
        ['Worker', vm.worker],
        ...(orchard ? [
          ['Orchard phase', vm.phase],
          ['Orchard says', vm.status_message],
          ['Image', vm.image ? html`<span class="mono break">${vm.image}</span>` : null],
          ['Tart VM on the worker', vm.local_name ? html`<span class="mono break">${vm.local_name}</span>` : null],
          ['Restarts', vm.restart_count],
          ['Created', vm.created_at ? relativeTime(vm.created_at) : null],
        ] : []),
      ]} />
    </section>
    ${isBaseImage(vm) || orchard ? null : html`<${RunLog} name=${name} version=${version} />`}
    <${VmTasks} name=${name} />`}
  <//>`;
}
