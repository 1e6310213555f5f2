// Settings › Start at login: whether a LaunchAgent starts this server when you log in
// (`GET /api/settings/start-at-login`, read-only), and the terminal commands that change it.
// Installing stays a terminal command on purpose: a web page should not be able to make a
// program run at every login.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { api } from '../api.js';
import { shellLine } from '../format.js';
import { CopyField } from '../components/copy.js';
import { Icon } from '../components/icons.js';

function Status({ info }) {
  if (info.installed && info.matches) {
    return html`<span class="badge badge-running" data-state="on"><span class="dot" aria-hidden="true"></span>On</span>
      <span class="small">This server starts when you log in${info.started_at_login ? ' (and this one was started that way)' : ''}.</span>`;
  }
  if (info.installed) {
    return html`<span class="badge badge-suspended" data-state="other"><span class="dot" aria-hidden="true"></span>Another server</span>
      <span class="small">The LaunchAgent starts a server on port ${info.port ?? '?'}${info.home ? html` with <code>${info.home}</code>` : null}, not this one. Install again to switch it to this one.</span>`;
  }
  return html`<span class="badge badge-stopped" data-state="off"><span class="dot" aria-hidden="true"></span>Off</span>
    <span class="small">Start the server yourself with <code>taartenfabriek serve</code>, or let macOS start it at login.</span>`;
}

export function StartAtLogin() {
  const [info, setInfo] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    api('/api/settings/start-at-login')
      .then(setInfo)
      .catch((err) => setError(err.status === 404 || err.status === 405 ? 'Not available on this server.' : err.message));
  }, []);
  const commands = info
    ? [
        !info.installed || !info.matches ? ['Start at login', info.install_command] : null,
        info.installed ? ['Stop starting at login', info.uninstall_command] : null,
        ['Check', info.status_command],
        ['Open this page from a terminal', info.open_command],
      ].filter(Boolean)
    : [];
  return html`<section class="settings-section" aria-labelledby="login-title" data-testid="start-at-login">
    <h3 id="login-title" class="section-title"><${Icon} name="power" size=${15} />Start at login</h3>
    ${error ? html`<p class="muted small">${error}</p>` : null}
    ${!info && !error ? html`<p class="muted small" role="status">Checking…</p>` : null}
    ${info
      ? html`<div class="token-status login-status"><${Status} info=${info} /></div>
        ${info.supported
          ? null
          : html`<p class="muted small">LaunchAgents are a macOS feature and this server is not running on macOS; the commands below are for a Mac.</p>`}
        <p class="muted small">A LaunchAgent (<code class="break">${info.plist}</code>) runs the server when you log in and restarts it if it crashes.
          It is changed at a terminal, not from this page, so that no web page can make a program start at every login.</p>
        <div class="connect">
          ${commands.map(([label, argv]) => html`<div key=${label} class="connect-row">
            <span class="connect-label">${label}</span><${CopyField} value=${shellLine(argv)} label=${`command: ${label}`} />
          </div>`)}
        </div>`
      : null}
  </section>`;
}
