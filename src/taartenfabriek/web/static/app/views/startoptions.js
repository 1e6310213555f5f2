// "Start with options…": display, networking, shared folders, extra disks, Rosetta and
// suspendable (GET/PUT /api/vms/{name}/start-options, remembered per VM). While the form
// changes, the server previews the exact `tart run` it makes (POST …/start-options/preview,
// the same checks as PUT, nothing saved) and its refusals appear next to their fields.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../html.js';
import { api, vmPath } from '../api.js';
import { setState, toast, useStore } from '../state.js';
import { Dialog } from '../components/dialog.js';
import { Field, FormError, described } from '../components/field.js';
import { CopyButton } from '../components/copy.js';
import { Icon } from '../components/icons.js';
import { shellLine } from '../format.js';
import { DISPLAYS, NETWORKS, newDir, newDisk, optionErrors, shareName, toBody, toForm } from './startmodel.js';
import { startVm } from './startvm.js';

function RowError({ id, error }) {
  return error ? html`<p class="field-error option-row-error" id=${id} role="alert">${error}</p>` : null;
}

function Rows({ kind, rows, errors, onChange, onAdd, onRemove, groupError, hint }) {
  const dir = kind === 'dir';
  const noun = dir ? 'Shared folder' : 'Disk image';
  const title = dir ? 'Shared folders' : 'Extra disks';
  const headId = `so-${kind}s-title`;
  return html`<section class=${`option-group ${groupError ? 'field-invalid' : ''}`} aria-labelledby=${headId}>
    <div class="option-group-head">
      <h3 id=${headId} class="field-label">${title}</h3>
      <button type="button" class="btn btn-ghost btn-sm" onClick=${onAdd}>
        <${Icon} name="plus" size=${14} />${dir ? 'Add a folder' : 'Add a disk image'}
      </button>
    </div>
    <p class="field-hint">${hint}</p>
    ${groupError ? html`<p class="field-error" id=${`so-${kind}s-error`} role="alert">${groupError}</p>` : null}
    ${rows.length
      ? html`<ol class="option-rows">${rows.map((row, i) => {
          const base = `so-${kind}-${row.key}`;
          const n = i + 1;
          const nameError = errors[`${kind}-${row.key}-name`];
          const pathError = errors[`${kind}-${row.key}-path`];
          return html`<li key=${row.key} class=${`option-row option-row-${kind}`} data-row=${n}>
            ${dir
              ? html`<div class=${`option-cell ${nameError ? 'field-invalid' : ''}`}>
                  <label class="sr-only" for=${`${base}-name`}>${`${noun} ${n}: name in the guest`}</label>
                  <input id=${`${base}-name`} class="input" value=${row.name} placeholder=${shareName({ ...row, name: '' }) || 'name'}
                    autocomplete="off" spellcheck="false" onInput=${(e) => onChange(row.key, { name: e.currentTarget.value })}
                    ...${described(`${base}-name`, { error: nameError })} />
                </div>`
              : null}
            <div class=${`option-cell option-path ${pathError ? 'field-invalid' : ''}`}>
              <label class="sr-only" for=${`${base}-path`}>${`${noun} ${n}: path on this Mac`}</label>
              <input id=${`${base}-path`} class="input mono" value=${row.path} autocomplete="off" spellcheck="false"
                placeholder=${dir ? '/Users/me/src' : '/Users/me/Downloads/debian-12-arm64-netinst.iso'}
                onInput=${(e) => onChange(row.key, { path: e.currentTarget.value })}
                ...${described(`${base}-path`, { error: pathError })} />
            </div>
            <label class="check option-ro">
              <input type="checkbox" checked=${row.read_only} aria-label=${`${noun} ${n}: read-only`}
                onChange=${(e) => onChange(row.key, { read_only: e.currentTarget.checked })} />
              <span aria-hidden="true">Read-only</span>
            </label>
            <button type="button" class="btn btn-ghost btn-icon btn-sm" aria-label=${`Remove ${noun.toLowerCase()} ${n}`}
                onClick=${() => onRemove(row.key)}><${Icon} name="x" size=${14} /></button>
            <${RowError} id=${`${base}-name-error`} error=${nameError} />
            <${RowError} id=${`${base}-path-error`} error=${pathError} />
          </li>`;
        })}</ol>`
      : null}
  </section>`;
}

