// The image catalog (`GET /api/vms/available-images`), shared by the pull and create dialogs.
// The server lists Cirrus Labs' images through the GitHub API (with a token), else from the
// registry anonymously, else from its built-in list (`--demo`: the simulator's registry);
// `origin` and `stale` say which.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { relativeTime } from '../format.js';

let cached = null;
let pending = null;

export function loadCatalog(force = false) {
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
  const [state, setState] = useState(() => ({ ...(cached || { images: [], error: null }), loading: true }));
  const reload = (force) => {
    setState((s) => ({ ...s, loading: true }));
    loadCatalog(force).then((result) => setState({ ...(result.error && cached ? cached : result), error: result.error, loading: false }));
  };
  useEffect(() => {
    // Show what we have at once, and ask again: the server keeps its own cache, so this is cheap.
    reload(false);
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

export const ORIGINS = {
  github: 'From GitHub Packages',
  registry: 'From the registry',
  builtin: 'Built-in list, tags not checked',
  simulator: 'From the demo’s simulated registry (nothing is downloaded)',
};

/** The catalog's state in plain words when its list could not be fetched now. */
export function staleWords(image) {
  if (!image?.stale) return null;
  if (image.fetched_at) {
    const when = relativeTime(image.fetched_at);
    return `Offline, showing what was last seen${when ? ` (${when})` : ''}.`;
  }
  return 'Offline, showing the built-in list: its tags could not be checked.';
}
