// Views that are not on the first screen (dialogs, settings, the catalog) load on first use.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';

const cache = new Map();

export function lazy(load, exportName) {
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
    if (!component) return null;
    return html`<${component} ...${props} />`;
  };
}
