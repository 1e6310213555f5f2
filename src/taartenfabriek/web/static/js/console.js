// The VM's screen in the page: noVNC over `/ws/vms/<name>/vnc`, a socket our own server relays
// to the VM's VNC server. Which server that is, the server knows (the `tart run` log of
// `--vnc-experimental`, or the guest's Screen Sharing at its IP); the page only names the VM,
// and gets the VNC password from GET /api/vms/<name>/console, behind the token.
//
//   const handle = mountConsole(element, { vmName: 'dev', token });
//   ...; handle.dispose();
//
// Self-contained: plain DOM, noVNC loaded with import() on first use, styles in console.css.
// `element.dataset.state` is `loading`, `connecting`, `connected`, `unavailable` or `closed`
// (and `dataset.code` the reason's code), for the page and for tests.

const NOVNC = '/static/vendor/novnc-1.7.0/core/rfb.js';
const STYLES = '/static/js/console.css';
const RETRY_STARTING_MS = 1000;
const RETRY_STARTING_MAX = 15;

/** What each close code of the console socket means, when the server's reason is missing. */
export const CLOSE_TEXT = {
  1000: 'The connection was closed.',
  1006: 'The connection to the server was lost. Is taartenfabriek serve still running?',
  1008: 'The server refused the token: open the page again from the link `taartenfabriek serve` printed.',
  1009: 'A message was too large for the server.',
  4404: 'This VM no longer exists.',
  4408: 'The console was closed after a long time without activity.',
  4409: 'The VM is not running: start it to see its screen.',
  4410: 'The VM stopped.',
  4429: 'Too many consoles and terminals are open: close one first.',
  4502: 'The server could not reach the VM’s VNC server.',
  4503: 'The console is not available right now.',
};

export function loadStyles(href = STYLES) {
  const existing = document.querySelector(`link[data-console-styles="${href}"]`);
  if (existing) return existing._loaded || Promise.resolve();
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = href;
  link.dataset.consoleStyles = href;
  link._loaded = new Promise((resolve) => {
    link.addEventListener('load', resolve, { once: true });
    link.addEventListener('error', resolve, { once: true });
  });
  document.head.append(link);
  return link._loaded;
}

/** ws:// or wss:// URL of one of our socket paths, with the token. */
export function socketUrl(path, token, extra = {}) {
  const url = new URL(path, window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('token', token);
  for (const [key, value] of Object.entries(extra)) url.searchParams.set(key, String(value));
  return url.toString();
}

export function consoleInfoPath(vmName) {
  return `/api/vms/${encodeURIComponent(vmName)}/console`;
}

async function getJson(path, token, init = {}) {
  const response = await fetch(path, {
    cache: 'no-store',
    credentials: 'omit',
    ...init,
    headers: { Accept: 'application/json', 'X-Local-Token': token, ...(init.headers || {}) },
  });
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const detail = data && typeof data.detail === 'string' ? data.detail : `the server answered ${response.status}`;
    throw new Error(detail);
  }
  return data;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key in node && typeof value !== 'string') node[key] = value;
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

/** Toolbar, notice and screen: the frame both the console and the terminal use. */
export function frame(element, kind, label) {
  element.replaceChildren();
  element.classList.add('vm-pane', `vm-pane-${kind}`);
  const state = el('span', { class: 'vm-pane-state', role: 'status', 'aria-live': 'polite' });
  const spacer = el('span', { class: 'vm-pane-spacer' });
  const bar = el('div', { class: 'vm-pane-bar' }, el('span', { class: 'vm-pane-label', text: label }), state, spacer);
  const notice = el('div', { class: 'vm-pane-notice', role: 'alert', hidden: true });
  const screen = el('div', { class: 'vm-pane-screen' });
  element.append(bar, notice, screen);
  const button = (text, onClick, cls = 'btn btn-ghost btn-sm') => {
    const b = el('button', { type: 'button', class: cls, text });
    b.addEventListener('click', onClick);
    bar.append(b);
    return b;
  };
  const setState = (name, text, code = '') => {
    element.dataset.state = name;
    if (code) element.dataset.code = code;
    else delete element.dataset.code;
    state.textContent = text;
  };
  const showNotice = (text, tone = 'info', extra = null) => {
    notice.hidden = !text;
    notice.className = `vm-pane-notice vm-pane-notice-${tone}`;
    notice.replaceChildren(...(text ? [el('p', { text })] : []), ...(extra ? [extra] : []));
  };
  return { bar, notice, screen, button, setState, showNotice };
}

