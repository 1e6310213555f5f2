// One small store for the whole app: a plain object, replaced (never mutated) on each change,
// and a hook that re-renders a component only when the slice it selects changes.
import { useLayoutEffect, useState } from 'preact/hooks';

const PREFS_KEY = 'taartenfabriek.prefs';
const DEFAULT_PREFS = { view: 'cards', sort: { key: 'name', dir: 'asc' }, kind: 'all', status: 'any' };

function loadPrefs() {
  try {
    const saved = JSON.parse(window.localStorage.getItem(PREFS_KEY) || '{}');
    return { ...DEFAULT_PREFS, ...(saved && typeof saved === 'object' ? saved : {}) };
  } catch {
    return { ...DEFAULT_PREFS };
  }
}

let state = {
  auth: 'checking', // checking | ok | missing | rejected | offline
  authMessage: '',
  vms: [],
  vmsLoaded: false,
  vmsError: null,
  refreshing: false,
  health: null,
  tart: { version: null, missing: false, error: null },
  tasks: {}, // id -> Task
  github: null,
  prefs: loadPrefs(),
  query: '',
  dialog: null, // { type, ...props }
  route: { name: 'home' },
  toasts: [],
  selection: [], // names of the VMs ticked in the list (bulk actions)
};

const listeners = new Set();

export function getState() {
  return state;
}

/** Merge a patch (or the result of `fn(state)`) into the state and notify subscribers. */
export function setState(patch) {
  const next = typeof patch === 'function' ? patch(state) : patch;
  if (!next) return;
  state = { ...state, ...next };
  for (const listener of listeners) listener(state);
}

export function subscribe(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Subscribe a component to `select(state)`; compares with Object.is. Pass `deps` when the
 * selector uses props, so it is re-subscribed when they change. It subscribes as soon as the
 * component is in the DOM (a layout effect): a plain effect waits for the next frame, and a
 * change in between (the inventory arriving during the first render) waited with it. */
export function useStore(select, deps = []) {
  const [value, setValue] = useState(() => select(state));
  useLayoutEffect(() => {
    const update = (s) => setValue((prev) => {
      const next = select(s);
      return Object.is(prev, next) ? prev : next;
    });
    update(state);
    return subscribe(update);
  }, deps);
  return value;
}

export function setPrefs(patch) {
  const prefs = { ...state.prefs, ...patch };
  try {
    window.localStorage.setItem(PREFS_KEY, JSON.stringify(prefs));
  } catch {
    /* not persisted */
  }
  setState({ prefs });
}

export function updateTask(task) {
  if (!task || !task.id) return;
  const old = state.tasks[task.id];
  if (old && old.updated_at > task.updated_at) return; // an older snapshot arrived late
  setState({ tasks: { ...state.tasks, [task.id]: task } });
}

export function openDialog(type, props = {}) {
  setState({ dialog: { type, ...props } });
}

export function closeDialog() {
  setState({ dialog: null });
}

let toastId = 0;

/** A short notice in the corner; `kind` is info, success or error. */
export function toast(message, kind = 'info', timeout = 5000) {
  const id = ++toastId;
  setState({ toasts: [...state.toasts, { id, message, kind }].slice(-4) });
  if (timeout) setTimeout(() => dismissToast(id), timeout);
}

export function dismissToast(id) {
  setState({ toasts: state.toasts.filter((t) => t.id !== id) });
}
