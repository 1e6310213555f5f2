// Loading and live updates: the inventory (polled every second, a 304 while it did not change,
// and after each task),
// health, Tart's version, and the tasks (each followed over its WebSocket until it ends).
import { answer, api, isTokenRefusal, onAuthFailure, vmPath } from './api.js';
import { getState, setState, toast, updateTask } from './state.js';
import { followTask } from './ws.js';
import { FINAL, actionVerb } from './format.js';
import { clearToken, currentToken } from './token.js';
import { takeEarly } from './early.js';

// The server notices changes made outside it (a `tart` at a terminal) within about a second;
// a poll while nothing changed is a 304 without a body (the inventory's ETag).
const VM_POLL_MS = 1000;
const HIDDEN_POLL_MS = 30000;
const HEALTH_POLL_MS = 15000;
const HISTORY_LIMIT = 20;

let lastInventory = '';
let inventoryTag = null;
let vmTimer = null;
let healthTimer = null;
let running = false;
const followers = new Map();
const waiters = new Map(); // task id -> resolve functions of whenDone()

/** A promise of the task's final state (resolved when its follower sees it end). */
export function whenDone(id) {
  const known = getState().tasks[id];
  if (known && FINAL.has(known.status)) return Promise.resolve(known);
  return new Promise((resolve) => {
    waiters.set(id, [...(waiters.get(id) || []), resolve]);
  });
}

/** Replace the inventory, keeping the identity of every VM that did not change, so that
 * memoised cards and rows skip re-rendering on each poll. */
function setInventory(data) {
  const vms = Array.isArray(data) ? data : [];
  if (!getState().vmsLoaded) {
    // The first inventory has nothing to be compared with: show it first, and write down
    // its text (~10 ms at 1,000 VMs) for the next poll after it rendered.
    lastInventory = '';
    setState({ vms, vmsLoaded: true });
    setTimeout(() => {
      if (getState().vms === vms) lastInventory = JSON.stringify(vms);
    }, 0);
    return;
  }
  const text = JSON.stringify(vms);
  if (text === lastInventory && getState().vmsLoaded) return;
  lastInventory = text;
  const previous = new Map(getState().vms.map((vm) => [vm.name, vm]));
  const merged = vms.map((vm) => {
    const old = previous.get(vm.name);
    return old && JSON.stringify(old) === JSON.stringify(vm) ? old : vm;
  });
  setState({ vms: merged, vmsLoaded: true });
}

const PROBE_MS = 1000;
let probeTimer = null;

/** The server's reachability: going away starts a probe every second, so that coming back
 * reloads everything at once (not at the next inventory or health poll). */
function noteReachable(error) {
  const offline = error?.status === 0;
  if (Boolean(getState().offline) === offline) return;
  setState({ offline, offlineSince: offline ? Date.now() : null });
  if (offline) probe();
  else reconnected();
}

function probe() {
  clearTimeout(probeTimer);
  probeTimer = setTimeout(async () => {
    if (!running || !getState().offline) return;
    try {
      const health = await api('/api/health');
      setState({ health });
      noteReachable(null);
    } catch (error) {
      if (error?.status === 0) probe();
      else noteReachable(null); // it answered (even a refusal): api() reports the rest
    }
  }, PROBE_MS);
}

function reconnected() {
  clearTimeout(probeTimer);
  if (!running) return;
  loadVms();
  loadHealth();
  loadTart();
  loadTasks();
  schedule();
}

/** `GET /api/vms`, or undefined when it did not change since the last answer (304). */
async function fetchInventory() {
  const headers = { Accept: 'application/json', 'X-Local-Token': currentToken() };
  if (inventoryTag && getState().vmsLoaded) headers['If-None-Match'] = inventoryTag;
  const request = fetch('/api/vms', { headers, cache: 'no-store', credentials: 'omit' });
  const response = await request.catch(() => null);
  if (response?.status === 304) return undefined;
  inventoryTag = response?.ok ? response.headers.get('ETag') : null;
  return answer(request);
}

