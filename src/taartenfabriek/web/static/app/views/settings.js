// Settings: the GitHub token (for the image catalog), Tart's version, the server, and this
// browser's copy of the API token.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { api } from '../api.js';
import { loadTart, stopLive } from '../data.js';
import { setState, toast, useStore } from '../state.js';
import { clearToken, TOKEN_FILE } from '../token.js';
import { Dialog } from '../components/dialog.js';
import { Field, FormError, described, errorsFor } from '../components/field.js';
import { CopyField } from '../components/copy.js';
import { Icon } from '../components/icons.js';
import { StartAtLogin } from './startlogin.js';
import { Registries } from './registries.js';

function GitHubToken() {
  const [status, setStatus] = useState(null);
  const [loadError, setLoadError] = useState(null);
  const [value, setValue] = useState('');
  const [error, setError] = useState(null);
  const [formError, setFormError] = useState(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api('/api/settings/github-token').then(setStatus).catch((e) => setLoadError(e.message));
  }, []);

  const save = async (token) => {
    setBusy(true);
    setFormError(null);
    try {
      const next = await api('/api/settings/github-token', { method: 'POST', body: { token } });
      setStatus(next);
      setValue('');
      setError(null);
      toast(token ? 'GitHub token saved' : 'GitHub token cleared', 'success');
    } catch (err) {
      const fields = errorsFor(err, ['token']);
      setError(fields.token || null);
      setFormError(fields.token ? null : err.message);
    } finally {
      setBusy(false);
    }
  };

  const submit = (event) => {
    event.preventDefault();
    const token = value.trim();
    if (!token) {
      setError('Paste a token to save, or use Clear to remove the saved one.');
      return;
    }
    save(token);
  };

  return html`<section class="settings-section" aria-labelledby="gh-title">
    <h3 id="gh-title" class="section-title"><${Icon} name="key" size=${15} />GitHub token</h3>
    <p class="muted small">Lets the server list Cirrus Labs' images (GitHub Packages API). A classic token with <code>read:packages</code> is enough. It is stored on this Mac with mode 0600 and never shown again.</p>
    ${loadError ? html`<div class="alert alert-error" role="alert">${loadError}</div>` : null}
    ${status
      ? html`<div class="token-status" data-configured=${String(status.configured)}>
          ${status.configured
            ? html`<span class="badge badge-running"><span class="dot" aria-hidden="true"></span>Configured</span>
                <code class="mono masked">${status.masked_token}</code>
                ${status.source === 'environment' ? html`<span class="muted small">from TARTVM_GITHUB_TOKEN (it overrides a saved token)</span>` : null}`
            : html`<span class="badge badge-stopped"><span class="dot" aria-hidden="true"></span>Not configured</span>`}
        </div>`
      : null}
    <form class="form" onSubmit=${submit} noValidate>
      <${Field} id="gh-token" label=${status?.configured ? 'Replace the token' : 'Token'} error=${error}>
        <div class="input-group">
          <input id="gh-token" class="input mono" type="password" value=${value} placeholder="ghp_…" autocomplete="off"
            spellcheck="false" onInput=${(e) => { setValue(e.currentTarget.value); setError(null); }}
            ...${described('gh-token', { error })} />
          <button type="submit" class="btn btn-primary" disabled=${busy}>Save</button>
        </div>
      <//>
      <${FormError} error=${formError} />
      ${status?.configured
        ? html`<div><button type="button" class="btn btn-secondary btn-sm" disabled=${busy} onClick=${() => save('')}>Clear the saved token</button></div>`
        : null}
    </form>
  </section>`;
}

function About() {
  const tart = useStore((s) => s.tart);
  const health = useStore((s) => s.health);
  useEffect(() => {
    loadTart();
  }, []);
  return html`<section class="settings-section" aria-labelledby="about-title">
    <h3 id="about-title" class="section-title"><${Icon} name="info" size=${15} />Tart and server</h3>
    <dl class="facts">
      <div class="fact"><dt>${health?.backend === 'orchard' ? 'Orchard controller' : 'Tart'}</dt><dd data-testid="tart-version">${tart.version
        ? html`<span class="mono">${tart.version}</span>`
        : tart.missing ? html`<span class="text-error">not installed</span>` : html`<span class="muted">${tart.error || 'checking…'}</span>`}</dd></div>
      <div class="fact"><dt>Server</dt><dd data-testid="server-version"><span class="mono">${health?.version || '—'}</span></dd></div>
      <div class="fact"><dt>Backend</dt><dd>${health?.backend || '—'}${health?.demo ? html` <span class="pill pill-demo">Demo</span>` : null}</dd></div>
    </dl>
    ${tart.missing
      ? html`<p class="small">Install Tart with:</p><${CopyField} value="brew install cirruslabs/cli/tart" label="install command" />
          <p class="small muted">Or run <code>taartenfabriek serve --demo</code> to try the app with simulated VMs.</p>`
      : null}
    <p class="small"><a href="/docs" target="_blank" rel="noopener">API documentation <${Icon} name="external" size=${12} /></a></p>
  </section>`;
}

function ThisBrowser() {
  const forget = () => {
    stopLive();
    clearToken();
    window.history.replaceState(null, '', window.location.pathname);
    setState({ auth: 'missing', authMessage: '', route: { name: 'home' }, vms: [], vmsLoaded: false, tasks: {} });
  };
  return html`<section class="settings-section" aria-labelledby="browser-title">
    <h3 id="browser-title" class="section-title"><${Icon} name="logout" size=${15} />This browser</h3>
    <p class="muted small">The API token is kept in this browser's local storage for this address. The server's copy is in <code>${TOKEN_FILE}</code>.</p>
    <button type="button" class="btn btn-secondary btn-sm" onClick=${forget}>Forget the API token</button>
  </section>`;
}

export function Settings({ onClose }) {
  return html`<${Dialog} title="Settings" onClose=${onClose} variant="drawer">
    <${GitHubToken} />
    <${Registries} />
    <${About} />
    <${StartAtLogin} />
    <${ThisBrowser} />
  <//>`;
}
