import type { NodeState } from '../../driver/compute-driver';

/**
 * Nova's server status (what the server is) to a v1 state. Statuses of maintenance work (resize,
 * migration, rebuild, rescue) are `pending`: the node is busy and will settle on its own.
 */
const STATUS: Record<string, NodeState> = {
  ACTIVE: 'running',
  BUILD: 'pending',
  REBUILD: 'pending',
  RESIZE: 'pending',
  VERIFY_RESIZE: 'pending',
  REVERT_RESIZE: 'pending',
  MIGRATING: 'pending',
  PASSWORD: 'pending',
  RESCUE: 'pending',
  REBOOT: 'rebooting',
  HARD_REBOOT: 'rebooting',
  SHUTOFF: 'stopped',
  SUSPENDED: 'stopped',
  PAUSED: 'stopped',
  SHELVED: 'stopped',
  SHELVED_OFFLOADED: 'stopped',
  ERROR: 'error',
  DELETED: 'terminated',
  SOFT_DELETED: 'terminated',
  UNKNOWN: 'unknown',
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
  'powering-on': 'starting',
  resuming: 'starting',
  unpausing: 'starting',
  unshelving: 'starting',
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
