// Live usage over ONE WebSocket per page, `/ws/usage?token=`: the server sends the last ten
// minutes (`history`), then a `sample` every 2 s. The socket is open only while something on
// the page shows usage (a sparkline or the details' usage section): the server samples only
// while a page watches. `watchDetails(name)` tells the server which VM's details are open, the
// only VM whose guest it asks (`tart exec`, every 10 s at most). A small store of its own, so a
// sample re-renders the sparklines and nothing else.
import { useEffect, useState } from 'preact/hooks';
import { currentToken } from './token.js';

const WINDOW = 600;
const RETRY_MS = 3000;

const store = { sample: null, points: {}, connected: false };
const listeners = new Set();
let users = 0;
let socket = null;
let retry = null;
let details = null;

function notify() {
  for (const listener of listeners) listener();
}

function url() {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${window.location.host}/ws/usage?token=${encodeURIComponent(currentToken())}`;
}

function receive(message) {
  if (message.type === 'history') {
    store.points = {};
    for (const [name, points] of Object.entries(message.vms || {})) store.points[name] = points;
  } else if (message.type === 'sample') {
    store.sample = message;
    const running = new Set();
    for (const vm of message.vms) {
      running.add(vm.name);
      if (!vm.process) continue;
      const list = store.points[vm.name] || [];
      list.push([message.at, vm.process.cpu_percent, vm.process.memory]);
      while (list.length && list[0][0] < message.at - WINDOW) list.shift();
      store.points[vm.name] = list;
    }
    for (const name of Object.keys(store.points)) if (!running.has(name)) delete store.points[name];
  }
  notify();
}

function sendDetails() {
  if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: 'details', vm: details }));
}

function open() {
  retry = null;
  if (users === 0 || socket) return;
  const ws = new WebSocket(url());
  socket = ws;
  ws.addEventListener('open', () => {
    store.connected = true;
    sendDetails();
    notify();
  });
  ws.addEventListener('message', (event) => {
    try {
      receive(JSON.parse(event.data));
    } catch {
      /* not ours */
    }
  });
  ws.addEventListener('close', (event) => {
    if (socket !== ws) return;
    socket = null;
    store.connected = false;
    notify();
    if (users > 0 && event.code !== 1008) retry = setTimeout(open, RETRY_MS);
  });
}

function acquire() {
  users += 1;
  if (users === 1) open();
}

function release() {
  users -= 1;
  if (users > 0) return;
  clearTimeout(retry);
  retry = null;
  const ws = socket;
  socket = null;
  ws?.close(1000);
  store.connected = false;
}

/** The latest sample's entry for `name` and its points, while the component is shown. */
export function useUsage(name) {
  const [, setTick] = useState(0);
  useEffect(() => {
    const listener = () => setTick((n) => n + 1);
    listeners.add(listener);
    acquire();
    return () => {
      listeners.delete(listener);
      release();
    };
  }, []);
  const vm = store.sample?.vms.find((v) => v.name === name) || null;
  return { vm, host: store.sample?.host || null, points: store.points[name] || [], connected: store.connected };
}

/** While mounted, the server asks this VM's guest for its own load. */
export function useWatchDetails(name) {
  useEffect(() => {
    details = name;
    sendDetails();
    return () => {
      if (details === name) details = null;
      sendDetails();
    };
  }, [name]);
}
