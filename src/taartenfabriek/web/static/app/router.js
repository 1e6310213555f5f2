// Addressable places besides the inventory: `#/vm/<name>` (a VM's details), `#/settings`
// `#/storage` and `#/workers` (Orchard), so Back closes them and a view can be linked to.
import { setState } from './state.js';

export function parseRoute(hash = window.location.hash) {
  const vm = /^#\/vm\/(.+)$/.exec(hash);
  if (vm) {
    try {
      return { name: 'vm', vm: decodeURIComponent(vm[1]) };
    } catch {
      return { name: 'home' };
    }
  }
  if (hash === '#/settings') return { name: 'settings' };
  if (hash === '#/storage') return { name: 'storage' };
  if (hash === '#/workers') return { name: 'workers' };
  return { name: 'home' };
}

export function hrefFor(route) {
  if (route.name === 'vm') return `#/vm/${encodeURIComponent(route.vm)}`;
  if (route.name === 'settings') return '#/settings';
  if (route.name === 'storage') return '#/storage';
  if (route.name === 'workers') return '#/workers';
  return '#/';
}

/** `replace`: the place itself changed (a renamed VM), so Back should not return to the old. */
export function navigate(route, { replace = false } = {}) {
  const target = route.name === 'home' ? window.location.pathname + window.location.search : hrefFor(route);
  if (replace) window.history.replaceState(null, '', target);
  else window.history.pushState(null, '', target);
  setState({ route });
}

export function startRouter() {
  const sync = () => setState({ route: parseRoute() });
  window.addEventListener('popstate', sync);
  window.addEventListener('hashchange', sync);
  sync();
}
