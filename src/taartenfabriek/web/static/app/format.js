// Small pure helpers that turn API values into what people read.

/** `ghcr.io/cirruslabs/macos-sequoia-base:latest` -> {title: 'macos-sequoia-base',
 *  subtitle: 'ghcr.io/cirruslabs', tag: 'latest'}; a local name is its own title. */
export function splitName(name) {
  if (!name || !name.includes('/')) return { title: name || '', subtitle: '', tag: '' };
  let rest = name;
  let tag = '';
  const at = rest.indexOf('@');
  if (at !== -1) {
    tag = rest.slice(at + 1);
    rest = rest.slice(0, at);
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon > rest.lastIndexOf('/')) {
      tag = rest.slice(colon + 1);
      rest = rest.slice(0, colon);
    }
  }
  const slash = rest.lastIndexOf('/');
  return { title: rest.slice(slash + 1), subtitle: rest.slice(0, slash), tag: shortDigest(tag) };
}

export function shortDigest(value) {
  if (!value) return '';
  const match = /^sha256:([0-9a-f]{12})[0-9a-f]*$/i.exec(value);
  return match ? `sha256:${match[1]}` : value;
}

export function isBaseImage(vm) {
  if (vm.kind) return vm.kind === 'base_image';
  return String(vm.source || '').toLowerCase() === 'oci';
}

/** Tart's state when it knows one (suspended), else the seed's status. */
export function vmState(vm) {
  if (vm.state && vm.state !== 'unknown') return vm.state;
  return vm.status || 'unknown';
}

export function osLabel(os) {
  if (!os) return null;
  const value = String(os).toLowerCase();
  if (value === 'darwin' || value === 'macos') return 'macOS';
  if (value === 'linux') return 'Linux';
  return String(os);
}

/** `8G` -> `8 GB`; `1536M` -> `1.5 GB`; numbers are GB. */
export function memoryLabel(memory) {
  if (memory === null || memory === undefined || memory === '') return null;
  const match = /^(\d+(?:\.\d+)?)\s*([MGT])?B?$/i.exec(String(memory));
  if (!match) return String(memory);
  const value = Number(match[1]);
  const unit = (match[2] || 'G').toUpperCase();
  if (unit === 'M') return `${trim(value / 1024)} GB`;
  if (unit === 'T') return `${trim(value)} TB`;
  return `${trim(value)} GB`;
}

/** Memory in GB as a number, for sorting and for defaults. */
export function memoryGb(memory) {
  const match = /^(\d+(?:\.\d+)?)\s*([MGT])?/i.exec(String(memory ?? ''));
  if (!match) return null;
  const value = Number(match[1]);
  const unit = (match[2] || 'G').toUpperCase();
  return unit === 'M' ? value / 1024 : unit === 'T' ? value * 1024 : value;
}

export function diskGb(disk) {
  if (disk === null || disk === undefined || disk === '') return null;
  const number = Number.parseFloat(String(disk));
  return Number.isFinite(number) ? number : null;
}

export function gbLabel(value) {
  const number = diskGb(value);
  return number === null ? null : `${trim(number)} GB`;
}

function trim(value) {
  return Number.isInteger(value) ? String(value) : value.toFixed(1).replace(/\.0$/, '');
}

/** Seconds -> `0:07`, `12:03`, `1:02:03`. */
export function duration(seconds) {
  const total = Math.max(0, Math.floor(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** How long a finished task took: `0.6 s`, `12 s`, `3:05`. */
export function took(seconds) {
  if (seconds < 10) return `${Math.max(0, seconds).toFixed(1)} s`;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  return duration(seconds);
}

/** An age in words: `40 seconds`, `12 minutes`, `3 hours`, `2 days` (never `12:03`, which
 * reads as a clock). */
export function age(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const unit = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (s < 60) return unit(s, 'second');
  if (s < 3600) return unit(Math.round(s / 60), 'minute');
  if (s < 86400) return unit(Math.round(s / 3600), 'hour');
  return unit(Math.round(s / 86400), 'day');
}

export function relativeTime(date) {
  const time = date instanceof Date ? date.getTime() : Date.parse(date);
  if (!Number.isFinite(time)) return null;
  const diff = (Date.now() - time) / 1000;
  if (diff < 45) return 'just now';
  const units = [
    [60, 'minute'],
    [3600, 'hour'],
    [86400, 'day'],
    [2592000, 'month'],
    [31536000, 'year'],
  ];
  let label = 'minute';
  let size = 60;
  for (const [s, name] of units) {
    if (diff >= s) {
      size = s;
      label = name;
    }
  }
  const n = Math.round(diff / size);
  return `${n} ${label}${n === 1 ? '' : 's'} ago`;
}

export function clockTime(unixSeconds) {
  return new Date(unixSeconds * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

const VERBS = {
  start: ['Start', 'Starting', 'Started'],
  stop: ['Stop', 'Stopping', 'Stopped'],
  delete: ['Delete', 'Deleting', 'Deleted'],
  pull: ['Pull', 'Pulling', 'Pulled'],
  clone: ['Clone', 'Cloning', 'Cloned'],
  create: ['Create', 'Creating', 'Created'],
  suspend: ['Suspend', 'Suspending', 'Suspended'],
  resume: ['Resume', 'Resuming', 'Resumed'],
  shutdown: ['Shut down', 'Shutting down', 'Shut down'],
  set: ['Configure', 'Configuring', 'Configured'],
  rename: ['Rename', 'Renaming', 'Renamed'],
  'create-empty': ['Create', 'Creating', 'Created'],
  prune: ['Prune', 'Pruning', 'Pruned'],
  push: ['Push', 'Pushing', 'Pushed'],
  export: ['Export', 'Exporting', 'Exported'],
  import: ['Import', 'Importing', 'Imported'],
  'run-copy': ['Run a copy', 'Running a copy', 'Ran a copy'],
};

export function actionVerb(action, form = 0) {
  const verbs = VERBS[action];
  if (verbs) return verbs[form];
  const word = String(action || 'task');
  return word.charAt(0).toUpperCase() + word.slice(1);
}

export const FINAL = new Set(['completed', 'failed']);

/** The task's progress in percent: the server's field, else the last `N%` line of its logs. */
export function taskProgress(task) {
  if (typeof task.progress === 'number') return Math.max(0, Math.min(100, task.progress));
  const logs = task.logs || [];
  for (let i = logs.length - 1; i >= Math.max(0, logs.length - 50); i -= 1) {
    const match = /(\d{1,3}(?:\.\d+)?)\s*%\s*$/.exec(logs[i]);
    if (match && Number(match[1]) <= 100) return Number(match[1]);
  }
  return task.action === 'pull' && task.status === 'completed' ? 100 : null;
}

/** A command as one shell-safe line (for display and copy); `short` shows the executable
 * by its name only (`tart ...` rather than `/opt/homebrew/bin/tart ...`). */
export function shellLine(argv, short = false) {
  if (!Array.isArray(argv) || !argv.length) return '';
  const parts = short ? [String(argv[0]).split('/').pop(), ...argv.slice(1)] : argv;
  return parts
    .map((part) => (/^[\w@%+=:,./-]+$/.test(part) ? part : `'${String(part).replace(/'/g, "'\\''")}'`))
    .join(' ');
}
