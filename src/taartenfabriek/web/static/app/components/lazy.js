// Views that are not on the first screen (dialogs, settings, the catalog, the token gate) load
// on first use. Each one left out of the first screen's module graph is one request fewer
// before the inventory can show (docs/performance.md).
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';

const cache = new Map();

/** `Fallback`: a component shown while the module loads (nothing by default). */
export function lazy(load, exportName, Fallback = null) {
  return function Lazy(props) {
    const [component, setComponent] = useState(() => cache.get(load) || null);
    const [error, setError] = useState(null);
    useEffect(() => {
      if (component) return;
      let alive = true;
      load()
        .then((module) => {
          cache.set(load, module[exportName]);
          if (alive) setComponent(() => module[exportName]);
        })
        .catch((err) => alive && setError(err));
      return () => {
        alive = false;
      };
    }, []);
    if (error) return html`<div class="alert alert-error" role="alert">Could not load this view: ${String(error.message || error)}</div>`;
    if (!component) return Fallback ? html`<${Fallback} />` : null;
    return html`<${component} ...${props} />`;
  };
}
