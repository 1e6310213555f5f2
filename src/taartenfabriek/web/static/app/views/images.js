// Images both ways: push a VM to a registry, export it to a .tvm file, import one. Each is a
// task whose progress shows in the Activity panel; the dialogs only check and submit.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { submit } from '../data.js';
import { vmPath } from '../api.js';
import { getState, openDialog } from '../state.js';
import { navigate } from '../router.js';
import { isBaseImage } from '../format.js';
import { Dialog } from '../components/dialog.js';
import { Icon } from '../components/icons.js';
import { Field, FormError, described, errorsFor } from '../components/field.js';
import { nameError, referenceError } from './names.js';

const PUSHED_KEY = 'taartenfabriek.pushTargets';

/** The references a VM was last pushed to, kept in this browser per VM. */
function lastTargets(name) {
  try {
    const all = JSON.parse(localStorage.getItem(PUSHED_KEY) || '{}');
    return Array.isArray(all[name]) ? all[name].filter((t) => typeof t === 'string') : [];
  } catch {
    return [];
  }
}

function rememberTargets(name, targets) {
  try {
    const all = JSON.parse(localStorage.getItem(PUSHED_KEY) || '{}');
    all[name] = targets;
    localStorage.setItem(PUSHED_KEY, JSON.stringify(all));
  } catch {
    /* private mode: nothing remembered */
  }
}

/** `<registry>/<namespace>/<name>:<tag>`, from the registry this server last logged in to. */
function suggestion(vmName, registries) {
  const registry = registries?.[0];
  const host = registry?.host || 'ghcr.io';
  const namespace = registry?.username ? registry.username.toLowerCase() : 'my-org';
  const base = vmName.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+/, '') || 'image';
  return `${host}/${namespace}/${base}:latest`;
}

const splitTargets = (text) => text.split(/[\s,]+/).map((t) => t.trim()).filter(Boolean);

export function PushDialog({ vm, registries, onClose }) {
  const [targets, setTargets] = useState(() => (lastTargets(vm.name).join('\n') || suggestion(vm.name, registries)));
  const [labels, setLabels] = useState('');
  const [errors, setErrors] = useState({});
  const [formError, setFormError] = useState(null);
  const [busy, setBusy] = useState(false);

  const save = async (event) => {
    event.preventDefault();
    const list = splitTargets(targets);
    const bad = list.map(referenceError).find(Boolean);
    const problem = !list.length ? 'Give at least one reference, such as ghcr.io/acme/golden:1.0.' : bad;
    const labelMap = {};
    for (const line of labels.split('\n').map((l) => l.trim()).filter(Boolean)) {
      const [key, ...rest] = line.split('=');
      if (!key) {
        setErrors({ labels: `"${line}" has no key: write key=value.` });
        return;
      }
      labelMap[key.trim()] = rest.join('=').trim();
    }
    if (problem) {
      setErrors({ remote_names: problem });
      return;
    }
    setBusy(true);
    setFormError(null);
    try {
      await submit(vmPath(vm.name, 'push'), { remote_names: list, labels: labelMap });
      rememberTargets(vm.name, list);
      onClose();
    } catch (err) {
      const fields = errorsFor(err, ['remote_names', 'labels']);
      setErrors(fields);
      setFormError(Object.keys(fields).length ? null : err.message);
      setBusy(false);
    }
  };

  return html`<${Dialog} title="Push to a registry" subtitle=${vm.name} onClose=${onClose} size="sm">
    <form class="form" onSubmit=${save} noValidate>
      <${Field} id="push-targets" label="References" error=${errors.remote_names}
          hint="One per line: host/namespace/name:tag. Several tags are pushed in one upload.">
        <textarea id="push-targets" class="input mono" rows="3" spellcheck="false" value=${targets}
          onInput=${(e) => { setTargets(e.currentTarget.value); setErrors({}); }}
          ...${described('push-targets', { error: errors.remote_names, hint: true })}></textarea>
      <//>
      <${Field} id="push-labels" label="Labels (optional)" error=${errors.labels} hint="key=value, one per line.">
        <textarea id="push-labels" class="input mono" rows="2" spellcheck="false" value=${labels}
          onInput=${(e) => { setLabels(e.currentTarget.value); setErrors({}); }}
          ...${described('push-labels', { error: errors.labels, hint: true })}></textarea>
      <//>
      <p class="muted small">Log in to a private registry first under Settings → Registries. The VM must stay stopped while it uploads.</p>
      <${FormError} error=${formError} />
      <div class="form-actions">
        <button type="button" class="btn btn-secondary" onClick=${onClose}>Cancel</button>
        <button type="submit" class="btn btn-primary" disabled=${busy}>${busy ? 'Pushing…' : 'Push'}</button>
      </div>
    </form>
  <//>`;
}

