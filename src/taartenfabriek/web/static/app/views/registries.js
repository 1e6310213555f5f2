// Settings → Registries: log in to a private registry (`tart login`, the password on its
// stdin) and out again. Tart keeps the credentials; the server lists the hosts it logged in to.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { api } from '../api.js';
import { setState, toast, useStore } from '../state.js';
import { Field, FormError, described, errorsFor } from '../components/field.js';
import { Icon } from '../components/icons.js';

export function Registries() {
  const local = useStore((s) => s.health?.backend !== 'orchard');
  const [list, setList] = useState(null);
  const [loadError, setLoadError] = useState(null);
  const [form, setForm] = useState({ host: '', username: '', password: '', insecure: false });
  const [errors, setErrors] = useState({});
  const [formError, setFormError] = useState(null);
  const [busy, setBusy] = useState(false);

  const show = (registries) => {
    setList(registries);
    setState({ registries });
  };
  useEffect(() => {
    if (!local) return;
    api('/api/registries').then((data) => show(data.registries)).catch((e) => setLoadError(e.message));
  }, [local]);
  if (!local) return null;

  const edit = (key) => (e) => {
    const value = e.currentTarget.type === 'checkbox' ? e.currentTarget.checked : e.currentTarget.value;
    setForm((f) => ({ ...f, [key]: value }));
    setErrors({});
  };

  const login = async (event) => {
    event.preventDefault();
    const missing = ['host', 'username', 'password'].find((k) => !String(form[k]).trim());
    if (missing) {
      setErrors({ [missing]: `Fill in the ${missing === 'username' ? 'user name' : missing}.` });
      return;
    }
    setBusy(true);
    setFormError(null);
    try {
      const registry = await api('/api/registries/login', { method: 'POST', body: { ...form, host: form.host.trim(), username: form.username.trim() } });
      setForm({ host: '', username: '', password: '', insecure: false });
      show([...(list || []).filter((r) => r.host !== registry.host), registry].sort((a, b) => a.host.localeCompare(b.host)));
      toast(`Logged in to ${registry.host} as ${registry.username}`, 'success');
    } catch (err) {
      const fields = errorsFor(err, ['host', 'username', 'password']);
      setErrors(fields);
      setFormError(Object.keys(fields).length ? null : err.message);
      setForm((f) => ({ ...f, password: '' }));
      api('/api/registries').then((data) => show(data.registries)).catch(() => {});
    } finally {
      setBusy(false);
    }
  };

  const logout = async (host) => {
    try {
      const data = await api(`/api/registries/${encodeURIComponent(host)}/logout`, { method: 'POST', body: {} });
      show(data.registries);
      toast(`Logged out of ${host}`, 'success');
    } catch (err) {
      toast(err.message, 'error', 10000);
    }
  };

  return html`<section class="settings-section" aria-labelledby="reg-title">
    <h3 id="reg-title" class="section-title"><${Icon} name="upload" size=${15} />Registries</h3>
    <p class="muted small">Log in to push images to a private registry or pull from one. Tart keeps the password (in the login Keychain); this server only remembers the host and user name.</p>
    ${loadError ? html`<div class="alert alert-error" role="alert">${loadError}</div>` : null}
    ${list && list.length
      ? html`<ul class="registry-list">${list.map((r) => html`<li key=${r.host} data-host=${r.host}>
          <span class="mono">${r.host}</span> <span class="muted small">as ${r.username}</span>
          <button type="button" class="btn btn-ghost btn-sm" aria-label=${`Log out of ${r.host}`} onClick=${() => logout(r.host)}>Log out</button>
        </li>`)}</ul>`
      : list ? html`<p class="muted small" data-testid="no-registries">No logins made here yet.</p>` : null}
    <form class="form" onSubmit=${login} noValidate aria-label="Log in to a registry">
      <${Field} id="reg-host" label="Registry host" error=${errors.host} hint="Such as ghcr.io or registry.example.com:5000.">
        <input id="reg-host" class="input mono" value=${form.host} autocomplete="off" spellcheck="false" onInput=${edit('host')}
          ...${described('reg-host', { error: errors.host, hint: true })} />
      <//>
      <${Field} id="reg-user" label="User name" error=${errors.username}>
        <input id="reg-user" class="input" value=${form.username} autocomplete="username" spellcheck="false" onInput=${edit('username')}
          ...${described('reg-user', { error: errors.username })} />
      <//>
      <${Field} id="reg-password" label="Password or token" error=${errors.password}>
        <input id="reg-password" class="input mono" type="password" value=${form.password} autocomplete="current-password" onInput=${edit('password')}
          ...${described('reg-password', { error: errors.password })} />
      <//>
      <label class="check"><input type="checkbox" checked=${form.insecure} onChange=${edit('insecure')} /> Plain HTTP (a registry without TLS)</label>
      <${FormError} error=${formError} />
      <div><button type="submit" class="btn btn-primary btn-sm" disabled=${busy}>${busy ? 'Logging in…' : 'Log in'}</button></div>
    </form>
  </section>`;
}
