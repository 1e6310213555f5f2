// Start options between the form and the API (docs/lifecycle.md "Start options"): the form's
// state from `VMStartOptions`, the body sent back, and the API's 422s put next to the field
// (or the shared-folder / disk row) they are about.

let rowKey = 0;

export const DISPLAYS = [
  ['vnc', 'Screen Sharing (VNC)', "Connect with vnc:// to the guest's IP address; needs Screen Sharing or Remote Login in the guest."],
  ['vnc-experimental', 'Built-in VNC', "The Virtualization framework's own screen on 127.0.0.1: works in installers, recovery and the setup assistant."],
  ['none', 'Headless', 'No screen at all; connect over SSH.'],
];

export const NETWORKS = [
  ['nat', 'Shared (NAT, the default)'],
  ['bridged', 'Bridged to a network interface'],
  ['softnet', 'Softnet (isolated from the local network)'],
  ['host', 'Host-only'],
];

export function newDir() {
  rowKey += 1;
  return { key: rowKey, name: '', path: '', read_only: false, tag: null };
}

export function newDisk() {
  rowKey += 1;
  return { key: rowKey, path: '', read_only: true };
}

/** The form's state for a `VMStartOptions` answer. */
export function toForm(options = {}) {
  return {
    display: options.display || 'vnc',
    network: options.network || 'nat',
    bridged_interface: options.bridged_interface || '',
    rosetta: Boolean(options.rosetta_tag),
    rosetta_tag: options.rosetta_tag || 'rosetta',
    suspendable: Boolean(options.suspendable),
    serial: Boolean(options.serial),
    dirs: (options.dirs || []).map((d) => ({ ...newDir(), name: d.name, path: d.path, read_only: Boolean(d.read_only), tag: d.tag ?? null })),
    disks: (options.disks || []).map((d) => ({ ...newDisk(), path: d.path, read_only: Boolean(d.read_only) })),
  };
}

/** A share's name: the one typed, else the folder's own name made safe (`My Code` -> `My-Code`). */
export function shareName(row) {
  const typed = row.name.trim();
  if (typed) return typed;
  const base = row.path.trim().replace(/\/+$/, '').split('/').pop() || '';
  return base.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64);
}

/** The body for PUT / preview / start, and which form row each list index came from (rows
 * left completely empty are not sent). */
export function toBody(form) {
  const dirs = form.dirs.filter((d) => d.name.trim() || d.path.trim());
  const disks = form.disks.filter((d) => d.path.trim());
  return {
    body: {
      display: form.display,
      network: form.network,
      bridged_interface: form.network === 'bridged' ? form.bridged_interface.trim() || null : null,
      rosetta_tag: form.rosetta ? form.rosetta_tag.trim() || 'rosetta' : null,
      suspendable: form.suspendable,
      serial: form.serial,
      dirs: dirs.map((d) => ({ name: shareName(d), path: d.path.trim(), read_only: d.read_only, tag: d.tag ?? null })),
      disks: disks.map((d) => ({ path: d.path.trim(), read_only: d.read_only })),
    },
    dirKeys: dirs.map((d) => d.key),
    diskKeys: disks.map((d) => d.key),
  };
}

const FIELDS = new Set(['display', 'network', 'bridged_interface', 'rosetta_tag', 'suspendable', 'serial', 'dirs', 'disks']);

function normal(path) {
  return path.trim().replace(/\/{2,}/g, '/').replace(/(.)\/$/, '$1');
}

/** Which field a sentence from the server is about (its checks beyond the model). */
function sentenceField(text, form) {
  const share = /^shared folder '([^']+)'/.exec(text);
  if (share) {
    const row = form.dirs.find((d) => shareName(d) === share[1]);
    return row ? `dir-${row.key}-path` : 'dirs';
  }
  const disk = /^disk image (.+?) does not exist/.exec(text) || /^(.+?) is a folder: share it/.exec(text);
  if (disk) {
    const row = form.disks.find((d) => normal(d.path) === disk[1]);
    return row ? `disk-${row.key}-path` : 'disks';
  }
  if (/^this VM is suspended/.test(text) || /each shared folder needs its own name/.test(text)) return 'dirs';
  if (/serial console/.test(text)) return 'serial';
  if (/suspend/i.test(text)) return 'suspendable';
  if (/Rosetta/.test(text)) return 'rosetta_tag';
  if (/bridged/.test(text)) return 'bridged_interface';
  return null;
}

function clean(msg) {
  return String(msg || 'invalid value').replace(/^Value error, /, '');
}

/** `{field: message}` for an ApiError: `dir-<key>-name|path`, `disk-<key>-path`, a top-level
 * field, or `form` for what belongs to no field (a 404, a 409 ...). */
export function optionErrors(error, form, sent) {
  const found = {};
  const put = (key, message) => {
    if (!(key in found)) found[key] = message;
  };
  if (error?.status === 422 && Array.isArray(error.detail)) {
    for (const item of error.detail) {
      const loc = (Array.isArray(item?.loc) ? item.loc : []).filter((part) => part !== 'body');
      const [head, index, sub] = loc;
      const message = clean(item?.msg);
      if (head === 'dirs' && Number.isInteger(index) && sent.dirKeys[index] !== undefined) {
        put(`dir-${sent.dirKeys[index]}-${sub === 'name' || sub === 'tag' ? 'name' : 'path'}`, message);
      } else if (head === 'disks' && Number.isInteger(index) && sent.diskKeys[index] !== undefined) {
        put(`disk-${sent.diskKeys[index]}-path`, message);
      } else if (FIELDS.has(head)) {
        put(head, message);
      } else {
        put(sentenceField(message, form) || 'form', message);
      }
    }
  } else if (error?.status === 422 && typeof error.detail === 'string') {
    put(sentenceField(error.detail, form) || 'form', error.detail);
  } else {
    put('form', error?.message || String(error));
  }
  return found;
}
