// The inventory as a sortable table; header buttons set the shared sort (aria-sort shows it).
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

function Row({ vm, busy, orchard, offline, selected }) {
  const { title, subtitle, tag } = splitName(vm.name);
  // The section says whether these are VMs or base images: no kind repeated on every row.
  return html`<tr data-vm=${vm.name} data-status=${vm.status} class=${selected ? 'is-selected' : ''}>
    <td class="col-select"><input type="checkbox" checked=${selected} aria-label=${`Select ${vm.name}`}
      onChange=${(e) => select([vm.name], e.currentTarget.checked)} /></td>
    <th scope="row" class="col-name">
      <a class="vm-link" href=${hrefFor({ name: 'vm', vm: vm.name })} title=${vm.name}>${title}</a>
      ${subtitle ? html`<span class="row-sub">${subtitle}${tag ? ` · ${tag}` : ''}</span>` : null}
    </th>
    <td><${VmBadge} vm=${vm} busy=${busy} /></td>
    ${orchard ? html`<td class="col-worker">${vm.worker || html`<span class="muted" title=${vm.phase === 'queued' ? 'Queued: no worker has room for it yet' : undefined}>—</span>`}</td>` : null}
    <td class="mono col-ip">${vm.ip_address || html`<span class="muted" title=${vm.ip_diagnosis || undefined}>—</span>`}</td>
    <td class="col-os">${osLabel(vm.os) || html`<span class="muted">—</span>`}</td>
    <td class="num col-cpu">${vm.cpu ?? html`<span class="muted">—</span>`}</td>
    <td class="num col-mem">${memoryLabel(vm.memory) || html`<span class="muted">—</span>`}</td>
    <td class="num col-disk">${gbLabel(vm.disk_size) || html`<span class="muted">—</span>`}</td>
    <td class="col-actions"><${ActionButtons} vm=${vm} busy=${busy} compact=${true} offline=${offline} /></td>
  </tr>`;
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

export function VmTable({ vms, all = vms, before = 0, after = 0, busy, sort, caption, orchard = false, offline = false }) {
  const selection = useStore((s) => s.selection);
  const chosen = new Set(selection);
  const ticked = all.filter((vm) => chosen.has(vm.name)).length;
  const columns = orchard ? [...COLUMNS.slice(0, 2), WORKER_COLUMN, ...COLUMNS.slice(2)] : COLUMNS;
  const toggle = (key) => {
    const dir = sort.key === key && sort.dir === 'asc' ? 'desc' : 'asc';
    setPrefs({ sort: { key, dir } });
  };
  return html`<div class="table-wrap vm-table-wrap">
    <table class="vm-table">
      <caption class="sr-only">${caption}</caption>
      <thead>
        <tr>
          <th scope="col" class="col-select">
            <input type="checkbox" aria-label=${`Select every ${caption === 'Base images' ? 'base image' : 'VM'} shown`}
              checked=${ticked > 0 && ticked === all.length} indeterminate=${ticked > 0 && ticked < all.length}
              onChange=${(e) => select(all.map((vm) => vm.name), e.currentTarget.checked)} />
          </th>
          ${columns.map((c) => {
            const active = sort.key === c.key;
            return html`<th key=${c.key} scope="col" class=${c.cls || ''}
                aria-sort=${active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}>
              <button type="button" class="sort" onClick=${() => toggle(c.key)}>
                ${c.label}
                <span class=${`sort-icon ${active ? 'on' : ''}`} aria-hidden="true">
                  <${Icon} name=${active && sort.dir === 'desc' ? 'arrowDown' : 'arrowUp'} size=${12} />
                </span>
              </button>
            </th>`;
          })}
          <th scope="col" class="col-actions"><span class="sr-only">Actions</span></th>
        </tr>
      </thead>
      <tbody>
        ${before ? html`<tr class="spacer" aria-hidden="true" style=${{ height: `${before}px` }}><td colspan=${columns.length + 2}></td></tr>` : null}
        ${vms.map((vm) => html`<${VmRow} key=${vm.name} vm=${vm} busy=${busy[vm.name]} orchard=${orchard} offline=${offline} selected=${chosen.has(vm.name)} />`)}
        ${after ? html`<tr class="spacer" aria-hidden="true" style=${{ height: `${after}px` }}><td colspan=${columns.length + 2}></td></tr>` : null}
      </tbody>
    </table>
  </div>`;
}
