// A shell in the VM, in the page: xterm.js over `/ws/vms/<name>/terminal`, where the server runs
// `tart exec -i -t <name> <login shell>` on a pseudo-terminal. Keys go up as binary frames,
// output comes down as binary frames; resizes go up as `{"type":"resize","cols","rows"}`; the
// server ends with `{"type":"exit","code":N}` or `{"type":"error","code","message"}` and a close.
//
//   const handle = mountTerminal(element, { vmName: 'dev', token });
//   ...; handle.dispose();
//
// `element.dataset.state`: `loading`, `connected`, `exited`, `unavailable` or `closed`.
//
// `mountSerial` is the same pane on `/ws/vms/<name>/serial`: the guest's serial console, a pty
// the server made for a run started with the start option Serial console (Linux guests).

import { CLOSE_TEXT, frame, loadStyles, socketUrl } from './console.js';

const XTERM = '/static/vendor/xterm-6.0.0.module.js';
const FIT = '/static/vendor/xterm-addon-fit-0.11.0.module.js';
const XTERM_CSS = '/static/vendor/xterm-6.0.0.css';

const EXPLAIN = {
  not_running: 'Start the VM, then reconnect.',
  no_agent: 'The terminal runs commands through the Tart Guest Agent (tart exec).',
  vm_stopped: 'The VM stopped, and the shell with it.',
  idle: 'Nothing was typed or printed for a long time.',
  no_serial: 'Stop the VM and start it with the start option Serial console.',
};

const KINDS = {
  terminal: { label: 'Shell', loading: 'Starting a shell…', connected: (name) => `Connected · tart exec ${name}` },
  serial: { label: 'Serial', loading: 'Connecting to the serial console…', connected: () => 'Connected · serial console (hvc0)' },
};

// --- xterm.js under this page's Content-Security-Policy --------------------------------------
// xterm.js puts its theme and cell sizes in <style> elements and true colours in style
// attributes; the page's policy (style-src 'self') refuses both when they come from markup.
// While a terminal is open, a script's <style> becomes a hidden stand-in whose text is applied
// through a constructed stylesheet, and a script's setAttribute('style') goes through the
// CSSOM (element.style). Both are what scripts may do anyway: markup injected into the page
// still cannot style itself.
let open = 0;
let restore = null;

function allowScriptStyles() {
  open += 1;
  if (open > 1) return;
  const createElement = Document.prototype.createElement;
  const setAttribute = Element.prototype.setAttribute;
  const sheets = [];
  Document.prototype.createElement = function (tag, options) {
    if (String(tag).toLowerCase() !== 'style' || this !== document) return createElement.call(this, tag, options);
    const standIn = createElement.call(this, 'xterm-style');
    standIn.hidden = true;
    const sheet = new CSSStyleSheet();
    sheets.push(sheet);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    new MutationObserver(() => sheet.replaceSync(standIn.textContent || '')).observe(standIn, {
      childList: true, characterData: true, subtree: true,
    });
    return standIn;
  };
  Element.prototype.setAttribute = function (name, value) {
    if (name === 'style' && this instanceof HTMLElement) {
      this.style.cssText = String(value);
      return;
    }
    setAttribute.call(this, name, value);
  };
  restore = () => {
    Document.prototype.createElement = createElement;
    Element.prototype.setAttribute = setAttribute;
    document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => !sheets.includes(s));
  };
}

function releaseScriptStyles() {
  open -= 1;
  if (open === 0 && restore) {
    restore();
    restore = null;
  }
}

function theme() {
  return {
    background: '#0f0f12', foreground: '#e4e4e7', cursor: '#a5b4fc', selectionBackground: '#3f3f46',
  };
}

export function mountSerial(element, options) {
  return mountTerminal(element, { ...options, kind: 'serial' });
}

