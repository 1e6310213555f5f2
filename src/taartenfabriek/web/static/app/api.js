// fetch wrapper: adds the token, parses JSON, and turns every failure into an ApiError whose
// message a person can read (FastAPI's `detail`, a string or a list of {loc, msg}).
import { currentToken } from './token.js';

export class ApiError extends Error {
  constructor(status, detail) {
    super(describe(status, detail));
    this.name = 'ApiError';
    this.status = status;
    this.detail = detail;
  }

  /** 422 validation errors by body field: {new_name: "must start with a letter"}. */
  get fieldErrors() {
    const errors = {};
    if (!Array.isArray(this.detail)) return errors;
    for (const item of this.detail) {
      const loc = Array.isArray(item?.loc) ? item.loc : [];
      const field = loc.length > 1 && loc[0] === 'body' ? String(loc[1]) : null;
      if (field && !(field in errors)) errors[field] = cleanMessage(item.msg);
    }
    return errors;
  }
}

function cleanMessage(msg) {
  return String(msg || 'invalid value').replace(/^Value error, /, '');
}

function describe(status, detail) {
  if (typeof detail === 'string' && detail) return detail;
  if (Array.isArray(detail) && detail.length) {
    return detail
      .map((item) => {
        const loc = Array.isArray(item?.loc) ? item.loc.filter((p) => p !== 'body').join('.') : '';
        return loc ? `${loc}: ${cleanMessage(item?.msg)}` : cleanMessage(item?.msg);
      })
      .join('; ');
  }
  if (status === 0) return 'The server cannot be reached. Is taartenfabriek serve still running?';
  return `The server answered ${status}`;
}

let authFailureHandler = () => {};

/** Called when the server refuses our token (403/401), so the app can ask for a new one. */
export function onAuthFailure(handler) {
  authFailureHandler = handler;
}

/** A 401/403 about the token, not one of the Host/Origin guard's refusals. */
export function isTokenRefusal(status, detail) {
  if (status === 401) return true;
  if (status !== 403) return false;
  const text = typeof detail === 'string' ? detail : '';
  return !/host header|cross-origin/i.test(text);
}

export async function api(path, { method = 'GET', body, signal } = {}) {
  const headers = { Accept: 'application/json', 'X-Local-Token': currentToken() };
  const init = { method, headers, signal, cache: 'no-store', credentials: 'omit' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  return answer(fetch(path, init));
}

/** A fetch's outcome as api() gives it: the JSON, or an ApiError (status 0: unreachable). */
export async function answer(request) {
  let response;
  try {
    response = await request;
  } catch (error) {
    if (error?.name === 'AbortError') throw error;
    throw new ApiError(0, null);
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const detail = data && typeof data === 'object' && 'detail' in data ? data.detail : text.slice(0, 300);
    const error = new ApiError(response.status, detail);
    if (isTokenRefusal(response.status, detail)) authFailureHandler(error);
    throw error;
  }
  return data;
}

/** `/api/vms/<name>[/<action>]` with the name encoded: OCI names hold `/`, `:` and `@`. */
export function vmPath(name, action = '') {
  return `/api/vms/${encodeURIComponent(name)}${action ? `/${action}` : ''}`;
}
