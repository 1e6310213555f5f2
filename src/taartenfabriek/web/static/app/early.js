// The first screen waits for the token check and the inventory. index.html runs this module
// before main.js, so both requests leave while the rest of the app still downloads, and the
// token's first read (localStorage opens here, which takes a while in a fresh profile) is
// done by then too. connect() (data.js) takes them over once; later checks ask again.
import { api } from './api.js';
import { adoptTokenFromUrl, currentToken } from './token.js';

let early = null;

adoptTokenFromUrl();
if (currentToken()) {
  const health = api('/api/health');
  health.catch(() => {}); // handled where it is awaited; no "unhandled rejection" meanwhile
  early = { health, vms: api('/api/vms').catch(() => null) };
}

/** The boot requests, or null once taken (or when there was no token to send). */
export function takeEarly() {
  const taken = early;
  early = null;
  return taken;
}