function PathDialog({ title, subtitle, fieldLabel, hint, initial, extra, submitLabel, busyLabel, onSubmit, onClose, fields = ['path'] }) {
  const [path, setPath] = useState(initial);
  const [errors, setErrors] = useState({});
  const [formError, setFormError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [overwrite, setOverwrite] = useState(false);

  const save = async (event) => {
    event.preventDefault();
    if (!path.trim().startsWith('/')) {
      setErrors({ path: 'Give an absolute path on the Mac running the server (starting with /).' });
      return;
    }
    setBusy(true);
    setFormError(null);
    try {
      await onSubmit(path.trim(), { overwrite, setErrors });
      onClose();
    } catch (err) {
      const found = errorsFor(err, fields);
      if (err.status === 409 && /exists/.test(err.message) && fields.includes('overwrite')) found.path = err.message;
      setErrors(found);
      setFormError(Object.keys(found).length ? null : err.message);
      setBusy(false);
    }
  };

  return html`<${Dialog} title=${title} subtitle=${subtitle} onClose=${onClose} size="sm">
    <form class="form" onSubmit=${save} noValidate>
      <${Field} id="tvm-path" label=${fieldLabel} error=${errors.path} hint=${hint}>
        <input id="tvm-path" class="input mono" value=${path} autocomplete="off" spellcheck="false"
          onInput=${(e) => { setPath(e.currentTarget.value); setErrors({}); }}
          ...${described('tvm-path', { error: errors.path, hint: true })} />
      <//>
      ${extra ? extra({ errors, setErrors }) : null}
      ${fields.includes('overwrite') ? html`<label class="check">
        <input type="checkbox" checked=${overwrite} onChange=${(e) => setOverwrite(e.currentTarget.checked)} />
        Replace the file if it exists (only once the new one is complete)
      </label>` : null}
      <${FormError} error=${formError} />
      <div class="form-actions">
        <button type="button" class="btn btn-secondary" onClick=${onClose}>Cancel</button>
        <button type="submit" class="btn btn-primary" disabled=${busy}>${busy ? busyLabel : submitLabel}</button>
      </div>
    </form>
  <//>`;
}

export function ExportDialog({ vm, onClose }) {
  return html`<${PathDialog} title="Export to a .tvm file" subtitle=${vm.name} onClose=${onClose}
    fieldLabel="File on this Mac" hint=${`An absolute path, such as /Users/Shared/${vm.name}.tvm. Tart writes a compressed archive of the VM; import it on another Mac.`}
    initial="" submitLabel="Export" busyLabel="Exporting…" fields=${['path', 'overwrite']}
    onSubmit=${(path, { overwrite }) => submit(vmPath(vm.name, 'export'), { path, overwrite })} />`;
}

export function ImportDialog({ onClose }) {
  const existing = getState().vms.map((v) => v.name);
  const [name, setName] = useState('');
  return html`<${PathDialog} title="Import a .tvm file" onClose=${onClose}
    fieldLabel=".tvm file on this Mac" hint="A file made by tart export (or Export here)." initial=""
    submitLabel="Import" busyLabel="Importing…" fields=${['path', 'name']}
    extra=${({ errors, setErrors }) => html`<${Field} id="import-name" label="New VM name" error=${errors.name}>
        <input id="import-name" class="input" value=${name} autocomplete="off" spellcheck="false"
          onInput=${(e) => { setName(e.currentTarget.value); setErrors({}); }}
          ...${described('import-name', { error: errors.name })} />
      <//>`}
    onSubmit=${async (path) => {
      const problem = nameError(name, existing);
      if (problem) throw Object.assign(new Error(problem), { fieldErrors: { name: problem } });
      await submit('/api/vms/import', { path, name: name.trim() });
      navigate({ name: 'home' });
    }} />`;
}

/** The details' "Share" row: Push and Export for a stopped local VM. */
export function ShareSection({ vm }) {
  if (vm.source === 'orchard' || isBaseImage(vm)) return null;
  const running = vm.status === 'running';
  const why = running ? 'Shut the VM down first: Tart pushes and exports a stopped VM.' : undefined;
  return html`<section class="detail-section" aria-labelledby="share-title">
    <h3 id="share-title" class="section-title">Share</h3>
    <div class="actions">
      <button type="button" class="btn btn-sm btn-ghost" data-action="push" disabled=${running}
          aria-describedby=${running ? 'share-why' : undefined} onClick=${() => openDialog('push', { vm, registries: getState().registries })}>
        <${Icon} name="upload" size=${15} /><span>Push…</span>
      </button>
      <button type="button" class="btn btn-sm btn-ghost" data-action="export" onClick=${() => openDialog('export', { vm })}>
        <${Icon} name="download" size=${15} /><span>Export…</span>
      </button>
    </div>
    ${why ? html`<p id="share-why" class="muted small">${why}</p>` : null}
  </section>`;
}
