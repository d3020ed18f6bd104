import { novaNodeState } from './nova-state';
import { isPrivateIp, novaAddresses } from './nova-addresses';

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
    ['VERIFY_RESIZE', null, 'pending'],
    ['MIGRATING', 'migrating', 'pending'],
    ['RESCUE', null, 'pending'],
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

describe('novaAddresses', () => {
  it('splits fixed and floating addresses of every network into private and public IPs', () => {
    expect(
      novaAddresses({
        'shared-net': [
          { addr: '10.99.0.5', version: 4, 'OS-EXT-IPS:type': 'fixed' },
          { addr: '203.0.113.7', version: 4, 'OS-EXT-IPS:type': 'floating' },
          { addr: 'fd00::5', version: 6, 'OS-EXT-IPS:type': 'fixed' },
        ],
        provider: [{ addr: '198.51.100.20', version: 4, 'OS-EXT-IPS:type': 'fixed' }, { addr: 'not-an-ip' }],
      }),
    ).toEqual({ publicIps: ['203.0.113.7', '198.51.100.20'], privateIps: ['10.99.0.5', 'fd00::5'] });
    expect(novaAddresses({})).toEqual({ publicIps: [], privateIps: [] });
    expect(novaAddresses(undefined)).toEqual({ publicIps: [], privateIps: [] });
  });

  it.each([
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.32.0.1', false],
    ['192.168.1.1', true],
    ['100.64.0.1', true],
    ['169.254.1.1', true],
    ['8.8.8.8', false],
    ['fe80::1', true],
    ['2001:db8::1', false],
  ])('%s is private: %s', (addr, expected) => {
    expect(isPrivateIp(addr)).toBe(expected);
  });
});
