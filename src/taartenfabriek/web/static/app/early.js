// The first screen waits for the token check and the inventory. Opened with the launch URL,
// the page's inline boot script (boot.js) has already sent both; otherwise (a reload, with
// the token in storage) this module sends them, ahead of main.js, while the rest of the app
// still downloads. It also stores the launch token (localStorage opens here, which takes a
// while in a fresh profile). connect() (data.js) takes the requests over once; later checks
// ask again.
import { answer, api } from './api.js';
import { currentToken, saveToken } from './token.js';

let early = null;

const boot = window.taartenfabriekBoot;
delete window.taartenfabriekBoot;
if (boot?.token) saveToken(boot.token);
if (boot?.health) {
  early = { health: answer(boot.health), vms: answer(boot.vms).catch(() => null) };
} else if (currentToken()) {
  early = { health: api('/api/health'), vms: api('/api/vms').catch(() => null) };
}
early?.health.catch(() => {}); // handled where it is awaited; no "unhandled rejection" meanwhile

/** The boot requests, or null once taken (or when there was no token to send). */
export function takeEarly() {
  const taken = early;
  early = null;
  return taken;
}
