import { CloudError } from '../../driver/cloud-error';
import type { NodeAction, NodeState } from '../../driver/compute-driver';

/**
 * Nova's server status (what the server is) to a v1 state. A v1 state promises what the v1 verbs do
 * with it: a `stopped` node can be started, a `running` one stopped (see NOVA_ACTION), and `pending`
 * settles on its own. So statuses of work that ends by itself (build, resize, migration, rebuild)
 * are `pending`; statuses that wait for someone to act are settled, with `extra.awaiting` naming
 * the Nova action they wait for (AWAITING).
 */
const STATUS: Record<string, NodeState> = {
  ACTIVE: 'running',
  BUILD: 'pending',
  REBUILD: 'pending',
  RESIZE: 'pending',
  REVERT_RESIZE: 'pending',
  MIGRATING: 'pending',
  PASSWORD: 'pending',
  // Running on its new flavor until the resize is confirmed or reverted (or Nova's
  // resize_confirm_window confirms it): it will not settle by waiting.
  VERIFY_RESIZE: 'running',
  REBOOT: 'rebooting',
  HARD_REBOOT: 'rebooting',
  SHUTOFF: 'stopped',
  // Rackspace's older Cloud Servers said STOPPED for SHUTOFF.
  STOPPED: 'stopped',
  SUSPENDED: 'stopped',
  PAUSED: 'stopped',
  SHELVED: 'stopped',
  SHELVED_OFFLOADED: 'stopped',
  // Booted from a rescue image: its own system is not running until `unrescue`, which `start` sends.
  RESCUE: 'stopped',
  ERROR: 'error',
  DELETED: 'terminated',
  SOFT_DELETED: 'terminated',
  UNKNOWN: 'unknown',
};

/** Statuses that change only when someone acts: the Nova action(s) they wait for. */
const AWAITING: Record<string, string> = {
  VERIFY_RESIZE: 'confirmResize or revertResize',
  SUSPENDED: 'resume',
  PAUSED: 'unpause',
  SHELVED: 'unshelve',
  SHELVED_OFFLOADED: 'unshelve',
  RESCUE: 'unrescue',
};

/**
 * OS-EXT-STS:task_state (what Nova is doing to it right now) wins over the status, which lags:
 * a server being stopped is still ACTIVE until the compute host reports it off.
 */
const TASK: Record<string, NodeState> = {
  'powering-off': 'stopping',
  suspending: 'stopping',
  pausing: 'stopping',
  shelving: 'stopping',
  shelving_image_pending_upload: 'stopping',
  shelving_image_uploading: 'stopping',
  shelving_offloading: 'stopping',
  rescuing: 'stopping',
  'powering-on': 'starting',
  resuming: 'starting',
  unpausing: 'starting',
  unshelving: 'starting',
  unrescuing: 'starting',
  rebooting: 'rebooting',
  reboot_pending: 'rebooting',
  reboot_started: 'rebooting',
  rebooting_hard: 'rebooting',
  reboot_pending_hard: 'rebooting',
  reboot_started_hard: 'rebooting',
  // The delete is accepted and cannot be undone: callers waiting for the end see it now.
  deleting: 'terminated',
  soft_deleting: 'terminated',
  scheduling: 'pending',
  block_device_mapping: 'pending',
  networking: 'pending',
  spawning: 'pending',
};

export function novaNodeState(status: unknown, taskState?: unknown): NodeState {
  const task = typeof taskState === 'string' ? TASK[taskState.toLowerCase()] : undefined;
  // A failed server stays `error` whatever Nova tries next (e.g. a delete that may fail too).
  const fromStatus = typeof status === 'string' ? STATUS[status.toUpperCase()] : undefined;
  if (fromStatus === 'error' && task !== 'terminated') return 'error';
  return task ?? fromStatus ?? 'unknown';
}

/** The Nova action a settled status waits for (shown as `extra.awaiting`), if it waits for one. */
export function novaAwaiting(status: unknown, taskState?: unknown): string | undefined {
  if (typeof taskState === 'string' && taskState) return undefined;
  return typeof status === 'string' ? AWAITING[status.toUpperCase()] : undefined;
}

/**
 * The server action that takes a server in this status where the v1 verb goes: `start` brings back
 * every status shown `stopped`, each by its own way back (Nova refuses os-start on a paused server).
 */
const START: Record<string, unknown> = {
  SHUTOFF: { 'os-start': null },
  STOPPED: { 'os-start': null },
  PAUSED: { unpause: null },
  SUSPENDED: { resume: null },
  SHELVED: { unshelve: null },
  SHELVED_OFFLOADED: { unshelve: null },
  RESCUE: { unrescue: null },
};

/**
 * The POST /servers/{id}/action body for a v1 verb on a server in `status`. Statuses not listed go
 * the plain way (os-start, os-stop, reboot), and Nova's own 409 says why if it cannot.
 */
export function novaActionBody(action: NodeAction, status: unknown): unknown {
  const key = typeof status === 'string' ? status.toUpperCase() : '';
  if (action === 'reboot') return { reboot: { type: 'SOFT' } };
  if (action === 'start') return START[key] ?? { 'os-start': null };
  if (key === 'VERIFY_RESIZE') {
    // Nova cannot stop a resized server; confirming or reverting is the owner's decision, not ours.
    throw new CloudError(
      'conflict',
      'stop node: the server awaits confirmResize or revertResize (a resize to check); Nova cannot stop it until then',
    );
  }
  return { 'os-stop': null };
}
