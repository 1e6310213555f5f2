// The image catalog (`GET /api/vms/available-images`), fetched once per page and shared by
// the pull and create dialogs. It needs a GitHub token on the server; without one it is empty.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';

let cached = null;
let pending = null;

export function loadCatalog(force = false) {
  if (force) cached = null;
  if (cached) return Promise.resolve(cached);
  if (!pending) {
    const query = force ? '?force_refresh=true' : '';
    pending = api(`/api/vms/available-images${query}`)
      .then((images) => {
        cached = { images: Array.isArray(images) ? images : [], error: null };
        return cached;
      })
      .catch((error) => ({ images: [], error: error.message }))
      .finally(() => {
        pending = null;
      });
  }
  return pending;
}

export function useCatalog() {
  const [state, setState] = useState(cached || { images: [], error: null, loading: true });
  const reload = (force) => {
    setState((s) => ({ ...s, loading: true }));
    loadCatalog(force).then((result) => setState({ ...result, loading: false }));
  };
  useEffect(() => {
    if (!cached) reload(false);
  }, []);
  return [state, reload];
}

/** `ghcr.io/cirruslabs/macos-sequoia-base:latest` with another tag. */
export function withTag(url, tag) {
  if (!tag) return url;
  const at = url.indexOf('@');
  const base = at !== -1 ? url.slice(0, at) : url;
  const colon = base.lastIndexOf(':');
  const repo = colon > base.lastIndexOf('/') ? base.slice(0, colon) : base;
  return `${repo}:${tag}`;
}
