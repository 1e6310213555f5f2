// The main view: base images and working VMs as cards or a sortable list, with search and
// filters. Long lists render only what is in the window (components/windowed.js), so 1,000
// VMs stay quick to scroll and filter.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { html } from '../html.js';
import { getState, openDialog, setPrefs, setState, useStore } from '../state.js';
import { refreshVms } from '../data.js';
import { Icon } from '../components/icons.js';
import { FINAL, actionVerb, diskGb, isBaseImage, memoryGb, osLabel, vmState } from '../format.js';
import { VmCard } from './vmcard.js';
import { VmTable } from './vmtable.js';
import { Windowed } from '../components/windowed.js';

// A card's smallest width, its height (app.css: .grid .vm-card) and the gap; a table row's height.
const CARD = { width: 300, height: 178, gap: 14 };
const ROW_HEIGHT = 37;
const RENDERED_MARK = 'taartenfabriek:inventory-rendered';
const STATE_ORDER = { running: 0, suspended: 1, stopped: 2, unknown: 3 };

const SORTERS = {
  name: (vm) => vm.name.toLowerCase(),
  status: (vm) => STATE_ORDER[vmState(vm)] ?? 9,
  ip: (vm) => (vm.ip_address ? vm.ip_address.split('.').map((p) => p.padStart(3, '0')).join('.') : null),
  os: (vm) => osLabel(vm.os),
  cpu: (vm) => vm.cpu ?? null,
  memory: (vm) => memoryGb(vm.memory),
  disk: (vm) => diskGb(vm.disk_size),
  worker: (vm) => vm.worker || null,
};

/** Each VM's key is computed once, not once per comparison (a sort of 1,000 VMs compares
 * about 10,000 times); ties go by name. No `Intl.Collator` made up front: making one loads
 * ICU's collation data (~90 ms of a cold start here), and a sort by name has no ties. */
function sortVms(vms, { key, dir }) {
  const get = SORTERS[key] || SORTERS.name;
  const sign = dir === 'desc' ? -1 : 1;
  const keyed = vms.map((vm) => ({ vm, value: get(vm) }));
  keyed.sort((a, b) => {
    const x = a.value;
    const y = b.value;
    if (x === y || (x == null && y == null)) return a.vm.name.localeCompare(b.vm.name);
    if (x == null) return 1; // unknown values last, whatever the direction
    if (y == null) return -1;
    return (x < y ? -1 : 1) * sign;
  });
  return keyed.map((item) => item.vm);
}

/** `label:ci` keeps VMs with the label `ci` (or `ci=…`); `label:team=ios` that exact label. */
function hasLabel(vm, wanted) {
  return (vm.labels || []).some((label) => {
    const lower = label.toLowerCase();
    return lower === wanted || (!wanted.includes('=') && lower.startsWith(`${wanted}=`));
  });
}

// What a search looks in, per VM object: a poll keeps the object of a VM that did not change
// (data.js), so a keystroke builds no strings for the other 999.
const hays = new WeakMap();

function hayOf(vm) {
  let hay = hays.get(vm);
  if (hay === undefined) {
    hay = `${vm.name} ${vm.ip_address || ''} ${osLabel(vm.os) || ''} ${vm.source || ''} ${vm.worker || ''} ${(vm.labels || []).join(' ')} ${vm.notes || ''}`.toLowerCase();
    hays.set(vm, hay);
  }
  return hay;
}

function matches(vm, words, status) {
  if (status !== 'any' && vmState(vm) !== status) return false;
  if (!words.length) return true;
  const hay = hayOf(vm);
  return words.every((word) => (word.startsWith('label:') && word.length > 6 ? hasLabel(vm, word.slice(6)) : hay.includes(word)));
}

/** `{vmName: 'Starting…'}` for VMs with a task in flight; a string key keeps it stable. */
function busyKey(tasks) {
  const parts = [];
  for (const task of Object.values(tasks)) {
    if (!FINAL.has(task.status) && task.vm) parts.push(`${task.vm}\u0000${actionVerb(task.action, 1)}…`);
  }
  return parts.sort().join('\u0001');
}

function parseBusy(key) {
  const busy = {};
  if (!key) return busy;
  for (const part of key.split('\u0001')) {
    const [name, label] = part.split('\u0000');
    busy[name] = label;
  }
  return busy;
}

/** Cards in columns (grid: minmax(300px, 1fr), gap 14px, one column on a phone) of one fixed
 * height; rows of one height: what the window shows is then known without measuring each. */
// Items a frame adds while it fills the window, at least and at most (components/windowed.js
// adds as many as its last frames say fit in 12 ms). With the CPU slowed 4x
// (benchmarks/ui.py), a frame that adds one card or one list row takes 10-35 ms of style,
// layout and paint here; two took up to 60.
const CARDS_A_FRAME = 1;
const MOST_CARDS_A_FRAME = 4;
const LIST_ROWS_A_FRAME = 1;
const MOST_LIST_ROWS_A_FRAME = 8;

