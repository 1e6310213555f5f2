// Follow one task over `/ws/tasks/{id}?token=`: the first message is the task as it is, then
// one message per change; the server closes the socket after the final state. If the socket
// drops early we fall back to polling `GET /api/tasks/{id}` and try the socket again.
import { api } from './api.js';
import { currentToken } from './token.js';
import { FINAL } from './format.js';

const POLICY_VIOLATION = 1008;
const NOT_FOUND = 4404;

export function socketUrl(taskId) {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  const token = encodeURIComponent(currentToken());
  return `${scheme}://${window.location.host}/ws/tasks/${encodeURIComponent(taskId)}?token=${token}`;
}

/**
 * Call `onTask(task)` for every state of the task until it is final, then `onDone(task)`.
 * `onAuth()` is called if the server refuses the token. Returns a function that stops following.
 */
export function followTask(taskId, { onTask, onDone, onAuth, onGone }) {
  let stopped = false;
  let socket = null;
  let timer = null;
  let last = null;
  let failures = 0;

  const finish = (task) => {
    if (stopped) return;
    stopped = true;
    onDone?.(task);
  };

  const receive = (task) => {
    if (!task || task.id !== taskId) return;
    last = task;
    onTask(task);
    if (FINAL.has(task.status)) finish(task);
  };

  const poll = async () => {
    timer = null;
    if (stopped) return;
    try {
      receive(await api(`/api/tasks/${encodeURIComponent(taskId)}`));
    } catch (error) {
      if (error?.status === 404) {
        stopped = true;
        onGone?.();
        return;
      }
      if (error?.status === 401 || error?.status === 403) return; // api() reported it
    }
    if (!stopped) timer = setTimeout(open, Math.min(8000, 500 * 2 ** failures));
  };

  const open = () => {
    timer = null;
    if (stopped) return;
    try {
      socket = new WebSocket(socketUrl(taskId));
    } catch {
      failures += 1;
      timer = setTimeout(poll, 1000);
      return;
    }
    socket.onmessage = (event) => {
      failures = 0;
      try {
        receive(JSON.parse(event.data));
      } catch {
        /* not JSON: ignore */
      }
    };
    socket.onclose = (event) => {
      socket = null;
      if (stopped) return;
      if (event.code === POLICY_VIOLATION && /token/i.test(event.reason || '')) {
        stopped = true;
        onAuth?.();
        return;
      }
      if (event.code === NOT_FOUND) {
        stopped = true;
        onGone?.();
        return;
      }
      if (last && FINAL.has(last.status)) return;
      failures += 1;
      timer = setTimeout(poll, failures === 1 ? 200 : 1000);
    };
  };

  open();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    if (socket && socket.readyState <= 1) socket.close(1000);
  };
}
