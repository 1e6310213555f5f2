// Pull an image: type any OCI reference, or pick one from the catalog with a tag. The pull
// runs as a task; its progress shows in the Activity panel.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { actions } from '../data.js';
import { navigate } from '../router.js';
import { openDialog, useStore } from '../state.js';
import { Dialog } from '../components/dialog.js';
import { Field, described, errorsFor } from '../components/field.js';
import { Icon } from '../components/icons.js';
import { isBaseImage, relativeTime } from '../format.js';
import { referenceError } from './names.js';
import { ORIGINS, staleWords, useCatalog, withTag } from './catalog.js';
import { FreeSpace, RoomError } from './room.js';

function CatalogItem({ image, onPull, busy, pulled, onCreate }) {
  const tags = Array.isArray(image.tags) && image.tags.length ? image.tags : [];
  const current = /:([^/:@]+)$/.exec(image.url)?.[1] || tags[0] || '';
  const [tag, setTag] = useState(tags.includes(current) ? current : tags[0] || current);
  const id = `tag-${image.name}`.replace(/[^A-Za-z0-9_-]/g, '-');
  const updated = image.updated_at ? relativeTime(image.updated_at) : null;
  const ref = withTag(image.url, tag);
  const here = pulled.has(ref);
  return html`<li class="catalog-item" data-image=${image.name} data-pulled=${here ? 'true' : undefined}>
    <div class="catalog-text">
      <div class="catalog-name">
        ${image.name}
        ${image.os ? html`<span class="tag-os">${image.os === 'macos' ? 'macOS' : image.os === 'linux' ? 'Linux' : image.os}</span>` : null}
        ${here ? html`<span class="tag-pulled"><${Icon} name="check" size=${12} />Pulled</span>` : null}
      </div>
      ${image.description ? html`<p class="muted small">${image.description}</p>` : null}
      <p class="muted small mono catalog-ref" title=${ref}>${ref}${updated ? html`<span class="sans"> · updated ${updated}</span>` : null}</p>
    </div>
    <div class="catalog-actions">
      ${tags.length > 1
        ? html`<label class="sr-only" for=${id}>Tag of ${image.name}</label>
          <select id=${id} class="select select-sm" value=${tag} onChange=${(e) => setTag(e.currentTarget.value)}>
            ${tags.map((t) => html`<option key=${t} value=${t}>${t}</option>`)}
          </select>`
        : null}
      ${here
        ? html`<button type="button" class="btn btn-secondary btn-sm" aria-label=${`New VM from ${ref}`} onClick=${() => onCreate(ref)}>
            <${Icon} name="plus" size=${14} />New VM
          </button>`
        : html`<button type="button" class="btn btn-secondary btn-sm" disabled=${busy}
            aria-label=${`Pull ${ref}`} onClick=${() => onPull(ref)}>
            <${Icon} name="download" size=${14} />Pull
          </button>`}
    </div>
  </li>`;
}