function cardShape(el) {
  const width = el ? el.clientWidth : Math.max(300, window.innerWidth - 120);
  const narrow = window.matchMedia('(max-width: 640px)').matches;
  const columns = narrow ? 1 : Math.max(1, Math.floor((width + CARD.gap) / (CARD.width + CARD.gap)));
  const card = el?.querySelector('.vm-card');
  const height = card ? card.getBoundingClientRect().height : CARD.height;
  return { columns, rowHeight: height + CARD.gap, grow: CARDS_A_FRAME, most: MOST_CARDS_A_FRAME, measured: !!card };
}

function rowShape(el) {
  const row = el?.querySelector('.vm-row[data-vm]');
  const rowHeight = row ? row.getBoundingClientRect().height : ROW_HEIGHT;
  return { columns: 1, rowHeight, grow: LIST_ROWS_A_FRAME, most: MOST_LIST_ROWS_A_FRAME, measured: !!row };
}

function Section({ id, title, icon, vms, busy, view, sort, empty, reset, orchard, offline }) {
  return html`<section class="section" aria-labelledby=${id}>
    <div class="section-head">
      <h2 id=${id} class="section-title"><${Icon} name=${icon} size=${15} />${title}</h2>
      <span class="count" aria-label=${`${vms.length} shown`}>${vms.length}</span>
    </div>
    ${vms.length === 0
      ? html`<div class="empty-inline">${empty}</div>`
      : html`<${Windowed} key=${view} items=${vms} reset=${reset} layout=${view === 'list' ? rowShape : cardShape}
          gradual=${performance.getEntriesByName(RENDERED_MARK).length > 0} lightFirst=${view !== 'list'}
          render=${(shown, at, isLight) => view === 'list'
            ? html`<${VmTable} vms=${shown} all=${vms} first=${at.first} rowHeight=${at.rowHeight} busy=${busy} sort=${sort} caption=${title} orchard=${orchard} offline=${offline} />`
            : html`<div class="windowed-grid" style=${{ height: `${Math.max(0, at.rows * at.rowHeight - CARD.gap)}px`, '--columns': at.columns }}>
                ${shown.map((vm, i) => html`<${VmCard} key=${vm.name} vm=${vm} busy=${busy[vm.name]} offline=${offline} light=${isLight(vm)}
                    top=${Math.floor((at.first + i) / at.columns) * at.rowHeight} column=${(at.first + i) % at.columns} />`)}
              </div>`} />`}
  </section>`;
}

function Segmented({ label, value, options, onChange }) {
  return html`<div class="segmented" role="group" aria-label=${label}>
    ${options.map((o) => html`<button key=${o.value} type="button" aria-pressed=${value === o.value}
        class=${value === o.value ? 'on' : ''} onClick=${() => onChange(o.value)} title=${o.title || o.label}>
      ${o.icon ? html`<${Icon} name=${o.icon} size=${15} />` : null}
      <span class=${o.icon ? 'seg-label' : ''}>${o.label}</span>
    </button>`)}
  </div>`;
}

function Stats({ vms, orchard }) {
  let running = 0;
  let suspended = 0;
  let stopped = 0;
  let images = 0;
  for (const vm of vms) {
    const state = vmState(vm);
    if (isBaseImage(vm)) images += 1;
    else if (state === 'running') running += 1;
    else if (state === 'suspended') suspended += 1;
    else stopped += 1;
  }
  return html`<p class="stats">
    <span data-count="running"><span class="dot dot-running" aria-hidden="true"></span>${running} running</span>
    ${suspended ? html`<span data-count="suspended"><span class="dot dot-suspended" aria-hidden="true"></span>${suspended} suspended</span>` : null}
    <span data-count="stopped"><span class="dot dot-stopped" aria-hidden="true"></span>${stopped} stopped</span>
    ${orchard ? null : html`<span><span class="dot dot-image" aria-hidden="true"></span>${images} ${images === 1 ? 'image' : 'images'}</span>`}
  </p>`;
}

function EmptyInventory({ orchard }) {
  if (orchard) {
    return html`<div class="empty">
      <div class="empty-icon" aria-hidden="true"><${Icon} name="box" size=${28} /></div>
      <h2>No virtual machines in Orchard yet</h2>
      <p>Create one from an OCI image: Orchard places it on a worker with a free slot, which pulls the image and starts it.</p>
      <div class="empty-actions">
        <button type="button" class="btn btn-primary" onClick=${() => openDialog('create')}><${Icon} name="plus" />New VM</button>
      </div>
    </div>`;
  }
  return html`<div class="empty">
    <div class="empty-icon" aria-hidden="true"><${Icon} name="box" size=${28} /></div>
    <h2>No virtual machines yet</h2>
    <p>Pull a macOS or Linux base image from a registry, then create a VM from it.</p>
    <div class="empty-actions">
      <button type="button" class="btn btn-primary" onClick=${() => openDialog('pull')}><${Icon} name="download" />Pull an image</button>
      <button type="button" class="btn btn-secondary" onClick=${() => openDialog('create')}><${Icon} name="plus" />New VM</button>
    </div>
  </div>`;
}

