// One VM or base image as a card: name, status, address, resources and its actions.
import { html } from '../html.js';
import { memo } from '../components/memo.js';
import { VmBadge } from '../components/badge.js';
import { CopyButton } from '../components/copy.js';
import { Icon } from '../components/icons.js';
import { gbLabel, isBaseImage, memoryLabel, osLabel, relativeTime, shortDigest, splitName } from '../format.js';
import { hrefFor } from '../router.js';
import { ActionButtons } from './vmactions.js';
import { IpHint } from './ipdiag.js';
import { Sparkline } from './usage.js';
import { Labels } from './labels.js';

export function specs(vm) {
  return [
    osLabel(vm.os),
    vm.cpu ? `${vm.cpu} CPU` : null,
    memoryLabel(vm.memory),
    gbLabel(vm.disk_size) ? `${gbLabel(vm.disk_size)} disk` : null,
  ].filter(Boolean);
}

function subtitleOf(vm, base) {
  if (base) return 'Base image';
  const used = vm.accessed ? relativeTime(vm.accessed) : null;
  if (vm.worker) return `on ${vm.worker}`;
  return used ? `Used ${used}` : 'Local VM';
}

// `top` and `column`: the card's place in a windowed list (views/inventory.js), absolutely
// positioned. Placed, a card stays where it is while others come and go around it, and a new
// card is laid out alone: nothing else in the list is laid out again (a grid re-ran its
// placement over every card each frame).
// `light`: the card just came into a scrolled list; its actions follow in the next frame
// (components/windowed.js), so a frame makes half a card.
function Card({ vm, busy, offline, top, column, light = false }) {
  const base = isBaseImage(vm);
  const { title, subtitle, tag } = splitName(vm.name);
  const href = hrefFor({ name: 'vm', vm: vm.name });
  const facts = specs(vm);
  return html`<article class=${`card vm-card ${base ? 'is-image' : ''}`} data-vm=${vm.name}
      data-status=${vm.status} aria-label=${vm.name} style=${top == null ? undefined : `top: ${top}px; --column: ${column}`}>
    <div class="card-top">
      <div class="vm-icon" aria-hidden="true"><${Icon} name=${base ? 'layers' : 'monitor'} size=${18} /></div>
      <div class="vm-names">
        <h3 class="vm-title"><a class="vm-link" href=${href} title=${vm.name}>${title}</a></h3>
        ${subtitle || tag
          ? html`<p class="vm-subtitle" title=${vm.name}>${subtitle}${tag ? html`<span class="vm-tag">${tag}</span>` : null}<${Labels} labels=${vm.labels} vmName=${vm.name} inline=${true} /></p>`
          : html`<p class="vm-subtitle">${vm.throwaway
              ? html`<span class="throwaway-tag" title="A throwaway copy: the server deletes it when it stops">Throwaway: deleted when it stops</span>`
              : subtitleOf(vm, base)}<${Labels} labels=${vm.labels} vmName=${vm.name} inline=${true} /></p>`}
      </div>
      <${VmBadge} vm=${vm} busy=${busy} />
    </div>
    <div class="card-meta">
      <div class="meta-row">
      ${vm.ip_address
        ? html`<div class="meta-line ip"><span class="mono">${vm.ip_address}</span><${CopyButton} value=${vm.ip_address} label=${`Copy IP address of ${vm.name}`} /></div>`
        : base
          ? html`<div class="meta-line muted mono" title=${vm.digest || ''}>${vm.digest ? shortDigest(vm.digest) : 'OCI image'}</div>`
          : vm.source === 'orchard' && vm.status === 'running'
            ? html`<div class="meta-line muted" title="Orchard tells the IP only to the task that starts a VM (it asks the worker); the Console, the Terminal and orchard ssh need none">IP not looked up</div>`
            : vm.status === 'running' ? html`<${IpHint} vm=${vm} />` : html`<div class="meta-line muted">No IP address</div>`}
      ${vm.status === 'running' && vm.source !== 'orchard' ? html`<${Sparkline} name=${vm.name} />` : null}
      </div>
      <ul class="specs" aria-label="Resources">
        ${facts.length ? facts.map((f) => html`<li key=${f}>${f}</li>`) : html`<li class="muted">Configuration loading…</li>`}
      </ul>
    </div>
    <div class="card-actions">
      ${light ? null : html`<${ActionButtons} vm=${vm} busy=${busy} offline=${offline} />`}
    </div>
  </article>`;
}

export const VmCard = memo(Card);
