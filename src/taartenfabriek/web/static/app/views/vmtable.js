// The inventory as a sortable list (a table to assistive technology); header buttons set the
// shared sort (aria-sort shows it).
import { html } from '../html.js';
import { memo } from '../components/memo.js';
import { VmBadge } from '../components/badge.js';
import { Icon } from '../components/icons.js';
import { gbLabel, memoryLabel, osLabel, splitName } from '../format.js';
import { hrefFor } from '../router.js';
import { getState, setPrefs, setState, useStore } from '../state.js';
import { ActionButtons } from './vmactions.js';

export const COLUMNS = [
  { key: 'name', label: 'Name' },
  { key: 'status', label: 'Status' },
  { key: 'ip', label: 'IP address', cls: 'col-ip' },
  { key: 'os', label: 'OS', cls: 'col-os' },
  { key: 'cpu', label: 'CPU', cls: 'num col-cpu' },
  { key: 'memory', label: 'Memory', cls: 'num col-mem' },
  { key: 'disk', label: 'Disk', cls: 'num col-disk' },
];
/** Orchard only: the Mac each VM is placed on. */
export const WORKER_COLUMN = { key: 'worker', label: 'Worker', cls: 'col-worker' };

// The list is ARIA table roles on plain boxes, not a <table>: a table lays all its rows out
// again whenever one comes or goes (its columns fit every cell), which made each scrolled
// frame of a windowed list cost as much as the whole screenful. Here each row is placed
// absolutely (`top`) with fixed column widths (app.css, .vm-list), so a new row is laid out
// alone, and a screen reader still hears a table with its row count and each row's index.
function Row({ vm, busy, orchard, offline, selected, top, index }) {
  const { title, subtitle, tag } = splitName(vm.name);
  // The section says whether these are VMs or base images: no kind repeated on every row.
  return html`<div role="row" class=${`vm-row${selected ? ' is-selected' : ''}`} data-vm=${vm.name} data-status=${vm.status}
      aria-rowindex=${index} style=${`top: ${top}px`}>
    <div role="cell" class="col-select"><input type="checkbox" checked=${selected} aria-label=${`Select ${vm.name}`}
      onChange=${(e) => select([vm.name], e.currentTarget.checked)} /></div>
    <div role="rowheader" class="col-name">
      <a class="vm-link" href=${hrefFor({ name: 'vm', vm: vm.name })} title=${vm.name}>${title}</a>
      ${subtitle ? html`<span class="row-sub">${subtitle}${tag ? ` · ${tag}` : ''}</span>` : null}
    </div>
    <div role="cell" class="col-status"><${VmBadge} vm=${vm} busy=${busy} /></div>
    ${orchard ? html`<div role="cell" class="col-worker">${vm.worker || html`<span class="muted" title=${vm.phase === 'queued' ? 'Queued: no worker has room for it yet' : undefined}>—</span>`}</div>` : null}
    <div role="cell" class="mono col-ip">${vm.ip_address || html`<span class="muted" title=${vm.ip_diagnosis || undefined}>—</span>`}</div>
    <div role="cell" class="col-os">${osLabel(vm.os) || html`<span class="muted">—</span>`}</div>
    <div role="cell" class="num col-cpu">${vm.cpu ?? html`<span class="muted">—</span>`}</div>
    <div role="cell" class="num col-mem">${memoryLabel(vm.memory) || html`<span class="muted">—</span>`}</div>
    <div role="cell" class="num col-disk">${gbLabel(vm.disk_size) || html`<span class="muted">—</span>`}</div>
    <div role="cell" class="col-actions"><${ActionButtons} vm=${vm} busy=${busy} compact=${true} offline=${offline} /></div>
  </div>`;
}

const VmRow = memo(Row);

/** Tick (or untick) VMs for the bulk actions. */
export function select(names, on) {
  const chosen = new Set(getState().selection);
  for (const name of names) {
    if (on) chosen.add(name);
    else chosen.delete(name);
  }
  setState({ selection: [...chosen] });
}

/** `vms`: the rows to render (a window of `all`), the first being `all[first]`; each row is
 * `rowHeight` tall (measured by the windowed list; app.css: --row-h), so the body is as tall
 * as every row would be. */
export function VmTable({ vms, all = vms, first = 0, rowHeight, busy, sort, caption, orchard = false, offline = false }) {
  const selection = useStore((s) => s.selection);
  const chosen = new Set(selection);
  const ticked = all.filter((vm) => chosen.has(vm.name)).length;
  const columns = orchard ? [...COLUMNS.slice(0, 2), WORKER_COLUMN, ...COLUMNS.slice(2)] : COLUMNS;
  const toggle = (key) => {
    const dir = sort.key === key && sort.dir === 'asc' ? 'desc' : 'asc';
    setPrefs({ sort: { key, dir } });
  };
  return html`<div class="vm-list" role="table" aria-label=${caption} aria-rowcount=${all.length + 1}>
    <div role="rowgroup" class="vm-list-head">
      <div role="row" class="vm-row" aria-rowindex="1">
        <div role="columnheader" class="col-select">
          <input type="checkbox" aria-label=${`Select every ${caption === 'Base images' ? 'base image' : 'VM'} shown`}
            checked=${ticked > 0 && ticked === all.length} indeterminate=${ticked > 0 && ticked < all.length}
            onChange=${(e) => select(all.map((vm) => vm.name), e.currentTarget.checked)} />
        </div>
        ${columns.map((c) => {
          const active = sort.key === c.key;
          return html`<div role="columnheader" key=${c.key} class=${c.cls || `col-${c.key}`}
              aria-sort=${active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}>
            <button type="button" class="sort" onClick=${() => toggle(c.key)}>
              ${c.label}
              <span class=${`sort-icon ${active ? 'on' : ''}`} aria-hidden="true">
                <${Icon} name=${active && sort.dir === 'desc' ? 'arrowDown' : 'arrowUp'} size=${12} />
              </span>
            </button>
          </div>`;
        })}
        <div role="columnheader" class="col-actions"><span class="sr-only">Actions</span></div>
      </div>
    </div>
    <div role="rowgroup" class="vm-list-body" style=${{ height: `${all.length * rowHeight}px` }}>
      ${vms.map((vm, i) => html`<${VmRow} key=${vm.name} vm=${vm} busy=${busy[vm.name]} orchard=${orchard} offline=${offline}
          selected=${chosen.has(vm.name)} top=${(first + i) * rowHeight} index=${first + i + 2} />`)}
    </div>
  </div>`;
}
