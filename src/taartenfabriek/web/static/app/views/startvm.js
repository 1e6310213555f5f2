// Every start in the UI goes through here, so that the server's refusal to run a third macOS
// VM (409, Apple's limit of two) opens a dialog that explains it and offers to stop one,
// instead of a notice with a long sentence. Other errors reach the caller as before.
import { vmPath } from '../api.js';
import { submit } from '../data.js';
import { openDialog } from '../state.js';

const MAC_LIMIT = /macOS runs at most (\d+) macOS VMs? at once/i;

/** The limit from the server's 409 (`cannot start x: macOS runs at most 2 macOS VMs at
 * once ...`, docs/care.md), or null for any other error. */
export function macLimitOf(error) {
  if (error?.status !== 409 || typeof error.detail !== 'string') return null;
  const match = MAC_LIMIT.exec(error.detail);
  return match ? Number(match[1]) : null;
}

/** POST start (or resume) with an optional StartRequest body; resolves to the Task, or null
 * when the macOS limit refused it (the dialog is then open). */
export async function startVm(name, { body, resume = false } = {}) {
  try {
    return await submit(vmPath(name, resume ? 'resume' : 'start'), body ?? {});
  } catch (error) {
    const limit = macLimitOf(error);
    if (limit === null) throw error;
    openDialog('macos-limit', { name, limit, detail: error.detail, body, resume });
    return null;
  }
}