const BULK = [['start', 'Start', 'play'], ['shutdown', 'Shut down', 'power'], ['force-stop', 'Force stop…', 'stop'], ['delete', 'Delete…', 'trash']];

/** The list's selection and what can be done to all of it at once (one confirmation). */
function BulkBar({ vms, offline }) {
  const selection = useStore((s) => s.selection);
  const names = useMemo(() => {
    const present = new Set(vms.map((vm) => vm.name));
    return selection.filter((name) => present.has(name));
  }, [vms, selection]);
  if (!names.length) return null;
  return html`<div class="bulk-bar" role="region" aria-label="Selected VMs">
    <strong>${names.length} selected</strong>
    ${BULK.map(([kind, label, icon]) => html`<button key=${kind} type="button" class=${`btn btn-sm ${kind === 'delete' || kind === 'force-stop' ? 'btn-ghost btn-danger-ghost' : 'btn-secondary'}`}
        disabled=${offline} aria-describedby=${offline ? 'why-offline' : undefined} data-bulk=${kind}
        onClick=${() => openDialog('bulk', { kind, names })}><${Icon} name=${icon} size=${14} />${label}</button>`)}
    <button type="button" class="btn btn-sm btn-ghost" onClick=${() => setState({ selection: [] })}>Clear selection</button>
  </div>`;
}

function Skeleton() {
  return html`<div class="grid" aria-busy="true" aria-label="Loading the inventory">
    ${[0, 1, 2].map((i) => html`<div key=${i} class="card skeleton"></div>`)}
  </div>`;
}