export async function loadVms() {
  try {
    const vms = await fetchInventory();
    if (vms !== undefined) setInventory(vms);
    noteReachable(null);
    if (getState().vmsError) setState({ vmsError: null });
  } catch (error) {
    noteReachable(error);
    setState({ vmsError: error.message });
  }
}

/** `POST /api/vms/refresh`: Tart is asked again (`tart list`, `tart ip`). */
export async function refreshVms() {
  setState({ refreshing: true });
  try {
    setInventory(await api('/api/vms/refresh', { method: 'POST', body: {} }));
    setState({ vmsError: null });
    if (getState().tart.missing) loadTart(); // installed since? the banner goes away
  } catch (error) {
    toast(`Refresh failed: ${error.message}`, 'error', 8000);
  } finally {
    setState({ refreshing: false });
    loadHealth(); // a failed refresh marks the inventory stale: its banner shows at once
  }
}

export async function loadHealth() {
  try {
    setState({ health: await api('/api/health') });
    noteReachable(null);
  } catch (error) {
    noteReachable(error);
  }
}

export async function loadTart() {
  try {
    const { version } = await api('/api/tart/version');
    setState({ tart: { version, missing: false, error: null } });
  } catch (error) {
    const missing = error.status === 503;
    setState({ tart: { version: null, missing, error: error.message } });
  }
}

export async function loadTasks() {
  const [active, recent] = await Promise.allSettled([
    api('/api/tasks/active'),
    api(`/api/tasks?limit=${HISTORY_LIMIT}`),
  ]);
  if (active.status === 'rejected') noteReachable(active.reason);
  const tasks = { ...getState().tasks };
  for (const result of [recent, active]) {
    if (result.status !== 'fulfilled' || !Array.isArray(result.value)) continue;
    for (const task of result.value) tasks[task.id] = task;
  }
  setState({ tasks });
  for (const task of Object.values(tasks)) if (!FINAL.has(task.status)) follow(task);
}

/** Tasks started elsewhere (another tab, curl, a script) appear and are followed too; the
 * newest few are asked for, so that even a task that ended between two polls shows up. */
async function pickUpTasks() {
  try {
    const recent = await api('/api/tasks?limit=5');
    if (!Array.isArray(recent)) return;
    const known = getState().tasks;
    for (const task of recent) if (!known[task.id]) follow(task);
  } catch {
    /* reported by the inventory poll */
  }
}

function announce(task) {
  const name = task.vm || task.result?.name || '';
  if (task.status === 'completed' && task.action === 'rename') {
    toast(`Renamed ${name} to ${task.result?.name || 'its new name'}`, 'success');
  } else if (task.status === 'completed' && task.action === 'delete') {
    toast(`Deleted ${name}`, 'success');
  } else if (task.status === 'completed') {
    const ip = task.result?.ip_address;
    const tail = ip ? ` — ${ip}` : '';
    toast(`${actionVerb(task.action, 2)} ${name}${tail}`, 'success');
  } else if (task.status === 'failed' && task.cancelled) {
    toast(`${actionVerb(task.action)} ${name} was cancelled`, 'info');
  } else if (task.status === 'failed') {
    // The reason is shown once, in the task (Activity); the notice only points there.
    toast(`${actionVerb(task.action)} ${name} failed: see Activity`, 'error', 10000);
  }
}

/** Follow a task until it ends; then reload the inventory so its effect shows at once. */
export function follow(task) {
  updateTask(task);
  if (FINAL.has(task.status) || followers.has(task.id)) return;
  const stop = followTask(task.id, {
    onTask: updateTask,
    onDone: (final) => {
      followers.delete(task.id);
      announce(final);
      loadVms();
      for (const resolve of waiters.get(task.id) || []) resolve(final);
      waiters.delete(task.id);
    },
    onGone: () => followers.delete(task.id),
    onAuth: () => rejectToken(),
  });
  followers.set(task.id, stop);
}

