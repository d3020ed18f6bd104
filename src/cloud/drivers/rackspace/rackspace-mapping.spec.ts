import { serverState, toNode } from './rackspace-mapping';

describe('rackspace mapping', () => {
  it('maps Nova statuses, letting a task in flight win', () => {
    const state = (status: string, task: string | null = null) =>
      serverState({ status, 'OS-EXT-STS:task_state': task });
    expect([
      state('ACTIVE'),
      state('BUILD'),
      state('SHUTOFF'),
      state('HARD_REBOOT'),
      state('ERROR'),
      state('DELETED'),
      state('RESCUE'),
    ]).toEqual(['running', 'pending', 'stopped', 'rebooting', 'error', 'terminated', 'unknown']);
    expect([
      state('ACTIVE', 'rebooting_hard'),
      state('ACTIVE', 'powering-off'),
      state('SHUTOFF', 'powering-on'),
    ]).toEqual(['rebooting', 'stopping', 'starting']);
  });

  it('treats every network but "public" as private, and a volume-booted server as imageless', () => {
    const node = toNode(
      {
        id: 'abc',
        name: 'n',
        status: 'ACTIVE',
        image: '',
        flavor: { id: 'general1-1' },
        addresses: {
          public: [{ addr: '1.2.3.4' }],
          private: [{ addr: '10.0.0.1' }],
          backend: [{ addr: '192.168.3.4' }],
        },
      },
      'DFW',
    );
    expect(node).toMatchObject({
      publicIps: ['1.2.3.4'],
      privateIps: ['10.0.0.1', '192.168.3.4'],
      imageId: null,
      sizeId: 'general1-1',
      locationId: 'DFW',
    });
  });
});
