// The app's frame: the token gate, or the header, inventory, activity panel and dialogs.
import { html } from '../html.js';
import { closeDialog, setPrefs, useStore } from '../state.js';
import { navigate } from '../router.js';
import { Icon, Logo } from '../components/icons.js';
import { Toasts } from '../components/toasts.js';
import { lazy } from '../components/lazy.js';
import { Banners } from './banners.js';
import { Inventory } from './inventory.js';
import { Activity, activityOpen, runningCount } from './activity.js';

function Connecting() {
  return html`<p class="boot" role="status">Connecting…</p>`;
}

// Only without a (valid) token, so not part of the inventory's first screen.
const TokenPage = lazy(() => import('./token.js'), 'TokenPage', Connecting);
const Detail = lazy(() => import('./detail.js'), 'Detail');
const Settings = lazy(() => import('./settings.js'), 'Settings');
const Storage = lazy(() => import('./storage.js'), 'Storage');
const Workers = lazy(() => import('./workers.js'), 'Workers');
const CreateDialog = lazy(() => import('./create.js'), 'CreateDialog');
const CloneDialog = lazy(() => import('./clone.js'), 'CloneDialog');
const PullDialog = lazy(() => import('./pull.js'), 'PullDialog');
const DeleteDialog = lazy(() => import('./delete.js'), 'DeleteDialog');
const EditDialog = lazy(() => import('./edit.js'), 'EditDialog');
const RenameDialog = lazy(() => import('./rename.js'), 'RenameDialog');
const StartOptionsDialog = lazy(() => import('./startoptions.js'), 'StartOptionsDialog');
const MacLimitDialog = lazy(() => import('./maclimit.js'), 'MacLimitDialog');
const PushDialog = lazy(() => import('./images.js'), 'PushDialog');
const ExportDialog = lazy(() => import('./images.js'), 'ExportDialog');
const ImportDialog = lazy(() => import('./images.js'), 'ImportDialog');
const RunCopyDialog = lazy(() => import('./throwaway.js'), 'RunCopyDialog');
const ForceStopDialog = lazy(() => import('./forcestop.js'), 'ForceStopDialog');
const BulkDialog = lazy(() => import('./bulk.js'), 'BulkDialog');

const DIALOGS = {
  create: CreateDialog,
  clone: CloneDialog,
  pull: PullDialog,
  delete: DeleteDialog,
  edit: EditDialog,
  rename: RenameDialog,
  'start-options': StartOptionsDialog,
  'macos-limit': MacLimitDialog,
  push: PushDialog,
  export: ExportDialog,
  import: ImportDialog,
  'run-copy': RunCopyDialog,
  'force-stop': ForceStopDialog,
  bulk: BulkDialog,
};

function Header() {
  const health = useStore((s) => s.health);
  const tart = useStore((s) => s.tart);
  const active = useStore((s) => Object.values(s.tasks).filter((t) => t.status === 'running' || t.status === 'pending').length);
  return html`<header class="topbar">
    <a class="brand" href="#/" aria-label="de taartenfabriek: the inventory" onClick=${(e) => { e.preventDefault(); navigate({ name: 'home' }); }}>
      <${Logo} size=${26} /><span class="brand-name">de taartenfabriek</span>
    </a>
    <div class="topbar-badges">
      ${health?.demo ? html`<span class="pill pill-demo" title="Simulated Tart: nothing here touches real VMs">Demo</span>` : null}
      ${health?.backend && health.backend !== 'local' ? html`<span class="pill">${health.backend}</span>` : null}
      ${tart.missing ? html`<span class="pill pill-error">${health?.backend === 'orchard' ? 'Controller unreachable' : 'Tart missing'}</span>` : null}
    </div>
    <div class="topbar-spacer"></div>
    <a class="btn btn-ghost btn-sm activity-jump" href="#activity-title" aria-label=${`Activity${active ? `, ${active} running` : ''}`}
        onClick=${() => setPrefs({ activity: 'shown' })}>
      <${Icon} name="activity" />${active ? html`<span class="count count-live">${active}</span>` : null}
    </a>
    ${health?.backend === 'orchard' ? html`<${WorkersLink} />` : null}
    <a class="btn btn-ghost btn-sm hide-narrow" href="/docs" target="_blank" rel="noopener">API docs</a>
    ${health?.backend === 'orchard' ? null : html`<button type="button" class="btn btn-ghost btn-sm" onClick=${() => navigate({ name: 'storage' })}>
      <${Icon} name="drive" /><span class="hide-narrow">Storage</span><span class="sr-only narrow-only">Storage</span>
    </button>`}
    <button type="button" class="btn btn-ghost btn-sm" onClick=${() => navigate({ name: 'settings' })}>
      <${Icon} name="settings" /><span class="hide-narrow">Settings</span><span class="sr-only narrow-only">Settings</span>
    </button>
  </header>`;
}

/** Orchard only: the fleet's Macs (`#/workers`); the inventory is one click back. */
function WorkersLink() {
  const route = useStore((s) => s.route);
  const here = route.name === 'workers';
  return html`<a class=${`btn btn-sm ${here ? 'btn-secondary' : 'btn-ghost'}`} href="#/workers" aria-current=${here ? 'page' : undefined}
      onClick=${(e) => { e.preventDefault(); navigate({ name: here ? 'home' : 'workers' }); }}>
    <${Icon} name="cpu" /><span class="hide-narrow">Workers</span><span class="sr-only narrow-only">Workers</span>
  </a>`;
}

function Main() {
  const workers = useStore((s) => s.route.name === 'workers');
  return workers ? html`<${Workers} />` : html`<${Inventory} />`;
}

function Dialogs() {
  const dialog = useStore((s) => s.dialog);
  const route = useStore((s) => s.route);
  const close = () => navigate({ name: 'home' });
  const Modal = dialog ? DIALOGS[dialog.type] : null;
  return html`
    ${route.name === 'vm' ? html`<${Detail} key=${route.vm} name=${route.vm} onClose=${close} />` : null}
    ${route.name === 'settings' ? html`<${Settings} onClose=${close} />` : null}
    ${route.name === 'storage' ? html`<${Storage} onClose=${close} />` : null}
    ${Modal ? html`<${Modal} key=${dialog.type} ...${dialog} onClose=${closeDialog} />` : null}`;
}

function Shell() {
  const open = useStore((s) => activityOpen(s.prefs, runningCount(s.tasks)));
  return html`<div class=${`app ${open ? 'activity-open' : 'activity-closed'}`}>
    <a class="skip" href="#main">Skip to the inventory</a>
    <${Header} />
    <div class="layout">
      <main class="main" id="main" tabindex="-1">
        <${Banners} />
        <${Main} />
      </main>
      <aside class="side" aria-label="Activity">
        <${Activity} />
      </aside>
    </div>
    <${Dialogs} />
    <${Toasts} />
  </div>`;
}

export function App() {
  const auth = useStore((s) => s.auth);
  if (auth === 'checking') return html`<${Connecting} />`;
  if (auth !== 'ok') return html`<${TokenPage} /><${Toasts} />`;
  return html`<${Shell} />`;
}