/** POST (or PATCH) an action; the answer is a Task that we follow. Errors reach the caller. */
export async function submit(path, body = {}, method = 'POST') {
  const task = await api(path, { method, body });
  follow(task);
  return task;
}

export const actions = {
  start: (name) => submit(vmPath(name, 'start')),
  stop: (name) => submit(vmPath(name, 'stop')),
  /** Ask the guest to shut down (Tart's SIGUSR2 path); the server waits `timeout` seconds. */
  shutdown: (name, timeout) => submit(vmPath(name, 'shutdown'), { timeout }),
  delete: (name) => submit(vmPath(name, 'delete')),
  clone: (name, body) => submit(vmPath(name, 'clone'), body),
  create: (body) => submit('/api/vms/create', body),
  pull: (ociUrl) => submit('/api/vms/pull', { oci_url: ociUrl }),
  cancel: (id) => api(`/api/tasks/${encodeURIComponent(id)}/cancel`, { method: 'POST', body: {} }).then(updateTask),
};

function schedule() {
  if (!running) return;
  clearTimeout(vmTimer);
  const delay = document.hidden ? HIDDEN_POLL_MS : VM_POLL_MS;
  vmTimer = setTimeout(async () => {
    await Promise.all([loadVms(), pickUpTasks()]);
    schedule();
  }, delay);
}

function onVisibility() {
  if (!running || document.hidden) return;
  loadVms();
  schedule();
}

export function stopLive() {
  running = false;
  clearTimeout(vmTimer);
  clearTimeout(probeTimer);
  clearInterval(healthTimer);
  for (const stop of followers.values()) stop();
  followers.clear();
  document.removeEventListener('visibilitychange', onVisibility);
}

function rejectToken(message) {
  stopLive();
  clearToken();
  setState({
    auth: 'rejected',
    authMessage:
      message ||
      'The server refused the saved token. It may have been rotated (taartenfabriek token --rotate) or belong to another server. Paste the current one.',
  });
}

const PENDING = new Set(['checking', 'verifying']);

function refused() {
  const { auth } = getState();
  if (auth === 'ok' || PENDING.has(auth)) {
    const typed = getState().tokenTyped;
    rejectToken(typed ? 'The server refused this token. Check that you copied all of it, from this server.' : undefined);
  }
}

onAuthFailure(refused);

/** After the token checked out: load everything and keep it current. */
export function startLive(early = null) {
  if (running) return;
  running = true;
  if (early) {
    early.then((vms) => (vms ? setInventory(vms) : loadVms()));
  } else {
    loadVms();
  }
  loadTart();
  loadTasks();
  schedule();
  healthTimer = setInterval(loadHealth, HEALTH_POLL_MS);
  document.addEventListener('visibilitychange', onVisibility);
}

/** Check the stored token against `/api/health`; decides which page the app shows. */
/** `fromGate`: the token page stays up while checking; `typed`: the token was just pasted. */
export async function connect({ fromGate = false, typed = false } = {}) {
  setState({ auth: fromGate ? 'verifying' : 'checking', tokenTyped: typed });
  // Ask for the inventory alongside the token check: one round trip less before it shows.
  // On the first check both are already on their way (early.js).
  const started = takeEarly();
  const early = started ? started.vms : api('/api/vms').catch(() => null);
  try {
    const health = await (started ? started.health : api('/api/health'));
    setState({ auth: 'ok', health, offline: false, authMessage: '' });
    startLive(early);
  } catch (error) {
    // early.js's check may have been refused before this module was listening
    if (started && isTokenRefusal(error.status, error.detail)) refused();
    if (PENDING.has(getState().auth)) setState({ auth: 'offline', authMessage: error.message });
  }
}
