import type { CloudNode, ComputeDriver } from '../../src/cloud/driver/compute-driver';

import { OpenstackDriver } from '../../src/cloud/drivers/openstack/openstack.driver';
import { openstackOptionsSchema } from '../../src/cloud/drivers/openstack/openstack-options';
import { RackspaceDriver } from '../../src/cloud/drivers/rackspace/rackspace.driver';
import { FixtureServer } from '../support/fixture-server';
import { rackspaceTokens } from '../support/rackspace-tokens';

/**
 * The two Nova-family engines against the same recorded Nova documents over one loopback server:
 * OpenStack behind Keystone v3, Rackspace behind its Identity v2.0. One API, one answer: whatever
 * the engine, a Nova document means the same node.
 */
const RAX = '/iad/v2/123456';
const OS = '/v2.1';

/** Nova server documents as both clouds send them (Rackspace has no availability zone). */
const DOCUMENTS: Array<[label: string, over: Record<string, unknown>, state: string]> = [
  ['active', { status: 'ACTIVE' }, 'running'],
  ['being deleted', { status: 'ACTIVE', 'OS-EXT-STS:task_state': 'deleting' }, 'terminated'],
  ['powering off', { status: 'ACTIVE', 'OS-EXT-STS:task_state': 'powering-off' }, 'stopping'],
  ['powering on', { status: 'SHUTOFF', 'OS-EXT-STS:task_state': 'powering-on' }, 'starting'],
  ['hard reboot', { status: 'HARD_REBOOT', 'OS-EXT-STS:task_state': 'rebooting_hard' }, 'rebooting'],
  ['rescued', { status: 'RESCUE', 'OS-EXT-STS:vm_state': 'rescued' }, 'stopped'],
  ['awaiting a resize confirmation', { status: 'VERIFY_RESIZE', 'OS-EXT-STS:vm_state': 'resized' }, 'running'],
  ['paused', { status: 'PAUSED', 'OS-EXT-STS:vm_state': 'paused' }, 'stopped'],
  ['shelving', { status: 'ACTIVE', 'OS-EXT-STS:task_state': 'shelving' }, 'stopping'],
  ['failed while deleted', { status: 'ERROR', 'OS-EXT-STS:task_state': 'deleting' }, 'terminated'],
  ['failed', { status: 'ERROR', 'OS-EXT-STS:task_state': 'rebooting_hard' }, 'error'],
];

const document = (id: string, over: Record<string, unknown>) => ({
  id,
  name: `srv-${id}`,
  'OS-EXT-STS:task_state': null,
  'OS-EXT-STS:vm_state': 'active',
  image: { id: 'img-1' },
  flavor: { id: 'general1-1' },
  addresses: {
    public: [{ version: 4, addr: '198.51.100.7' }],
    private: [{ version: 4, addr: '10.180.3.171' }],
  },
  // Set by the owner as the way in (a NAT address): in no network, still the node's address.
  accessIPv4: '203.0.113.50',
  metadata: { team: 'web' },
  key_name: 'deploy',
  progress: 100,
  created: '2026-11-25T16:47:24Z',
  ...over,
});