export function Inventory() {
  const vms = useStore((s) => s.vms);
  const loaded = useStore((s) => s.vmsLoaded);
  const error = useStore((s) => s.vmsError);
  const prefs = useStore((s) => s.prefs);
  const query = useStore((s) => s.query);
  const refreshing = useStore((s) => s.refreshing);
  const busy = parseBusy(useStore((s) => busyKey(s.tasks)));
  const orchard = useStore((s) => s.health?.backend === 'orchard');
  const offline = useStore((s) => Boolean(s.offline));
  const gone = offline ? { disabled: true, 'aria-describedby': 'why-offline', title: 'The server cannot be reached' } : {};
  const source = orchard ? 'Orchard' : 'Tart';
  const searchRef = useRef(null);

  useEffect(() => {
    const onKey = (event) => {
      const tag = document.activeElement?.tagName;
      if (event.key === '/' && !['INPUT', 'TEXTAREA', 'SELECT'].includes(tag) && !getState().dialog && !document.querySelector('dialog[open]')) {
        event.preventDefault();
        searchRef.current?.focus();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  useLayoutEffect(() => {
    // For the performance budget test (and anyone profiling): the first inventory is in the
    // DOM and laid out (reading offsetHeight forces the layout now rather than at paint).
    if (loaded && !performance.getEntriesByName(RENDERED_MARK).length) {
      void document.body.offsetHeight;
      performance.mark(RENDERED_MARK);
    }
  }, [loaded]);

  // Sorted when the inventory or the order changes, filtered on each keystroke: the filter
  // keeps the order, so typing does not sort again.
  const sorted = useMemo(() => sortVms(vms, prefs.sort), [vms, prefs.sort]);
  const { working, images } = useMemo(() => {
    const words = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const shown = sorted.filter((vm) => matches(vm, words, prefs.status));
    return { working: shown.filter((vm) => !isBaseImage(vm)), images: shown.filter(isBaseImage) };
  }, [sorted, query, prefs.status]);

  const reset = `${query}|${prefs.status}|${prefs.kind}|${prefs.view}`;
  const filtered = query.trim() || prefs.status !== 'any';
  const noMatch = filtered ? 'Nothing matches the search and filters.' : null;

  return html`<div class="inventory">
    <div class="page-head">
      <div>
        <h1 class="page-title">Virtual machines</h1>
        ${loaded ? html`<${Stats} vms=${vms} orchard=${orchard} />` : html`<p class="stats muted">Loading…</p>`}
      </div>
      <div class="page-actions">
        <button type="button" class="btn btn-secondary" onClick=${refreshVms} disabled=${refreshing || offline} aria-describedby=${offline ? 'why-offline' : undefined}
            aria-label=${`Refresh from ${source}`} title=${orchard ? 'Ask the Orchard controller again (GET /v1/vms)' : 'Ask Tart again (tart list, tart ip)'}>
          <${Icon} name="refresh" class=${refreshing ? 'spin' : ''} /><span class="hide-narrow">Refresh</span>
        </button>
        ${orchard ? null : html`<button type="button" class="btn btn-secondary" onClick=${() => openDialog('pull')} ...${gone}>
          <${Icon} name="download" /><span>Pull image</span>
        </button>`}
        ${orchard ? null : html`<button type="button" class="btn btn-secondary" onClick=${() => openDialog('import')} ...${gone}>
          <${Icon} name="upload" /><span class="hide-narrow">Import</span><span class="sr-only narrow-only">Import a .tvm file</span>
        </button>`}
        <button type="button" class="btn btn-primary" onClick=${() => openDialog('create')} ...${gone}>
          <${Icon} name="plus" /><span>New VM</span>
        </button>
      </div>
    </div>

    <div class="toolbar" role="search">
      <div class="search">
        <${Icon} name="search" />
        <label for="vm-search" class="sr-only">Search VMs</label>
        <input id="vm-search" ref=${searchRef} type="search" placeholder=${orchard ? 'Search by name, IP, OS, worker or label:…' : 'Search by name, IP, OS, notes or label:…'}
          value=${query} onInput=${(e) => setState({ query: e.currentTarget.value })} autocomplete="off" spellcheck="false" />
        <kbd class="hide-narrow" aria-hidden="true">/</kbd>
      </div>
      ${orchard ? null : html`<${Segmented} label="Show" value=${prefs.kind} onChange=${(kind) => setPrefs({ kind })} options=${[
        { value: 'all', label: 'All' },
        { value: 'vms', label: 'VMs' },
        { value: 'images', label: 'Images' },
      ]} />`}
      <label class="select-wrap">
        <span class="sr-only">Status</span>
        <select class="select" value=${prefs.status} onChange=${(e) => setPrefs({ status: e.currentTarget.value })} aria-label="Filter by status">
          <option value="any">Any status</option>
          <option value="running">Running</option>
          <option value="stopped">Stopped</option>
          <option value="suspended">Suspended</option>
          <option value="unknown">Unknown</option>
        </select>
      </label>
      ${prefs.view === 'cards'
        ? html`<label class="select-wrap hide-narrow">
            <span class="sr-only">Sort by</span>
            <select class="select" aria-label="Sort by" value=${`${prefs.sort.key}:${prefs.sort.dir}`}
                onChange=${(e) => { const [key, dir] = e.currentTarget.value.split(':'); setPrefs({ sort: { key, dir } }); }}>
              <option value="name:asc">Name A–Z</option>
              <option value="name:desc">Name Z–A</option>
              <option value="status:asc">Running first</option>
              <option value="cpu:desc">Most CPUs</option>
              <option value="memory:desc">Most memory</option>
              <option value="disk:desc">Largest disk</option>
              ${orchard ? html`<option value="worker:asc">By worker</option>` : null}
            </select>
          </label>`
        : null}
      <${Segmented} label="Layout" value=${prefs.view} onChange=${(view) => setPrefs({ view })} options=${[
        { value: 'cards', label: 'Cards', icon: 'grid' },
        { value: 'list', label: 'List', icon: 'list' },
      ]} />
    </div>

    ${prefs.view === 'list' ? html`<${BulkBar} vms=${vms} offline=${offline} />` : null}
    ${error && !loaded ? html`<div class="alert alert-error" role="alert">Could not load the inventory: ${error}</div>` : null}
    ${!loaded && !error ? html`<${Skeleton} />` : null}
    ${loaded && vms.length === 0 ? html`<${EmptyInventory} orchard=${orchard} />` : null}
    ${loaded && vms.length > 0
      ? html`
        ${prefs.kind !== 'images' || orchard
          ? html`<${Section} id="sec-vms" title="Working VMs" icon="monitor" vms=${working} busy=${busy}
              view=${prefs.view} sort=${prefs.sort} reset=${reset} orchard=${orchard} offline=${offline}
              empty=${noMatch || html`No working VMs yet. <button type="button" class="link" onClick=${() => openDialog('create')}>Create one</button> from a base image.`} />`
          : null}
        ${prefs.kind !== 'vms' && !orchard
          ? html`<${Section} id="sec-images" title="Base images" icon="layers" vms=${images} busy=${busy}
              view=${prefs.view} sort=${prefs.sort} reset=${reset} offline=${offline}
              empty=${noMatch || html`No base images. <button type="button" class="link" onClick=${() => openDialog('pull')}>Pull one</button> from a registry.`} />`
          : null}`
      : null}
  </div>`;
}