function closeText(event) {
  if (!event) return CLOSE_TEXT[1006];
  const reason = (event.reason || '').trim();
  if (reason && event.code >= 4000) return reason.charAt(0).toUpperCase() + reason.slice(1) + (/[.!?]$/.test(reason) ? '' : '.');
  return CLOSE_TEXT[event.code] || reason || `The connection closed (code ${event.code}).`;
}

const CODE_NAMES = {
  1008: 'token', 4404: 'not_found', 4408: 'idle', 4409: 'not_running', 4410: 'vm_stopped',
  4429: 'too_many', 4502: 'connect_failed', 4503: 'unavailable',
};

/** The fix for a screen that cannot be shown over Screen Sharing: Tart's own VNC server. */
const FIX_TEXT = 'Restart with Tart’s built-in VNC';
const FIX_HINT = 'It shuts the VM down and starts it again with the display vnc-experimental: Tart’s own VNC server, which needs neither an IP address nor Screen Sharing in the guest.';

export function mountConsole(element, { vmName, token, os = null, fix = null }) {
  const ui = frame(element, 'console', 'Screen');
  let rfb = null;
  let socket = null;
  let lastClose = null;
  let retryTimer = null;
  let retries = 0;
  let disposed = false;
  let info = null;

  const fullscreen = ui.button('Full screen', () => {
    if (document.fullscreenElement) document.exitFullscreen();
    else element.requestFullscreen?.().catch(() => {});
  });
  const reconnect = ui.button('Reconnect', () => connect(), 'btn btn-secondary btn-sm');
  fullscreen.hidden = true;

  function teardown() {
    clearTimeout(retryTimer);
    if (rfb) {
      const old = rfb;
      rfb = null;
      try {
        old.disconnect();
      } catch {
        /* already gone */
      }
    }
    socket = null;
    ui.screen.replaceChildren();
  }

  function credentialsForm() {
    const user = el('input', { class: 'input', name: 'username', autocomplete: 'username', value: info?.username || 'admin' });
    const pass = el('input', { class: 'input', name: 'password', type: 'password', autocomplete: 'current-password' });
    const save = el('button', { type: 'submit', class: 'btn btn-primary btn-sm', text: 'Save and connect' });
    const form = el('form', { class: 'vm-pane-form' },
      el('label', { class: 'field' }, el('span', { class: 'field-label', text: 'User name' }), user),
      el('label', { class: 'field' }, el('span', { class: 'field-label', text: 'Password' }), pass),
      save);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      save.disabled = true;
      try {
        await getJson(`${consoleInfoPath(vmName)}/credentials`, token, {
          method: 'PUT',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ username: user.value, password: pass.value }),
        });
        connect();
      } catch (error) {
        save.disabled = false;
        ui.showNotice(`Could not save: ${error.message}`, 'error', form);
      }
    });
    return form;
  }

  function fixButton() {
    if (typeof fix !== 'function') return null;
    const button = el('button', { type: 'button', class: 'btn btn-primary btn-sm', text: FIX_TEXT });
    button.addEventListener('click', async () => {
      button.disabled = true;
      ui.setState('loading', 'Restarting with Tart’s built-in VNC…');
      try {
        await fix();
      } finally {
        button.disabled = false;
      }
    });
    return el('div', { class: 'vm-pane-fix' }, el('p', { class: 'small', text: FIX_HINT }), button);
  }

  async function connect() {
    teardown();
    if (disposed) return;
    lastClose = null;
    ui.showNotice('');
    ui.setState('loading', 'Looking for the screen…');
    try {
      info = await getJson(consoleInfoPath(vmName), token);
    } catch (error) {
      ui.setState('unavailable', 'Not available', 'error');
      ui.showNotice(error.message, 'error');
      return;
    }
    if (disposed) return;
    // A Linux guest has no Screen Sharing: connecting would show a black box, then "the
    // connection was closed". The server's reason is shown instead, with the fix.
    const noScreenSharing = info.available && info.mode === 'vnc' && os === 'linux';
    if (noScreenSharing || (!info.available && info.code === 'no_ip')) {
      ui.setState('unavailable', 'Not available', noScreenSharing ? 'no_screen_sharing' : info.code);
      ui.showNotice(info.reason || CLOSE_TEXT[4503], 'warning', fixButton());
      return;
    }
    if (!info.available) {
      ui.setState('unavailable', 'Not available', info.code || 'unavailable');
      ui.showNotice(info.reason || CLOSE_TEXT[4503], info.code === 'starting' ? 'info' : 'warning');
      if (info.code === 'starting' && retries < RETRY_STARTING_MAX) {
        retries += 1;
        retryTimer = setTimeout(connect, RETRY_STARTING_MS);
      }
      return;
    }
    retries = 0;
    ui.setState('connecting', 'Connecting…');
    let RFB;
    try {
      [{ default: RFB }] = await Promise.all([import(NOVNC), loadStyles()]);
    } catch (error) {
      ui.setState('unavailable', 'Not available', 'load_failed');
      ui.showNotice(`The VNC viewer could not be loaded: ${error.message}`, 'error');
      return;
    }
    if (disposed) return;
    socket = new WebSocket(socketUrl(info.websocket, token));
    socket.addEventListener('close', (event) => {
      lastClose = event;
    });
    const credentials = { password: info.password || '' };
    if (info.username) credentials.username = info.username;
    const session = new RFB(ui.screen, socket, { credentials, shared: true });
    rfb = session;
    session.scaleViewport = true;
    session.resizeSession = false;
    session.focusOnClick = true;
    session.background = 'rgb(15, 15, 18)';
    session.addEventListener('connect', () => {
      if (rfb !== session) return;
      const where = info.mode === 'vnc' ? 'Screen Sharing of the guest' : 'Tart’s VNC server';
      ui.setState('connected', `Connected · ${where} · ${info.address}`);
      fullscreen.hidden = false;
      session.focus({ preventScroll: true });
    });
    session.addEventListener('credentialsrequired', () => session.sendCredentials(credentials));
    session.addEventListener('securityfailure', (event) => {
      if (rfb !== session) return;
      const why = event.detail?.reason ? `: ${event.detail.reason}` : '';
      if (info.mode === 'vnc') {
        ui.showNotice(`The guest refused user “${info.username}”${why}. Enter the VM’s user name and password (stored on this Mac, readable only by you):`, 'warning', credentialsForm());
      } else {
        ui.showNotice(`VNC authentication failed${why}.`, 'error');
      }
    });
    session.addEventListener('disconnect', () => {
      if (rfb !== session) return;
      rfb = null;
      fullscreen.hidden = true;
      const code = lastClose ? CODE_NAMES[lastClose.code] || String(lastClose.code) : 'lost';
      if (element.dataset.state === 'connected' || !ui.notice.textContent) {
        ui.showNotice(closeText(lastClose), lastClose?.code === 1000 ? 'info' : 'warning');
      }
      ui.setState('closed', 'Disconnected', code);
    });
  }

  connect();
  return {
    reconnect: connect,
    get rfb() {
      return rfb;
    },
    dispose() {
      disposed = true;
      teardown();
      reconnect.remove();
      element.replaceChildren();
    },
  };
}
