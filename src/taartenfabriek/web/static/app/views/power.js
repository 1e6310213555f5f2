// Power actions shared by cards, rows and the details: Shut down asks the guest (Tart's SIGUSR2
// path) and is the main action; Force stop (`tart stop`, which kills the guest) and stopping a
// suspended VM (which discards its saved state) always ask first. A guest that has not stopped
// after a bounded wait (a macOS guest may be showing a dialog nobody sees) is said so, with
// Force stop offered.
import { actions, loadVms, whenDone } from '../data.js';
import { getState, openDialog, toast } from '../state.js';
import { vmState } from '../format.js';

/** Seconds the server waits for the guest; kept in this browser's prefs (`shutdownWait`). */
export function shutdownWait() {
  const wait = Number(getState().prefs.shutdownWait);
  return Number.isFinite(wait) && wait >= 1 && wait <= 3600 ? wait : 60;
}

/** The confirmation before `tart stop`: `mode` is `running`, `suspended` or `stuck`. */
export function confirmForceStop(vm, mode = null, extra = {}) {
  const state = mode || (vmState(vm) === 'suspended' ? 'suspended' : 'running');
  openDialog('force-stop', { vm, mode: state, ...extra });
}

/** Shut down; resolves true once the guest has stopped, false otherwise (said to the user). */
export async function shutDown(vm) {
  const wait = shutdownWait();
  let task;
  try {
    task = await actions.shutdown(vm.name, wait);
  } catch (error) {
    if (error.status === 409 && vmState(vm) === 'running') {
      // The server cannot ask this guest (it was started elsewhere): say why, offer the rest.
      confirmForceStop(vm, 'running', { reason: error.message });
    } else {
      toast(error.message, 'error', 10000);
    }
    return false;
  }
  const final = await whenDone(task.id);
  if (final.status === 'completed') return true;
  if (final.cancelled) return false;
  await loadVms();
  const now = getState().vms.find((v) => v.name === vm.name);
  if (now && vmState(now) === 'running') confirmForceStop(now, 'stuck', { waited: wait });
  return false;
}

/** Shut the VM down, then start it with these start options (the console's fix: Tart's
 * built-in VNC server for a guest without Screen Sharing). */
export async function restartWith(vm, body) {
  if (vmState(vm) === 'running' && !(await shutDown(vm))) return;
  const { startVm } = await import('./startvm.js');
  await startVm(vm.name, { body });
}
