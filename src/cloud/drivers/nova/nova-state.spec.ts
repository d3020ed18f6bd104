import { NODE_STATES } from '../../driver/compute-driver';
import { novaActionBody, novaAwaiting, novaNodeState } from './nova-state';

describe('novaNodeState', () => {
  it.each([
    ['ACTIVE', null, 'running'],
    ['BUILD', 'scheduling', 'pending'],
    ['BUILD', 'spawning', 'pending'],
    ['BUILD', null, 'pending'],
    ['REBUILD', 'rebuilding', 'pending'],
    ['REBOOT', 'rebooting', 'rebooting'],
    ['REBOOT', 'reboot_pending', 'rebooting'],
    ['HARD_REBOOT', 'rebooting_hard', 'rebooting'],
    ['SHUTOFF', null, 'stopped'],
    ['SUSPENDED', null, 'stopped'],
    ['PAUSED', null, 'stopped'],
    ['SHELVED_OFFLOADED', null, 'stopped'],
    ['ERROR', null, 'error'],
    ['DELETED', null, 'terminated'],
    ['SOFT_DELETED', null, 'terminated'],
    ['RESIZE', 'resize_prep', 'pending'],
    ['VERIFY_RESIZE', null, 'running'],
    ['MIGRATING', 'migrating', 'pending'],
    ['RESCUE', null, 'stopped'],
    ['RESCUE', 'unrescuing', 'starting'],
    ['ACTIVE', 'rescuing', 'stopping'],
    ['UNKNOWN', null, 'unknown'],
    // The task state says what is happening before the status catches up.
    ['ACTIVE', 'powering-off', 'stopping'],
    ['SHUTOFF', 'powering-on', 'starting'],
    ['ACTIVE', 'rebooting', 'rebooting'],
    ['ACTIVE', 'deleting', 'terminated'],
    ['SHUTOFF', 'deleting', 'terminated'],
    ['ACTIVE', 'suspending', 'stopping'],
    ['SUSPENDED', 'resuming', 'starting'],
    ['PAUSED', 'unpausing', 'starting'],
    ['SHELVED', 'unshelving', 'starting'],
    // A failed server stays failed while Nova retries something, unless it is being deleted.
    ['ERROR', 'rebooting_hard', 'error'],
    ['ERROR', 'deleting', 'terminated'],
  ])('%s with task state %s is %s', (status, task, state) => {
    expect(novaNodeState(status, task)).toBe(state);
  });

  it('reads statuses in any case and falls back to unknown for what it does not know', () => {
    expect(novaNodeState('active')).toBe('running');
    expect(novaNodeState('SOMETHING_NEW', null)).toBe('unknown');
    expect(novaNodeState(undefined, undefined)).toBe('unknown');
    expect(novaNodeState('ACTIVE', 'some_new_task')).toBe('running');
  });
});

/** Every status Nova documents for a server (API reference, "Show Server Details": status). */
const NOVA_STATUSES = [
  'ACTIVE',
  'BUILD',
  'DELETED',
  'ERROR',
  'HARD_REBOOT',
  'MIGRATING',
  'PASSWORD',
  'PAUSED',
  'REBOOT',
  'REBUILD',
  'RESCUE',
  'RESIZE',
  'REVERT_RESIZE',
  'SHELVED',
  'SHELVED_OFFLOADED',
  'SHUTOFF',
  'SOFT_DELETED',
  'SUSPENDED',
  'UNKNOWN',
  'VERIFY_RESIZE',
];

describe('what a v1 state promises, for every Nova status', () => {
  it('maps every status to a known state', () => {
    for (const status of NOVA_STATUSES) expect(NODE_STATES).toContain(novaNodeState(status, null));
  });

  it('starts every status shown stopped by its own way back, never by an os-start Nova refuses', () => {
    const stopped = NOVA_STATUSES.filter((s) => novaNodeState(s, null) === 'stopped');
    expect(stopped.sort()).toEqual(['PAUSED', 'RESCUE', 'SHELVED', 'SHELVED_OFFLOADED', 'SHUTOFF', 'SUSPENDED']);
    const ways = Object.fromEntries(stopped.map((s) => [s, Object.keys(novaActionBody('start', s) as object)[0]]));
    expect(ways).toEqual({
      PAUSED: 'unpause',
      RESCUE: 'unrescue',
      SHELVED: 'unshelve',
      SHELVED_OFFLOADED: 'unshelve',
      SHUTOFF: 'os-start',
      SUSPENDED: 'resume',
    });
  });

  it('says what every settled status that waits for someone waits for', () => {
    const waiting = NOVA_STATUSES.filter((s) => novaAwaiting(s, null) !== undefined).sort();
    expect(waiting).toEqual(['PAUSED', 'RESCUE', 'SHELVED', 'SHELVED_OFFLOADED', 'SUSPENDED', 'VERIFY_RESIZE']);
    // None of them is `pending`: polling "until running" must not wait on a status that never moves.
    for (const status of waiting) expect(novaNodeState(status, null)).not.toBe('pending');
    // While a task runs the server is moving, so it waits for nothing.
    expect(novaAwaiting('PAUSED', 'unpausing')).toBeUndefined();
  });
});