function Preview({ preview }) {
  if (!preview) return null;
  const line = shellLine(preview.command || []);
  let note = 'Not saved yet: starting with them remembers them for the next starts.';
  if (preview.unavailable) note = 'This server cannot preview options; it checks them when you save or start.';
  else if (preview.invalid) note = 'Fix the marked fields: this is the last valid command.';
  else if (preview.saved) note = 'These are the options remembered for this VM.';
  return html`<section class="command-preview" aria-labelledby="so-command-title">
    <h3 id="so-command-title" class="field-label">Command</h3>
    <div class=${`copy-field command-box ${preview.invalid ? 'is-stale' : ''}`}>
      <code class="mono command-line" data-argv=${JSON.stringify(preview.command || [])}>$ ${line}</code>
      <${CopyButton} value=${line} label="Copy the tart run command" />
    </div>
    <p class="field-hint" data-preview-state=${preview.invalid ? 'invalid' : preview.saved ? 'saved' : 'unsaved'}>${note}</p>
  </section>`;
}

/** `mode`: `start`, `resume` (a suspended VM), or `edit` (the VM runs: options for next time). */
export function StartOptionsDialog({ vm, mode = 'start', onClose }) {
  const name = vm.name;
  const [form, setForm] = useState(null);
  const [loadError, setLoadError] = useState(null);
  const [lastRun, setLastRun] = useState(null);
  const [preview, setPreview] = useState(null);
  const [errors, setErrors] = useState({});
  const [remember, setRemember] = useState(true);
  const [busy, setBusy] = useState(null);
  const loaded = useRef('');

  useEffect(() => {
    api(vmPath(name, 'start-options'))
      .then((state) => {
        const initial = toForm(state.options);
        loaded.current = JSON.stringify(toBody(initial).body);
        setForm(initial);
        setPreview({ command: state.command, saved: state.saved });
        setLastRun(state.last_run);
      })
      .catch((error) => setLoadError(error.message));
  }, [name]);

  const ready = Boolean(form);
  useEffect(() => {
    // The form arrives after the dialog opened: put focus on its first field then.
    if (ready) document.querySelector('.start-options input[name="so-display"]:checked')?.focus();
  }, [ready]);

  const sent = form ? toBody(form) : null;
  const key = sent ? JSON.stringify(sent.body) : '';
  useEffect(() => {
    if (!form || key === loaded.current) return undefined;
    loaded.current = '';
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api(vmPath(name, 'start-options/preview'), { method: 'POST', body: sent.body, signal: controller.signal })
        .then((state) => {
          setPreview({ command: state.command, saved: state.saved });
          setErrors({});
        })
        .catch((error) => {
          if (error?.name === 'AbortError') return;
          if (error.status === 405 || (error.status === 404 && error.detail === 'Not Found')) {
            setPreview((p) => ({ ...p, unavailable: true }));
            return;
          }
          setPreview((p) => ({ ...p, invalid: true }));
          setErrors(optionErrors(error, form, sent));
        });
    }, 250);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [key]);

  const set = (patch) => setForm((f) => ({ ...f, ...patch }));
  const rows = (list) => ({
    onChange: (rowKey, patch) => setForm((f) => ({ ...f, [list]: f[list].map((r) => (r.key === rowKey ? { ...r, ...patch } : r)) })),
    onRemove: (rowKey) => setForm((f) => ({ ...f, [list]: f[list].filter((r) => r.key !== rowKey) })),
  });
  const add = (list, make) => {
    const row = make();
    setForm((f) => ({ ...f, [list]: [...f[list], row] }));
    const kind = list === 'dirs' ? 'dir' : 'disk';
    setTimeout(() => document.getElementById(`so-${kind}-${row.key}-path`)?.focus(), 0);
  };

  const failed = (error) => {
    const found = optionErrors(error, form, sent);
    setErrors(found);
    const first = Object.keys(found).find((k) => k !== 'form');
    if (first) document.querySelector(`[aria-describedby^="so-${first}"], #so-${first}`)?.focus();
    setBusy(null);
  };
  const changed = () => setState((s) => ({ startOptionsRev: (s.startOptionsRev || 0) + 1 }));

  const save = async () => {
    setBusy('save');
    try {
      await api(vmPath(name, 'start-options'), { method: 'PUT', body: sent.body });
      changed();
      toast(`Start options saved for ${name}`, 'success');
      onClose();
    } catch (error) {
      failed(error);
    }
  };

  const start = async () => {
    setBusy('start');
    try {
      const task = await startVm(name, { body: { ...sent.body, remember }, resume: mode === 'resume' });
      changed();
      if (task) onClose(); // null: the macOS-limit dialog took this one's place
    } catch (error) {
      failed(error);
    }
  };

  // The VM as the inventory has it now, not as it was when the dialog opened: its OS (which
  // decides Rosetta and suspendable) may only arrive with the first `tart get` after launch.
  const live = useStore((st) => st.vms.find((v) => v.name === name), [name]);
  const os = (live || vm).os;
  const verb = mode === 'resume' ? 'Resume' : 'Start';
  // What this Tart on this Mac cannot do (/api/health `allows`), each with the server's reason.
  const health = useStore((st) => st.health);
  const off = (key) => (health?.allows?.[key] === false ? health.refusals?.[key] || 'Not available on this Mac.' : null);
  const rosettaOff = os === 'darwin' ? 'macOS guests have Rosetta built in.' : off('rosetta');
  let suspendOff = null;
  if (os === 'linux') suspendOff = 'Tart suspends macOS guests only.';
  else if (off('suspendable')) suspendOff = off('suspendable');
  else if (form?.dirs.length && !form.suspendable && off('suspendable-dirs')) suspendOff = `Not with shared folders: ${off('suspendable-dirs')}`;
  const networkOff = { softnet: off('softnet'), host: off('net-host') };
  const title = mode === 'edit' ? 'Start options' : `${verb} with options`;

  return html`<${Dialog} title=${title} subtitle=${name} onClose=${onClose} size="lg">
    ${!form && !loadError ? html`<p class="muted" role="status">Loading the start options…</p>` : null}
    <${FormError} error=${loadError} />
    ${form
      ? html`<form class="form start-options" onSubmit=${(e) => { e.preventDefault(); if (mode === 'edit') save(); else start(); }} noValidate>
          ${mode === 'edit' ? html`<p class="alert alert-info">${name} is running: these options apply from its next start.</p>` : null}
          ${mode === 'resume' ? html`<p class="field-hint">${name} resumes from its saved state, so it runs suspendable again${off('suspendable-dirs') ? ' and cannot share folders' : ''}.</p>` : null}
          <fieldset class=${`choice-group ${errors.display ? 'field-invalid' : ''}`}>
            <legend class="field-label">Display</legend>
            ${DISPLAYS.map(([value, label, hint]) => html`<label key=${value} class="choice">
              <input type="radio" name="so-display" value=${value} checked=${form.display === value}
                disabled=${Boolean(off(value)) && form.display !== value} onChange=${() => set({ display: value })} />
              <span><span class="choice-label">${label}</span><span class="field-hint">${off(value) || hint}</span></span>
            </label>`)}
            ${errors.display ? html`<p class="field-error" role="alert">${errors.display}</p>` : null}
          </fieldset>
          <div class="form-grid">
            <${Field} id="so-network" label="Network" error=${errors.network}>
              <select id="so-network" class="select input" value=${form.network} onChange=${(e) => set({ network: e.currentTarget.value })}
                  ...${described('so-network', { error: errors.network })}>
                ${NETWORKS.map(([value, label]) => html`<option key=${value} value=${value}
                  disabled=${Boolean(networkOff[value]) && form.network !== value} title=${networkOff[value] || ''}>${label}${networkOff[value] ? ' (not available)' : ''}</option>`)}
              </select>
              ${networkOff[form.network] ? html`<p class="field-hint">${networkOff[form.network]}</p>` : null}
            <//>
            ${form.network === 'bridged'
              ? html`<${Field} id="so-bridged_interface" label="Interface" error=${errors.bridged_interface}
                  hint="en0 is usually Wi-Fi or Ethernet; a display name such as Wi-Fi works too.">
                  <input id="so-bridged_interface" class="input" value=${form.bridged_interface} placeholder="en0" autocomplete="off"
                    spellcheck="false" onInput=${(e) => set({ bridged_interface: e.currentTarget.value })}
                    ...${described('so-bridged_interface', { error: errors.bridged_interface, hint: true })} />
                <//>`
              : null}
          </div>
          <${Rows} kind="dir" rows=${form.dirs} errors=${errors} groupError=${errors.dirs} ...${rows('dirs')}
            onAdd=${() => add('dirs', newDir)}
            hint=${os === 'linux'
              ? 'Folders on this Mac the guest can use; mount them with mount -t virtiofs com.apple.virtio-fs.automount /mnt/shared.'
              : 'Folders on this Mac the guest can use; macOS guests find them in /Volumes/My Shared Files.'} />
          <${Rows} kind="disk" rows=${form.disks} errors=${errors} groupError=${errors.disks} ...${rows('disks')}
            onAdd=${() => add('disks', newDisk)}
            hint="Disk images attached at start, such as an arm64 installer ISO (read-only)." />
          <div class="form-grid">
            <div class=${`field ${errors.rosetta_tag ? 'field-invalid' : ''}`}>
              <label class="check">
                <input type="checkbox" checked=${form.rosetta} disabled=${Boolean(rosettaOff) && !form.rosetta}
                  onChange=${(e) => set({ rosetta: e.currentTarget.checked })}
                  ...${described('so-rosetta_tag', { error: errors.rosetta_tag, hint: rosettaOff || true })} />
                <span>Rosetta for x86 Linux programs</span>
              </label>
              ${form.rosetta
                ? html`<label class="sr-only" for="so-rosetta-tag-input">Rosetta mount tag</label>
                  <input id="so-rosetta-tag-input" class="input mono" value=${form.rosetta_tag} autocomplete="off" spellcheck="false"
                    onInput=${(e) => set({ rosetta_tag: e.currentTarget.value })} />`
                : null}
              ${errors.rosetta_tag
                ? html`<p class="field-error" id="so-rosetta_tag-error" role="alert">${errors.rosetta_tag}</p>`
                : html`<p class="field-hint" id="so-rosetta_tag-hint">${rosettaOff || 'Linux guests: shared under this mount tag.'}</p>`}
            </div>
            <div class=${`field ${errors.suspendable ? 'field-invalid' : ''}`}>
              <label class="check">
                <input type="checkbox" checked=${form.suspendable} disabled=${Boolean(suspendOff) && !form.suspendable}
                  onChange=${(e) => set({ suspendable: e.currentTarget.checked })}
                  ...${described('so-suspendable', { error: errors.suspendable, hint: true })} />
                <span>Suspendable</span>
              </label>
              ${errors.suspendable
                ? html`<p class="field-error" id="so-suspendable-error" role="alert">${errors.suspendable}</p>`
                : html`<p class="field-hint" id="so-suspendable-hint">${suspendOff || 'macOS guests: allows Suspend, which saves the memory to disk.'}</p>`}
            </div>
            <div class=${`field ${errors.serial ? 'field-invalid' : ''}`}>
              <label class="check">
                <input type="checkbox" checked=${form.serial} disabled=${os === 'darwin' && !form.serial}
                  onChange=${(e) => set({ serial: e.currentTarget.checked })}
                  ...${described('so-serial', { error: errors.serial, hint: true })} />
                <span>Serial console</span>
              </label>
              ${errors.serial
                ? html`<p class="field-error" id="so-serial-error" role="alert">${errors.serial}</p>`
                : html`<p class="field-hint" id="so-serial-hint">${os === 'darwin' ? 'macOS runs no login on a serial port.' : 'Linux guests: a login in the Serial tab, even without a network.'}</p>`}
            </div>
          </div>
          <${Preview} preview=${preview} />
          ${lastRun ? html`<p class="muted small">Last started by this app: <code>${shellLine(lastRun.command, true)}</code></p>` : null}
          ${mode !== 'edit'
            ? html`<label class="check"><input type="checkbox" checked=${remember} onChange=${(e) => setRemember(e.currentTarget.checked)} />
                <span>Remember these options for the next starts</span></label>`
            : null}
          <${FormError} error=${errors.form} />
          <div class="form-actions">
            <button type="button" class="btn btn-secondary" onClick=${onClose}>Cancel</button>
            ${mode === 'edit'
              ? html`<button type="submit" class="btn btn-primary" disabled=${Boolean(busy)}>${busy ? 'Saving…' : 'Save'}</button>`
              : html`<button type="button" class="btn btn-secondary" disabled=${Boolean(busy)} onClick=${save}>${busy === 'save' ? 'Saving…' : 'Save without starting'}</button>
                <button type="submit" class="btn btn-primary" disabled=${Boolean(busy)}>
                  <${Icon} name="play" size=${14} />${busy === 'start' ? `${verb === 'Resume' ? 'Resuming' : 'Starting'}…` : verb}
                </button>`}
          </div>
        </form>`
      : null}
  <//>`;
}