export function mountTerminal(element, { vmName, token, kind = 'terminal' }) {
  const words = KINDS[kind];
  const ui = frame(element, kind, words.label);
  let term = null;
  let fit = null;
  let socket = null;
  let observer = null;
  let disposed = false;
  let styled = false;
  const encoder = new TextEncoder();

  const reconnect = ui.button('Reconnect', () => connect(), 'btn btn-secondary btn-sm');
  // Not a keyboard trap: the shell takes every key (Tab and Escape included), except
  // Ctrl+Shift+Escape, which moves focus out of it, to this toolbar (WCAG 2.1.2).
  const hint = document.createElement('span');
  hint.className = 'vm-pane-hint';
  hint.id = `terminal-leave-${vmName.replace(/[^\w-]/g, '_')}`;
  hint.textContent = 'Ctrl+Shift+Esc leaves the terminal';
  ui.bar.insertBefore(hint, reconnect);

  function teardown() {
    observer?.disconnect();
    observer = null;
    if (socket) {
      const old = socket;
      socket = null;
      old.close(1000);
    }
    if (term) {
      term.dispose();
      term = null;
    }
    ui.screen.replaceChildren();
  }

  async function connect() {
    teardown();
    if (disposed) return;
    ui.showNotice('');
    ui.setState('loading', words.loading);
    let Terminal;
    let FitAddon;
    try {
      [{ Terminal }, { FitAddon }] = await Promise.all([
        import(XTERM), import(FIT), loadStyles(XTERM_CSS), loadStyles(),
      ]);
    } catch (error) {
      ui.setState('unavailable', 'Not available', 'load_failed');
      ui.showNotice(`The terminal could not be loaded: ${error.message}`, 'error');
      return;
    }
    if (disposed) return;
    if (!styled) {
      allowScriptStyles();
      styled = true;
    }
    term = new Terminal({
      cursorBlink: true,
      fontFamily: 'ui-monospace, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace',
      fontSize: 13,
      scrollback: 5000,
      theme: theme(),
    });
    fit = new FitAddon();
    term.loadAddon(fit);
    term.open(ui.screen);
    term.attachCustomKeyEventHandler((event) => {
      if (event.key === 'Escape' && event.ctrlKey && event.shiftKey) {
        if (event.type === 'keydown') {
          event.preventDefault();
          reconnect.focus();
        }
        return false; // not sent to the shell
      }
      return true;
    });
    term.textarea?.setAttribute('aria-describedby', hint.id);
    fit.fit();
    const current = term;
    const ws = new WebSocket(socketUrl(`/ws/vms/${encodeURIComponent(vmName)}/${kind}`, token, {
      cols: term.cols, rows: term.rows,
    }));
    ws.binaryType = 'arraybuffer';
    socket = ws;
    let ended = false;
    ws.addEventListener('open', () => {
      if (socket !== ws) return;
      ui.setState('connected', words.connected(vmName));
      current.focus();
    });
    ws.addEventListener('message', (event) => {
      if (socket !== ws) return;
      if (typeof event.data !== 'string') {
        current.write(new Uint8Array(event.data));
        return;
      }
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (message.type === 'exit') {
        ended = true;
        current.write(`\r\n\x1b[2m[the shell ended with exit code ${message.code}]\x1b[0m\r\n`);
        ui.setState('exited', `Ended (exit code ${message.code})`, 'exit');
      } else if (message.type === 'error') {
        ended = true;
        const hint = EXPLAIN[message.code];
        ui.showNotice(hint ? `${message.message} ${hint}` : message.message, 'warning');
        ui.setState('closed', 'Disconnected', message.code);
      }
    });
    ws.addEventListener('close', (event) => {
      if (socket !== ws) return;
      socket = null;
      if (!ended) {
        const reason = event.reason || CLOSE_TEXT[event.code] || `The connection closed (code ${event.code}).`;
        ui.showNotice(reason, 'warning');
        ui.setState('closed', 'Disconnected', String(event.code));
      }
    });
    const send = (data) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(data);
    };
    current.onData((data) => send(encoder.encode(data)));
    current.onBinary((data) => send(Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xff)));
    current.onResize(({ cols, rows }) => send(JSON.stringify({ type: 'resize', cols, rows })));
    observer = new ResizeObserver(() => {
      try {
        fit.fit();
      } catch {
        /* hidden (0 x 0): keep the last size */
      }
    });
    observer.observe(ui.screen);
  }

  connect();
  return {
    reconnect: connect,
    get terminal() {
      return term;
    },
    dispose() {
      disposed = true;
      teardown();
      if (styled) releaseScriptStyles();
      element.replaceChildren();
    },
  };
}
