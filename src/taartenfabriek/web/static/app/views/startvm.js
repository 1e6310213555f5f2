// Every start in the UI (a clone that starts too) goes through here, so that the server's
// refusal to run a third macOS VM (409, Apple's limit of two) opens a dialog that explains it
// and offers to stop one, instead of a notice with a long sentence. Other errors reach the
// caller as before.
import { vmPath } from '../api.js';
import { actions, submit } from '../data.js';
import { openDialog } from '../state.js';

const MAC_LIMIT = /macOS runs at most (\d+) macOS VMs? at once/i;

/** The limit from the server's 409 (`cannot start x: macOS runs at most 2 macOS VMs at
 * once ...`, docs/care.md), or null for any other error. */
export function macLimitOf(error) {
  if (error?.status !== 409 || typeof error.detail !== 'string') return null;
  const match = MAC_LIMIT.exec(error.detail);
  return match ? Number(match[1]) : null;
}

/** Open the limit dialog for a refused request (`props` say what to send again once a slot is
 * free) and resolve to null; any other error is thrown on. */
function limited(error, props) {
  const limit = macLimitOf(error);
  if (limit === null) throw error;
  openDialog('macos-limit', { ...props, limit, detail: error.detail });
  return null;
}

/** POST start (or resume) with an optional StartRequest body; resolves to the Task, or null
 * when the macOS limit refused it (the dialog is then open). */
export async function startVm(name, { body, resume = false } = {}) {
  try {
    return await submit(vmPath(name, resume ? 'resume' : 'start'), body ?? {});
  } catch (error) {
    return limited(error, { name, body, resume });
  }
}

/** POST clone; with `start_after_clone` the server checks the limit before cloning, so its
 * refusal opens the same dialog, which clones again once a slot is free. */
export async function cloneVm(source, body) {
  try {
    return await actions.clone(source, body);
  } catch (error) {
    return limited(error, { name: body.new_name, clone: { source, body } });
  }
}
