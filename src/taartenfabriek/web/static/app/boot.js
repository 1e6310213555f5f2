// Inlined into index.html (allowed by its sha256 in the CSP, like the import map) and run by
// the parser, before the stylesheet and the ~30 modules load: when the page was opened with
// the launch URL (`/?token=...`), it takes the token out of the address bar (and history) and
// sends the token check and the inventory request at once, so that both are answered while
// the modules still download. early.js takes them over and stores the token. A classic
// script without imports, so it needs no module to arrive first.
(() => {
  const url = new URL(window.location.href);
  if (!url.searchParams.has('token')) return;
  const token = (url.searchParams.get('token') || '').trim();
  url.searchParams.delete('token');
  const rest = url.searchParams.toString();
  window.history.replaceState(window.history.state, '', url.pathname + (rest ? `?${rest}` : '') + url.hash);
  const boot = { token, health: null, vms: null };
  if (token) {
    const get = (path) => {
      const init = { headers: { Accept: 'application/json', 'X-Local-Token': token }, cache: 'no-store', credentials: 'omit' };
      const request = fetch(path, init);
      request.catch(() => {}); // early.js handles failures; no "unhandled rejection" meanwhile
      return request;
    };
    boot.health = get('/api/health');
    boot.vms = get('/api/vms');
  }
  window.taartenfabriekBoot = boot;
})();
