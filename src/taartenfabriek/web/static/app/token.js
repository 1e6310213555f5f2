// The local API token: taken from the launch URL once (boot.js; early.js stores it), then
// kept in localStorage for this origin. It is sent as the X-Local-Token header (never as a cookie), so other sites cannot
// make the browser use it.

const KEY = 'taartenfabriek.token';

export const TOKEN_FILE = '~/.tartvm-manager/token';

let memoryToken = '';

export function getToken() {
  try {
    return window.localStorage.getItem(KEY) || '';
  } catch {
    return '';
  }
}

export function saveToken(token) {
  try {
    window.localStorage.setItem(KEY, token);
  } catch {
    /* storage disabled: the token lives only as long as this page */
  }
  memoryToken = token;
}

export function clearToken() {
  try {
    window.localStorage.removeItem(KEY);
  } catch {
    /* nothing stored */
  }
  memoryToken = '';
}

/** The token to send: storage first, the in-memory copy if storage is unavailable. */
export function currentToken() {
  return getToken() || memoryToken;
}