describe('the Nova family: OpenStack and Rackspace give one answer for one Nova document', () => {
  let fx: FixtureServer;
  let openstack: OpenstackDriver;
  let rackspace: RackspaceDriver;

  beforeAll(async () => {
    fx = await FixtureServer.start();
    openstack = new OpenstackDriver(
      openstackOptionsSchema.parse({
        user: 'demo',
        password: 'secret',
        extraParams: { authUrl: fx.url, region: 'RegionOne', projectName: 'demo' },
      }),
      { cloud: 'lab', timeoutMs: 2000 },
    );
    rackspace = new RackspaceDriver(
      { username: 'jdoe', apiKey: 'rax-key', region: 'IAD', authUrl: fx.url },
      { cloud: 'rax', timeoutMs: 2000 },
    );
  });
  beforeEach(() => {
    fx.reset();
    const now = Date.now();
    fx.on(
      {
        method: 'POST',
        path: '/v3/auth/tokens',
        status: 201,
        headers: { 'x-subject-token': 'tok-os' },
        body: () => ({
          token: {
            issued_at: new Date(now).toISOString(),
            expires_at: new Date(now + 3_600_000).toISOString(),
            project: { id: 'p-1', name: 'demo' },
            user: { id: 'u-1', name: 'demo' },
            catalog: [
              {
                type: 'compute',
                name: 'nova',
                endpoints: [{ interface: 'public', region: 'RegionOne', url: `${fx.url}${OS}` }],
              },
            ],
          },
        }),
      },
      {
        method: 'POST',
        path: '/v2.0/tokens',
        body: () => rackspaceTokens(fx.url),
      },
    );
    for (const [i, [, over]] of DOCUMENTS.entries()) {
      for (const base of [OS, RAX]) {
        fx.on({ method: 'GET', path: `${base}/servers/s-${i}`, body: { server: document(`s-${i}`, over) } });
      }
    }
  });
  afterAll(async () => {
    await openstack?.close();
    await rackspace?.close();
    await fx?.close();
  });

  /** The node without where it runs: Rackspace names its region, OpenStack the zone Nova gives. */
  const portable = ({ locationId: _where, ...node }: CloudNode) => node;

  it.each(DOCUMENTS.map(([label, , state], i) => [label, state, i] as const))(
    'a server %s is %s on both engines, every field alike',
    async (_label, state, i) => {
      const [os, rax] = await Promise.all(
        ([openstack, rackspace] as ComputeDriver[]).map((driver) => driver.getNode(`s-${i}`)),
      );
      expect(os.state).toBe(state);
      expect([os.publicIps, os.privateIps]).toEqual([['198.51.100.7', '203.0.113.50'], ['10.180.3.171']]);
      expect(portable(rax)).toEqual(portable(os));
      expect([os.locationId, rax.locationId]).toEqual([null, 'IAD']);
      fx.assertClean();
    },
  );

  it('lists images and sizes with the same extras on both engines', async () => {
    const image = {
      id: 'img-1',
      name: 'Ubuntu',
      status: 'ACTIVE',
      minDisk: 20,
      minRam: 512,
      metadata: { os_distro: 'ubuntu' },
    };
    const flavor = {
      id: 'f-1',
      name: 'small',
      ram: 1024,
      disk: 20,
      vcpus: 1,
      'OS-FLV-EXT-DATA:ephemeral': 0,
      swap: '',
    };
    for (const base of [OS, RAX]) {
      fx.on(
        { method: 'GET', path: `${base}/images/detail`, body: { images: [image] } },
        { method: 'GET', path: `${base}/flavors/detail`, body: { flavors: [flavor] } },
      );
    }
    const [osImages, raxImages] = await Promise.all([openstack.listImages(), rackspace.listImages()]);
    expect(raxImages).toEqual(osImages);
    expect(osImages[0].extra).toEqual({ status: 'ACTIVE', minDiskGiB: 20, minRamMiB: 512, osDistro: 'ubuntu' });
    const [osSizes, raxSizes] = await Promise.all([openstack.listSizes(), rackspace.listSizes()]);
    expect(raxSizes).toEqual(osSizes);
    fx.assertClean();
  });

  it.each([
    ['openstack', OS, '/v3/auth/tokens'],
    ['rackspace', RAX, '/v2.0/tokens'],
  ])(
    '%s: a write Nova refuses with 401 (token revoked) is sent again once after a new login',
    async (engine, base, login) => {
      const driver = engine === 'openstack' ? openstack : rackspace;
      await driver.connect();
      fx.on(
        { method: 'POST', path: `${base}/servers`, status: 202, body: { server: { id: 's-0' } } },
        {
          method: 'POST',
          path: `${base}/servers`,
          status: 401,
          times: 1,
          body: { unauthorized: { code: 401, message: 'expired' } },
        },
      );
      const logins = fx.received('POST', login).length;
      const node = await driver.createNode({ name: 'srv-s-0', image: 'img-1', size: 'general1-1' });
      expect(node.id).toBe('s-0');
      expect(fx.received('POST', `${base}/servers`)).toHaveLength(2);
      expect(fx.received('POST', login).length).toBe(logins + 1);
      fx.assertClean();
    },
  );
});