function Catalog({ onPull, busy, openSettings }) {
  const [catalog, reload] = useCatalog();
  // Images already on this Mac (the inventory's base images) are marked, with New VM.
  const pulledKey = useStore((s) => s.vms.filter(isBaseImage).map((vm) => vm.name).join('\n'));
  const pulled = new Set(pulledKey ? pulledKey.split('\n') : []);
  const onCreate = (ref) => openDialog('create', { source: ref });
  const [query, setQuery] = useState('');
  const [os, setOs] = useState('all');
  const images = catalog.images.filter((img) => {
    if (os !== 'all' && img.os && img.os !== os) return false;
    const hay = `${img.name} ${img.description || ''} ${(img.tags || []).join(' ')}`.toLowerCase();
    return hay.includes(query.trim().toLowerCase());
  });
  const origin = catalog.images.find((img) => img.origin)?.origin;
  const stale = catalog.images.find((img) => img.stale);
  return html`<section class="catalog" aria-labelledby="catalog-title">
    <div class="catalog-head">
      <div>
        <h3 id="catalog-title" class="section-title">Catalog</h3>
        ${origin ? html`<p class="muted small">${ORIGINS[origin] || origin}</p>` : null}
      </div>
      <button type="button" class="btn btn-ghost btn-sm" onClick=${() => reload(true)} disabled=${catalog.loading}>
        <${Icon} name="refresh" size=${14} class=${catalog.loading ? 'spin' : ''} />Reload
      </button>
    </div>
    ${catalog.error ? html`<div class="alert alert-warning" role="alert">The catalog is unavailable: ${catalog.error}</div>` : null}
    ${stale
      ? html`<div class="alert alert-warning small catalog-offline" role="status">
          <strong>${staleWords(stale)}</strong>
          ${stale.stale_reason ? html` <span>${stale.stale_reason}</span>` : null}
        </div>`
      : null}
    ${origin && origin !== 'github' && origin !== 'simulator'
      ? html`<p class="muted small">With a GitHub token the full list with every tag comes from GitHub Packages:${' '}
          <button type="button" class="link" onClick=${openSettings}>add one in Settings</button>.</p>`
      : null}
    ${catalog.images.length > 6
      ? html`<div class="catalog-filters">
          <div class="search search-sm">
            <${Icon} name="search" />
            <label for="catalog-filter" class="sr-only">Filter the catalog</label>
            <input id="catalog-filter" type="search" placeholder="Filter images" value=${query}
              onInput=${(e) => setQuery(e.currentTarget.value)} autocomplete="off" spellcheck="false" />
          </div>
          <div class="segmented" role="group" aria-label="Operating system">
            ${[['all', 'All'], ['macos', 'macOS'], ['linux', 'Linux']].map(([value, label]) => html`
              <button key=${value} type="button" aria-pressed=${os === value} class=${os === value ? 'on' : ''}
                onClick=${() => setOs(value)}>${label}</button>`)}
          </div>
        </div>`
      : null}
    ${catalog.loading && !catalog.images.length ? html`<p class="muted" role="status">Loading the catalog…</p>` : null}
    ${!catalog.loading && !catalog.error && !catalog.images.length ? html`<p class="muted">The catalog is empty; type a reference above.</p>` : null}
    ${images.length
      ? html`<ul class="catalog-list">${images.map((img) => html`<${CatalogItem} key=${img.url} image=${img} onPull=${onPull} busy=${busy} pulled=${pulled} onCreate=${onCreate} />`)}</ul>`
      : catalog.images.length ? html`<p class="muted small">No image matches.</p>` : null}
  </section>`;
}

export function PullDialog({ onClose, reference = '' }) {
  const [value, setValue] = useState(reference);
  const [error, setError] = useState(null);
  const [formError, setFormError] = useState(null);
  const [busy, setBusy] = useState(false);

  const pull = async (ref) => {
    const problem = referenceError(ref);
    if (problem) {
      setError(problem);
      document.getElementById('pull-ref')?.focus();
      return;
    }
    setBusy(true);
    setFormError(null);
    try {
      await actions.pull(ref.trim());
      onClose();
    } catch (err) {
      const fields = errorsFor(err, ['oci_url']);
      setError(fields.oci_url || null);
      setFormError(fields.oci_url ? null : err);
      setBusy(false);
    }
  };

  const openSettings = () => {
    onClose();
    navigate({ name: 'settings' });
  };

  return html`<${Dialog} title="Pull an image" subtitle="Download a base image from an OCI registry" onClose=${onClose} size="lg">
    <form class="form" onSubmit=${(e) => { e.preventDefault(); pull(value); }} noValidate>
      <${Field} id="pull-ref" label="Image reference" error=${error}
          hint="registry/owner/image:tag or …@sha256:digest — any OCI registry Tart can reach.">
        <div class="input-group">
          <input id="pull-ref" class="input mono" value=${value} autofocus
            placeholder="ghcr.io/cirruslabs/macos-sequoia-base:latest" autocomplete="off" spellcheck="false"
            onInput=${(e) => { setValue(e.currentTarget.value); setError(null); }}
            ...${described('pull-ref', { error, hint: true })} />
          <button type="submit" class="btn btn-primary" disabled=${busy}>${busy ? 'Starting…' : 'Pull'}</button>
        </div>
      <//>
      <${RoomError} error=${formError} onClose=${onClose} />
      <${FreeSpace} onClose=${onClose} />
    </form>
    <${Catalog} onPull=${pull} busy=${busy} openSettings=${openSettings} />
  <//>`;
}
