// Shown when this browser has no token (or the server refused it): ask for the token and say
// where to find it. No VM data is loaded until the server accepts it.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { useStore } from '../state.js';
import { Logo } from '../components/icons.js';
import { Field, described } from '../components/field.js';
import { TOKEN_FILE, currentToken, saveToken } from '../token.js';
import { connect } from '../data.js';

export function TokenPage() {
  const auth = useStore((s) => s.auth);
  const message = useStore((s) => s.authMessage);
  const [value, setValue] = useState('');
  const [error, setError] = useState('');
  const [show, setShow] = useState(false);

  const submit = async (event) => {
    event.preventDefault();
    const token = value.trim();
    if (!token) {
      setError('Paste the token first.');
      return;
    }
    setError('');
    saveToken(token);
    await connect({ fromGate: true, typed: true });
  };

  const offline = auth === 'offline';
  const rejected = auth === 'rejected';
  const stored = Boolean(currentToken());

  useEffect(() => {
    // The server may be restarting: with a token in hand, keep trying every few seconds.
    if (!offline || !stored) return undefined;
    const timer = setInterval(() => connect({ fromGate: true }), 5000);
    return () => clearInterval(timer);
  }, [offline, stored]);
  return html`<main class="gate" id="main">
    <form class="gate-card" onSubmit=${submit} noValidate>
      <div class="gate-brand"><${Logo} size=${36} /><span>de taartenfabriek</span></div>
      <h1 class="gate-title">${offline ? 'Cannot reach the server' : 'Connect to this server'}</h1>
      ${rejected
        ? html`<div class="alert alert-error" role="alert">${message || 'The server refused the token.'}</div>`
        : null}
      ${offline
        ? html`<div class="alert alert-warning" role="alert">
            ${message}${stored ? ' Trying again every few seconds.' : ''}
            ${stored ? html`<div><button type="button" class="link" onClick=${() => connect({ fromGate: true })}>Try now</button></div>` : null}
          </div>`
        : null}
      <p class="gate-text">
        This app controls the virtual machines on this Mac, so it needs the local API token.
        Open the address that <code>taartenfabriek serve</code> printed (it ends in <code>?token=…</code>),
        or paste the token here.
      </p>
      <${Field} id="token-input" label="API token" error=${error}
          hint=${html`Stored in <code>${TOKEN_FILE}</code>; <code>taartenfabriek token</code> prints it.`}>
        <div class="input-group">
          <input id="token-input" class="input mono" type=${show ? 'text' : 'password'} value=${value}
            onInput=${(e) => setValue(e.currentTarget.value)} autocomplete="off" spellcheck="false"
            autofocus ...${described('token-input', { error, hint: true })} />
          <button type="button" class="btn btn-ghost btn-sm" onClick=${() => setShow(!show)}
            aria-pressed=${show}>${show ? 'Hide' : 'Show'}</button>
        </div>
      <//>
      <button type="submit" class="btn btn-primary btn-block" disabled=${auth === 'verifying'}>
        ${auth === 'verifying' ? 'Checking…' : 'Connect'}
      </button>
      <p class="gate-foot muted small">The token stays in this browser (local storage for this address) and is sent only to this server.</p>
    </form>
  </main>`;
}
