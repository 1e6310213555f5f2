// Pull an image: type any OCI reference, or pick one from the catalog with a tag. The pull
// runs as a task; its progress shows in the Activity panel.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { actions } from '../data.js';
import { navigate } from '../router.js';
import { Dialog } from '../components/dialog.js';
import { Field, FormError, described, errorsFor } from '../components/field.js';
import { Icon } from '../components/icons.js';
import { relativeTime } from '../format.js';
import { SUGGESTED_IMAGES, referenceError } from './names.js';
import { useCatalog, withTag } from './catalog.js';

function CatalogItem({ image, onPull, busy }) {
  const tags = Array.isArray(image.tags) && image.tags.length ? image.tags : [];
  const current = /:([^/:@]+)$/.exec(image.url)?.[1] || tags[0] || '';
  const [tag, setTag] = useState(tags.includes(current) ? current : tags[0] || current);
  const id = `tag-${image.name}`.replace(/[^A-Za-z0-9_-]/g, '-');
  const updated = image.updated_at ? relativeTime(image.updated_at) : null;
  return html`<li class="catalog-item">
    <div class="catalog-text">
      <div class="catalog-name">${image.name}${image.stale ? html`<span class="pill pill-muted" title="From the cache: the catalog could not be refreshed">cached</span>` : null}</div>
      ${image.description ? html`<p class="muted small">${image.description}</p>` : null}
      <p class="muted small mono">${withTag(image.url, tag)}${updated ? html`<span class="sans"> · updated ${updated}</span>` : null}</p>
    </div>
    <div class="catalog-actions">
      ${tags.length > 1
        ? html`<label class="sr-only" for=${id}>Tag of ${image.name}</label>
          <select id=${id} class="select select-sm" value=${tag} onChange=${(e) => setTag(e.currentTarget.value)}>
            ${tags.map((t) => html`<option key=${t} value=${t}>${t}</option>`)}
          </select>`
        : null}
      <button type="button" class="btn btn-secondary btn-sm" disabled=${busy}
          aria-label=${`Pull ${withTag(image.url, tag)}`} onClick=${() => onPull(withTag(image.url, tag))}>
        <${Icon} name="download" size=${14} />Pull
      </button>
    </div>
  </li>`;
}

export function PullDialog({ onClose, reference = '' }) {
  const [value, setValue] = useState(reference);
  const [error, setError] = useState(null);
  const [formError, setFormError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [catalog, reload] = useCatalog();

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
      setFormError(fields.oci_url ? null : err.message);
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
      <div class="quick-picks" role="group" aria-label="Common images">
        <span class="muted small">Common:</span>
        ${SUGGESTED_IMAGES.map((ref) => html`<button key=${ref} type="button" class=${`chip ${value === ref ? 'on' : ''}`}
            aria-pressed=${value === ref} title=${ref} onClick=${() => { setValue(ref); setError(null); }}>
          ${ref.replace(/^ghcr\.io\/cirruslabs\//, '').replace(/:latest$/, '')}
        </button>`)}
      </div>
      <${FormError} error=${formError} />
    </form>
    <div class="catalog">
      <div class="catalog-head">
        <h3 class="section-title">Catalog</h3>
        <button type="button" class="btn btn-ghost btn-sm" onClick=${() => reload(true)} disabled=${catalog.loading}>
          <${Icon} name="refresh" size=${14} class=${catalog.loading ? 'spin' : ''} />Reload
        </button>
      </div>
      ${catalog.loading && !catalog.images.length ? html`<p class="muted" role="status">Loading the catalog…</p>` : null}
      ${catalog.error ? html`<div class="alert alert-warning" role="alert">The catalog is unavailable: ${catalog.error}</div>` : null}
      ${!catalog.loading && !catalog.error && !catalog.images.length
        ? html`<p class="muted">The catalog lists Cirrus Labs' images through the GitHub API and needs a GitHub token.
            <button type="button" class="link" onClick=${openSettings}>Add one in Settings</button>, or type a reference above.</p>`
        : null}
      ${catalog.images.length
        ? html`<ul class="catalog-list">${catalog.images.map((img) => html`<${CatalogItem} key=${img.url} image=${img} onPull=${pull} busy=${busy} />`)}</ul>`
        : null}
    </div>
  <//>`;
}
