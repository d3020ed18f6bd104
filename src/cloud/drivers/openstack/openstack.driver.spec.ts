/**
 * The driver against a loopback Keystone + Nova made of recorded answers (FixtureServer): what it
 * sends, token handling, timeouts and error mapping. The real cloud is exercised by
 * test/openstack/openstack.int-spec.ts.
 */
import { createServer } from 'node:net';
import { Exchange, FixtureServer, RecordedRequest } from '../../../../test/support/fixture-server';
import { CloudError } from '../../driver/cloud-error';
import { OpenstackDriver } from './openstack.driver';
import { openstackOptionsSchema } from './openstack-options';

const PASSWORD = 'pa55-w0rd-fixture';
const TIMEOUT_MS = 400;

function server(id: string, over: Record<string, unknown> = {}) {
  return {
    id,
    name: `srv-${id}`,
    status: 'ACTIVE',
    'OS-EXT-STS:task_state': null,
    'OS-EXT-STS:vm_state': 'active',
    'OS-EXT-STS:power_state': 1,
    'OS-EXT-AZ:availability_zone': 'nova',
    image: { id: 'img-1' },
    flavor: { id: '1' },
    addresses: {},
    metadata: {},
    created: '2026-11-25T16:47:24Z',
    key_name: null,
    ...over,
  };
}

async function failure(promise: Promise<unknown>): Promise<CloudError> {
  try {
    await promise;
  } catch (error) {
    return error as CloudError;
  }
  throw new Error('expected a failure');
}

describe('OpenstackDriver (fixture Keystone + Nova)', () => {
  let fx: FixtureServer;
  let driver: OpenstackDriver;
  let tokens: number;

  /** Keystone's v3 answer: a new token id per login, valid for `lifetimeMs`, with a catalog. */
  const keystone = (lifetimeMs = 3_600_000, region = 'RegionOne'): Exchange => ({
    name: 'keystone login',
    method: 'POST',
    path: '/v3/auth/tokens',
    status: 201,
    body: () => {
      tokens++;
      const now = Date.now();
      return {
        token: {
          issued_at: new Date(now).toISOString(),
          expires_at: new Date(now + lifetimeMs).toISOString(),
          project: { id: 'p-1', name: 'demo' },
          user: { id: 'u-1', name: 'demo' },
          catalog: [
            { type: 'compute', name: 'nova', endpoints: [{ interface: 'public', region, url: `${fx.url}/v2.1` }] },
          ],
        },
      };
    },
  });

  const makeDriver = (extra: Record<string, unknown> = {}, timeoutMs = TIMEOUT_MS) =>
    new OpenstackDriver(
      openstackOptionsSchema.parse({
        user: 'demo',
        password: PASSWORD,
        extraParams: { authUrl: fx.url, region: 'RegionOne', projectName: 'demo', ...extra },
      }),
      { cloud: 'lab', timeoutMs },
    );

  /** Keystone issues tok-1, tok-2, ... (the header can't vary per answer, so one route per token). */
  const issueTokens = (count: number, lifetimeMs?: number) => {
    for (let i = count; i >= 1; i--) {
      fx.on({
        ...keystone(lifetimeMs),
        headers: { 'x-subject-token': `tok-${i}` },
        times: i === count ? undefined : 1,
      });
    }
  };

  beforeAll(async () => {
    fx = await FixtureServer.start();
  });
  beforeEach(() => {
    fx.reset();
    tokens = 0;
    driver = makeDriver();
  });
  afterEach(() => driver.close());
  afterAll(() => fx.close());

  it('logs in once with a project-scoped v3 request, shares it between concurrent calls, and sends the token', async () => {
    issueTokens(1);
    fx.on({
      method: 'GET',
      path: '/v2.1/flavors/detail',
      expect: (req) => expect(req.headers['x-auth-token']).toBe('tok-1'),
      body: {
        flavors: [{ id: '1', name: 'm1.tiny', ram: 512, disk: 1, vcpus: 1, swap: '', 'OS-FLV-EXT-DATA:ephemeral': 0 }],
      },
    });
    await Promise.all([driver.connect(), driver.listSizes(), driver.listSizes(), driver.listSizes()]);
    expect(await driver.listSizes()).toEqual([
      { id: '1', name: 'm1.tiny', ram: 512, disk: 1, vcpus: 1, price: null, extra: { ephemeralGiB: 0 } },
    ]);
    const logins = fx.received('POST', '/v3/auth/tokens');
    expect(logins).toHaveLength(1);
    expect(logins[0].json).toEqual({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: 'demo', password: PASSWORD, domain: { name: 'Default' } } },
        },
        scope: { project: { name: 'demo', domain: { name: 'Default' } } },
        // pkgcloud also adds its v2.0 field; Keystone v3 ignores it.
        tenantName: 'demo',
      },
    });
    fx.assertClean();
  });

  it('logs in again when the token nears its expiry, also for short-lived tokens', async () => {
    issueTokens(2, 400);
    fx.on({ method: 'GET', path: '/v2.1/os-keypairs', body: { keypairs: [] } });
    await driver.listKeyPairs();
    await driver.listKeyPairs();
    // A 400 ms token is renewed a quarter of its life early, not pkgcloud's 5 minutes (every call).
    expect(tokens).toBe(1);
    await new Promise((r) => setTimeout(r, 350));
    await driver.listKeyPairs();
    expect(tokens).toBe(2);
    expect(fx.received('GET', '/v2.1/os-keypairs').map((r) => r.headers['x-auth-token'])).toEqual([
      'tok-1',
      'tok-1',
      'tok-2',
    ]);
    fx.assertClean();
  });

  it('bounds the login by the timeout: a Keystone that never answers is a timeout', async () => {
    fx.on({ ...keystone(), hang: true });
    const started = Date.now();
    const error = await failure(driver.connect());
    expect([error.kind, error.message]).toEqual(['timeout', `log in to Keystone: no answer within ${TIMEOUT_MS} ms`]);
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 3500); // the hang is endless
  });

  it('reports rejected credentials as auth_failed, without the password', async () => {
    fx.on({
      method: 'POST',
      path: '/v3/auth/tokens',
      status: 401,
      body: { error: { code: 401, message: 'The request you have made requires authentication.' } },
    });
    const error = await failure(driver.listImages());
    expect([error.kind, error.message]).toEqual([
      'auth_failed',
      'log in to Keystone: credentials rejected by the cloud (HTTP 401)',
    ]);
    expect(JSON.stringify({ message: error.message })).not.toContain(PASSWORD);
  });

  it('explains a Keystone 404 (wrong authUrl) and a region missing from the catalog', async () => {
    fx.on({
      method: 'POST',
      path: '/v3/auth/tokens',
      status: 404,
      body: { error: { code: 404, message: 'Not Found' } },
    });
    const notFound = await failure(driver.connect());
    expect([notFound.kind, notFound.message]).toEqual([
      'unavailable',
      `log in to Keystone: ${fx.url}/v3/auth/tokens answered HTTP 404: check extraParams.authUrl (no version path) and keystoneVersion`,
    ]);

    fx.reset();
    fx.on({ ...keystone(3_600_000, 'OtherRegion'), headers: { 'x-subject-token': 'tok-1' } });
    const noRegion = await failure(driver.connect());
    expect([noRegion.kind, noRegion.message]).toEqual([
      'unavailable',
      'log in to Keystone: the catalog has no public compute endpoint in region "RegionOne"; it offers public in "OtherRegion": check extraParams.region and extraParams.interface',
    ]);
  });

  describe('a private deployment: the catalog has only internal and admin compute endpoints (fault kind: catalog lookups)', () => {
    const privateKeystone = (): Exchange => ({
      ...keystone(),
      headers: { 'x-subject-token': 'tok-1' },
      body: () => ({
        token: {
          issued_at: new Date().toISOString(),
          expires_at: new Date(Date.now() + 3_600_000).toISOString(),
          project: { id: 'p-1', name: 'demo' },
          user: { id: 'u-1', name: 'demo' },
          catalog: [
            {
              type: 'compute',
              name: 'nova',
              endpoints: [
                { interface: 'internal', region: 'RegionOne', url: `${fx.url}/internal/v2.1` },
                { interface: 'admin', region: 'RegionOne', url: `${fx.url}/admin/v2.1` },
              ],
            },
          ],
        },
      }),
    });

    it('says which endpoints the catalog offers when the public one is missing', async () => {
      fx.on(privateKeystone());
      const error = await failure(driver.connect());
      expect([error.kind, error.message]).toEqual([
        'unavailable',
        'log in to Keystone: the catalog has no public compute endpoint in region "RegionOne"; it offers admin in "RegionOne", internal in "RegionOne": check extraParams.region and extraParams.interface',
      ]);
    });

    it.each(['internal', 'admin'])('uses the %s endpoint when extraParams.interface says so', async (iface) => {
      driver = makeDriver({ interface: iface });
      fx.on(privateKeystone(), { method: 'GET', path: `/${iface}/v2.1/flavors/detail`, body: { flavors: [] } });
      expect(await driver.listSizes()).toEqual([]);
      expect(fx.received('GET', `/${iface}/v2.1/flavors/detail`)).toHaveLength(1);
      fx.assertClean();
    });
  });

  it('logs in again once when Nova refuses the token on a read', async () => {
    issueTokens(2);
    fx.on(
      { method: 'GET', path: '/v2.1/servers/s-1', body: { server: server('s-1') } },
      {
        method: 'GET',
        path: '/v2.1/servers/s-1',
        status: 401,
        times: 1,
        body: { error: { code: 401, message: 'expired' } },
      },
    );
    expect((await driver.getNode('s-1')).state).toBe('running');
    expect(fx.received('GET', '/v2.1/servers/s-1').map((r) => r.headers['x-auth-token'])).toEqual(['tok-1', 'tok-2']);
    expect(tokens).toBe(2);
    fx.assertClean();
  });

  describe('a token Nova refuses (revoked or expired early) on a write (fault kind: 401 turns a write into 502)', () => {
    const expired = {
      status: 401,
      times: 1,
      body: { error: { code: 401, message: 'The request you have made requires authentication.' } },
    };

    it.each([
      [
        'create node',
        'POST',
        '/v2.1/servers',
        (d: OpenstackDriver) => d.createNode({ name: 'w', image: 'img-1', size: '1' }),
      ],
      ['destroy node', 'DELETE', '/v2.1/servers/s-1', (d: OpenstackDriver) => d.destroyNode('s-1')],
      ['stop node', 'POST', '/v2.1/servers/s-1/action', (d: OpenstackDriver) => d.nodeAction('s-1', 'stop')],
      [
        'import key pair',
        'POST',
        '/v2.1/os-keypairs',
        (d: OpenstackDriver) => d.importKeyPair('k', 'ssh-ed25519 AAAA k'),
      ],
      ['delete key pair', 'DELETE', '/v2.1/os-keypairs/k', (d: OpenstackDriver) => d.deleteKeyPair('k')],
    ] as const)('%s: logs in again and sends it once more, then succeeds', async (_op, method, path, run) => {
      issueTokens(2);
      fx.on(
        { method: 'GET', path: '/v2.1/servers/s-1', body: { server: server('s-1') } },
        {
          method,
          path,
          status: 202,
          body: { server: { id: 's-1' }, keypair: { name: 'k', public_key: 'ssh-ed25519 AAAA k', fingerprint: 'f' } },
        },
        { method, path, ...expired },
      );
      await run(driver);
      expect(fx.received(method, path).map((r) => r.headers['x-auth-token'])).toEqual(['tok-1', 'tok-2']);
      expect(tokens).toBe(2);
      fx.assertClean();
    });

    it('a second refusal right after a new login is auth_failed, and nothing is sent a third time', async () => {
      issueTokens(2);
      fx.on({ method: 'DELETE', path: '/v2.1/servers/s-1', ...expired, times: undefined });
      const error = await failure(driver.destroyNode('s-1'));
      expect([error.kind, error.message]).toEqual([
        'auth_failed',
        'destroy node: credentials rejected by the cloud (HTTP 401)',
      ]);
      expect(fx.received('DELETE', '/v2.1/servers/s-1')).toHaveLength(2);
      fx.assertClean();
    });
  });

  describe('listing nodes across Nova pages (max_limit 5)', () => {
    /** s-01 (oldest) .. s-12 (newest), one second apart. */
    const make = (n: number) =>
      server(`s-${String(n).padStart(2, '0')}`, { created: new Date(Date.UTC(2026, 10, 25, 16, 0, n)).toISOString() });
    let live: ReturnType<typeof server>[];
    /** What a marker Nova no longer knows gets: Nova's 400, or (as a real Nova did) a walk from the start. */
    let lostMarker: 'badRequest' | 'fromStart';
    /** Nova's paging: the walk's sort (created_at, uuid; newest first), at most 5 per page, a next link when full. */
    const novaPage = (req: RecordedRequest) => {
      expect([req.query.getAll('sort_key'), req.query.getAll('sort_dir')]).toEqual([
        ['created_at', 'uuid'],
        ['desc', 'desc'],
      ]);
      const sorted = [...live].sort((a, b) => b.created.localeCompare(a.created) || b.id.localeCompare(a.id));
      const limit = Math.min(Number(req.query.get('limit') ?? 1000), 5);
      const marker = req.query.get('marker');
      let start = 0;
      if (marker) {
        start = sorted.findIndex((s) => s.id === marker) + 1;
        if (start === 0 && lostMarker === 'badRequest') {
          return { badRequest: { code: 400, message: `marker [${marker}] not found` } };
        }
      }
      const servers = sorted.slice(start, start + limit);
      const last = servers[servers.length - 1];
      return {
        servers,
        ...(servers.length === limit && last
          ? { servers_links: [{ rel: 'next', href: `${fx.url}/v2.1/servers/detail?limit=${limit}&marker=${last.id}` }] }
          : {}),
      };
    };
    const ids = (page: { items: { id: string }[] }) => page.items.map((n) => n.id);
    const newest = (...n: number[]) => n.map((i) => `s-${String(i).padStart(2, '0')}`);

    beforeEach(() => {
      live = Array.from({ length: 12 }, (_, i) => make(i + 1));
      lostMarker = 'badRequest';
      issueTokens(1);
      fx.on({
        method: 'GET',
        path: '/v2.1/servers/detail',
        status: 200,
        body: novaPage,
      });
      fx.on({
        method: 'GET',
        path: '/v2.1/servers/detail',
        // The same route, answering 400 where Nova would.
        when: (req) => {
          const marker = req.query.get('marker');
          return lostMarker === 'badRequest' && !!marker && !live.some((s) => s.id === marker);
        },
        status: 400,
        body: novaPage,
      });
    });

    it('follows markers until the page is full and says where to go on', async () => {
      const first = await driver.listNodes({ limit: 7 });
      expect(ids(first)).toEqual(newest(12, 11, 10, 9, 8, 7, 6));
      expect(JSON.parse(first.next!)).toEqual({ id: 's-06', at: '2026-11-25T16:00:06.000Z' });
      expect(
        fx.received('GET', '/v2.1/servers/detail').map((r) => [r.query.get('limit'), r.query.get('marker')]),
      ).toEqual([
        ['8', null],
        ['3', 's-08'],
      ]);
      const second = await driver.listNodes({ limit: 7, marker: first.next });
      expect(ids(second)).toEqual(newest(5, 4, 3, 2, 1));
      expect(second.next).toBeUndefined();
      fx.assertClean();
    });

    it('has no next on the last page even when it ends exactly on a Nova page boundary', async () => {
      const first = await driver.listNodes({ limit: 2 });
      const page = await driver.listNodes({ limit: 1000, marker: first.next });
      expect(page.items).toHaveLength(10);
      expect(page.next).toBeUndefined();
      const exact = await driver.listNodes({ limit: 10, marker: first.next });
      expect([exact.items.length, exact.next]).toEqual([10, undefined]);
    });

    it('does not end the walk at a short page holding a building server (Nova counted it twice: build request and cell)', async () => {
      live = live.map((s) => (['s-12', 's-11'].includes(s.id) ? { ...s, status: 'BUILD' } : s));
      // The first page as Nova sends it while s-12 is being scheduled: 3 asked, s-12 counted from its
      // build request and its cell, the duplicate dropped: two servers and no next link.
      fx.on({
        method: 'GET',
        path: '/v2.1/servers/detail',
        when: (req) => !req.query.get('marker'),
        times: 1,
        body: { servers: [live[11], live[10]] },
      });
      const seen: string[] = [];
      let next: string | undefined;
      do {
        const page = await driver.listNodes({ limit: 2, marker: next });
        seen.push(...ids(page));
        next = page.next;
      } while (next);
      expect(seen).toEqual(newest(12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1));
      // Only the short page with building servers was confirmed, once: the walk's true end was not.
      const markers = fx.received('GET', '/v2.1/servers/detail').map((r) => r.query.get('marker'));
      expect(markers[1]).toBe('s-11');
      expect(markers).not.toContain('s-01');
      fx.assertClean();
    });

    it('keeps a server Nova repeats across pages once', async () => {
      fx.on({
        method: 'GET',
        path: '/v2.1/servers/detail',
        when: (req) => req.query.get('marker') === 's-08',
        times: 1,
        body: { servers: [live[7], live[6]] },
      });
      const page = await driver.listNodes({ limit: 1000 });
      expect(ids(page)).toEqual(newest(12, 11, 10, 9, 8, 7));
    });

    it.each(['badRequest', 'fromStart'] as const)(
      'goes on after the cursor when its node was deleted (Nova answers the lost marker with %s) (fault kind: a cursor the service issued is refused)',
      async (answer) => {
        lostMarker = answer;
        const first = await driver.listNodes({ limit: 4 });
        expect(ids(first)).toEqual(newest(12, 11, 10, 9));
        // Between the pages: the cursor's node and one further on are deleted, two are created.
        live = live.filter((s) => !['s-09', 's-05'].includes(s.id));
        live.push(make(13), make(14));
        const rest: string[] = [];
        let next = first.next;
        while (next) {
          const page = await driver.listNodes({ limit: 4, marker: next });
          rest.push(...ids(page));
          next = page.next;
        }
        // Every node that existed throughout, exactly once; nothing the first page gave again.
        expect(rest).toEqual(newest(8, 7, 6, 4, 3, 2, 1));
        fx.assertClean();
      },
    );

    it('resumes a cursor of the older form (a bare server id) while that server exists', async () => {
      const page = await driver.listNodes({ limit: 3, marker: 's-05' });
      expect(ids(page)).toEqual(newest(4, 3, 2));
    });

    it('says cursor_expired (410), not invalid_request, for a bare-id cursor whose server is gone: nothing places it', async () => {
      lostMarker = 'badRequest';
      live = live.filter((s) => s.id !== 's-05');
      await expect(driver.listNodes({ limit: 3, marker: 's-05' })).rejects.toMatchObject({
        kind: 'cursor_expired',
        message: expect.stringMatching(/no position to resume from/),
      });
    });
  });

  it('lists every image once when one is deleted during the walk (Nova forgets the marker)', async () => {
    issueTokens(1);
    const images = Array.from({ length: 7 }, (_, i) => ({ id: `img-${i + 1}`, name: `image ${i + 1}` }));
    let deleted = false;
    fx.on({
      method: 'GET',
      path: '/v2.1/images/detail',
      body: (req: RecordedRequest) => {
        const marker = req.query.get('marker');
        const start = marker ? images.findIndex((i) => i.id === marker) + 1 : 0;
        const batch = images.slice(start, start + 5);
        if (!deleted && !marker) {
          // The last image of this page (the next marker) is deleted before the next page is read.
          deleted = true;
          images.splice(4, 1);
        }
        return {
          images: batch,
          ...(batch.length === 5 ? { images_links: [{ rel: 'next', href: `x?marker=${batch[4].id}` }] } : {}),
        };
      },
    });
    fx.on({
      method: 'GET',
      path: '/v2.1/images/detail',
      when: (req) => req.query.get('marker') === 'img-5' && deleted,
      status: 400,
      body: { badRequest: { code: 400, message: 'marker [img-5] not found' } },
    });
    const listed = (await driver.listImages()).map((i) => i.id);
    expect(listed).toEqual(['img-1', 'img-2', 'img-3', 'img-4', 'img-5', 'img-6', 'img-7']);
    expect(fx.received('GET', '/v2.1/images/detail').map((r) => r.query.get('marker'))).toEqual([
      null,
      'img-5',
      null,
      'img-6',
    ]);
  });

  it("answers a walk whose marker is lost at every restart as unavailable, never as the caller's 400", async () => {
    issueTokens(1);
    const page = Array.from({ length: 5 }, (_, i) => ({ id: `img-${i + 1}`, name: `image ${i + 1}` }));
    fx.on(
      {
        method: 'GET',
        path: '/v2.1/images/detail',
        body: { images: page, images_links: [{ rel: 'next', href: 'x?marker=img-5' }] },
      },
      {
        method: 'GET',
        path: '/v2.1/images/detail',
        when: (req) => req.query.get('marker') === 'img-5',
        status: 400,
        body: { badRequest: { code: 400, message: 'marker [img-5] not found' } },
      },
    );
    await expect(driver.listImages()).rejects.toMatchObject({
      kind: 'unavailable',
      message: expect.stringMatching(/changed under the walk 4 times/),
    });
  });

  it('creates with the body Nova 2.1 wants and returns the state Nova reports', async () => {
    issueTokens(1);
    fx.on(
      {
        method: 'POST',
        path: '/v2.1/servers',
        status: 202,
        expect: (req) =>
          expect(req.json).toEqual({
            server: {
              name: 'web-1',
              imageRef: 'img-1',
              flavorRef: '2',
              key_name: 'deploy',
              user_data: Buffer.from('#cloud-config\npackages: [nginx]\n').toString('base64'),
              metadata: { team: 'web' },
              networks: [{ uuid: 'net-1' }, { uuid: 'net-2' }],
              availability_zone: 'az-2',
            },
          }),
        body: { server: { id: 's-new', adminPass: 'generated-secret', links: [] } },
      },
      {
        method: 'GET',
        path: '/v2.1/servers/s-new',
        body: {
          server: server('s-new', {
            name: 'web-1',
            status: 'BUILD',
            'OS-EXT-STS:task_state': 'scheduling',
            'OS-EXT-AZ:availability_zone': '',
          }),
        },
      },
    );
    const node = await driver.createNode({
      name: 'web-1',
      image: 'img-1',
      size: '2',
      location: 'az-2',
      keyName: 'deploy',
      userData: '#cloud-config\npackages: [nginx]\n',
      metadata: { team: 'web' },
      networks: ['net-1', 'net-2'],
    });
    expect(node).toMatchObject({
      id: 's-new',
      name: 'web-1',
      state: 'pending',
      imageId: 'img-1',
      sizeId: '1',
      locationId: null,
    });
    expect(JSON.stringify(node)).not.toContain('generated-secret');
    fx.assertClean();
  });

  it('does not ask for the region as a zone, and returns a pending node if the read-back fails', async () => {
    issueTokens(1);
    fx.on(
      {
        method: 'POST',
        path: '/v2.1/servers',
        status: 202,
        expect: (req) => expect(req.json.server).toEqual({ name: 'db', imageRef: 'img-1', flavorRef: '1' }),
        body: { server: { id: 's-2' } },
      },
      { method: 'GET', path: '/v2.1/servers/s-2', status: 500, body: { computeFault: { code: 500, message: 'boom' } } },
    );
    const node = await driver.createNode({ name: 'db', image: 'img-1', size: '1', location: 'RegionOne' });
    expect(node).toMatchObject({ id: 's-2', state: 'pending', imageId: 'img-1', sizeId: '1' });
    fx.assertClean();
  });

  it('refuses user data Nova would refuse, without calling it', async () => {
    issueTokens(1);
    const error = await failure(
      driver.createNode({ name: 'big', image: 'img-1', size: '1', userData: 'x'.repeat(50_000) }),
    );
    expect([error.kind, error.message]).toEqual([
      'invalid_request',
      'create node: user data is 66668 bytes once base64-encoded; Nova takes at most 65535',
    ]);
    expect(fx.received('POST', '/v2.1/servers')).toHaveLength(0);
  });

  it.each([
    [400, { badRequest: { code: 400, message: 'Flavor 999 could not be found.' } }, 'invalid_reference'],
    [400, { badRequest: { code: 400, message: 'Can not find requested image' } }, 'invalid_reference'],
    [
      400,
      {
        badRequest: {
          code: 400,
          message:
            "Invalid input for field/attribute imageRef. Value: x. 'x' is not valid under any of the given schemas",
        },
      },
      'invalid_reference',
    ],
    [400, { badRequest: { code: 400, message: 'Invalid key_name provided.' } }, 'invalid_reference'],
    [400, { badRequest: { code: 400, message: 'Network 1111 could not be found.' } }, 'invalid_reference'],
    [
      400,
      { badRequest: { code: 400, message: 'The requested availability zone is not available' } },
      'invalid_reference',
    ],
    [
      400,
      { badRequest: { code: 400, message: "Invalid input for field/attribute name. Value: . '' is too short" } },
      'invalid_request',
    ],
    [
      403,
      {
        forbidden: {
          code: 403,
          message: 'Quota exceeded for instances: Requested 1, but already used 10 of 10 instances',
        },
      },
      'quota_exceeded',
    ],
    [
      403,
      { forbidden: { code: 403, message: 'Policy does not allow os_compute_api:servers:create to be performed.' } },
      'auth_failed',
    ],
    [413, { overLimit: { code: 413, message: 'Quota exceeded for cores' } }, 'quota_exceeded'],
    [413, { overLimit: { code: 413, message: 'This request was rate-limited.' } }, 'rate_limited'],
    [500, { computeFault: { code: 500, message: 'Unexpected API Error.' } }, 'unavailable'],
  ])('maps a create answered %d (%j) to %s', async (status, body, kind) => {
    issueTokens(1);
    fx.on({ method: 'POST', path: '/v2.1/servers', status, body });
    const error = await failure(driver.createNode({ name: 'x', image: 'img-1', size: '999' }));
    expect(error.kind).toBe(kind);
    expect(error.message).toContain(Object.values(body)[0].message);
  });

  it.each([
    ['Flavor 999 could not be found.', 'size'],
    ['Can not find requested image', 'image'],
    ['Invalid key_name provided.', 'keyName'],
    ['The requested availability zone is not available', 'location'],
    ['Network 1111 could not be found.', 'networks'],
  ])('names the v1 field of an unknown reference: "%s" is %s', async (message, field) => {
    issueTokens(1);
    fx.on({ method: 'POST', path: '/v2.1/servers', status: 400, body: { badRequest: { code: 400, message } } });
    const error = await failure(driver.createNode({ name: 'x', image: 'img-1', size: '999' }));
    expect([error.kind, error.options.field]).toEqual(['invalid_reference', field]);
  });

  it('maps 404, 409 and 429 (with Retry-After) on node operations', async () => {
    issueTokens(1);
    fx.on(
      {
        method: 'GET',
        path: '/v2.1/servers/gone',
        status: 404,
        body: { itemNotFound: { code: 404, message: 'Instance gone could not be found.' } },
      },
      { method: 'GET', path: '/v2.1/servers/s-1', body: { server: server('s-1', { status: 'SHUTOFF' }) } },
      {
        method: 'POST',
        path: '/v2.1/servers/s-1/action',
        status: 409,
        body: {
          conflictingRequest: { code: 409, message: "Cannot 'stop' instance s-1 while it is in vm_state stopped" },
        },
      },
      {
        method: 'GET',
        path: '/v2.1/servers/detail',
        status: 429,
        headers: { 'retry-after': '7' },
        body: { overLimit: { code: 429, message: 'Too many requests' } },
      },
    );
    const notFound = await failure(driver.getNode('gone'));
    expect([notFound.kind, notFound.message]).toEqual([
      'not_found',
      'get node: the cloud answered HTTP 404: Instance gone could not be found.',
    ]);
    expect((await failure(driver.nodeAction('s-1', 'stop'))).kind).toBe('conflict');
    const limited = await failure(driver.listNodes({ limit: 10 }));
    expect([limited.kind, limited.options.retryAfterSeconds]).toEqual(['rate_limited', 7]);
    fx.assertClean();
  });

  it('sends reboot (SOFT), os-stop and os-start, then reads the node back', async () => {
    issueTokens(1);
    const bodies: unknown[] = [];
    fx.on(
      { method: 'POST', path: '/v2.1/servers/s-1/action', status: 202, expect: (req) => void bodies.push(req.json) },
      {
        method: 'GET',
        path: '/v2.1/servers/s-1',
        body: { server: server('s-1', { 'OS-EXT-STS:task_state': 'powering-off' }) },
      },
    );
    for (const action of ['reboot', 'stop', 'start'] as const) {
      expect((await driver.nodeAction('s-1', action)).state).toBe('stopping');
    }
    expect(bodies).toEqual([{ reboot: { type: 'SOFT' } }, { 'os-stop': null }, { 'os-start': null }]);
    fx.assertClean();
  });

  describe('start and stop send what the server status needs (fault kind: a stopped node start cannot start)', () => {
    /** Answers GET /servers/s-1 with `status`, records every action body, and answers each with 202. */
    const serverIn = (status: string, vmState: string) => {
      const bodies: unknown[] = [];
      issueTokens(1);
      fx.on(
        { method: 'POST', path: '/v2.1/servers/s-1/action', status: 202, expect: (req) => void bodies.push(req.json) },
        {
          method: 'GET',
          path: '/v2.1/servers/s-1',
          body: { server: server('s-1', { status, 'OS-EXT-STS:vm_state': vmState }) },
        },
      );
      return bodies;
    };

    it.each([
      ['SHUTOFF', 'stopped', { 'os-start': null }],
      ['PAUSED', 'paused', { unpause: null }],
      ['SUSPENDED', 'suspended', { resume: null }],
      ['SHELVED', 'shelved', { unshelve: null }],
      ['SHELVED_OFFLOADED', 'shelved_offloaded', { unshelve: null }],
      ['RESCUE', 'rescued', { unrescue: null }],
    ])('a %s server (vm_state %s) is listed stopped, and start sends %j', async (status, vmState, body) => {
      const bodies = serverIn(status, vmState);
      const node = await driver.getNode('s-1');
      expect(node.state).toBe('stopped');
      await driver.nodeAction('s-1', 'start');
      expect(bodies).toEqual([body]);
      fx.assertClean();
    });

    it('stops a running server with os-stop, and refuses to stop one awaiting a resize confirmation without asking Nova', async () => {
      const bodies = serverIn('ACTIVE', 'active');
      await driver.nodeAction('s-1', 'stop');
      expect(bodies).toEqual([{ 'os-stop': null }]);
      fx.reset();
      const none = serverIn('VERIFY_RESIZE', 'resized');
      const error = await failure(driver.nodeAction('s-1', 'stop'));
      expect([error.kind, error.message]).toEqual([
        'conflict',
        'stop node: the server awaits confirmResize or revertResize (a resize to check); Nova cannot stop it until then',
      ]);
      expect(none).toEqual([]);
    });
  });

  it('shows a server waiting for an action as settled, with what it waits for (fault kind: pending that never settles)', async () => {
    issueTokens(1);
    fx.on(
      {
        method: 'GET',
        path: '/v2.1/servers/s-1',
        body: { server: server('s-1', { status: 'VERIFY_RESIZE', 'OS-EXT-STS:vm_state': 'resized' }) },
      },
      {
        method: 'GET',
        path: '/v2.1/servers/s-2',
        body: { server: server('s-2', { status: 'RESCUE', 'OS-EXT-STS:vm_state': 'rescued' }) },
      },
      {
        method: 'GET',
        path: '/v2.1/servers/s-3',
        body: { server: server('s-3', { status: 'PAUSED', 'OS-EXT-STS:vm_state': 'paused' }) },
      },
    );
    const resized = await driver.getNode('s-1');
    expect([resized.state, resized.extra.awaiting]).toEqual(['running', 'confirmResize or revertResize']);
    const rescued = await driver.getNode('s-2');
    expect([rescued.state, rescued.extra.awaiting]).toEqual(['stopped', 'unrescue']);
    const paused = await driver.getNode('s-3');
    expect([paused.state, paused.extra.awaiting]).toEqual(['stopped', 'unpause']);
    fx.assertClean();
  });

  it('escapes ids and names in paths', async () => {
    issueTokens(1);
    fx.on(
      {
        method: 'GET',
        path: '/v2.1/servers/..%2Fflavors',
        status: 404,
        body: { itemNotFound: { code: 404, message: 'nope' } },
      },
      { method: 'DELETE', path: '/v2.1/os-keypairs/my%20key', status: 202 },
    );
    expect((await failure(driver.getNode('../flavors'))).kind).toBe('not_found');
    await driver.deleteKeyPair('my key');
    fx.assertClean();
  });

  it('imports key pairs as Nova answers them, and lists every page of images and flavors', async () => {
    issueTokens(1);
    const keypair = { name: 'deploy', public_key: 'ssh-ed25519 AAAA deploy', fingerprint: 'aa:bb', user_id: 'u-1' };
    fx.on(
      {
        method: 'POST',
        path: '/v2.1/os-keypairs',
        expect: (req) => expect(req.json).toEqual({ keypair: { name: 'deploy', public_key: keypair.public_key } }),
        body: { keypair },
      },
      { method: 'GET', path: '/v2.1/os-keypairs', body: { keypairs: [{ keypair }] } },
      {
        method: 'GET',
        path: '/v2.1/images/detail',
        when: (req) => !req.query.get('marker'),
        body: {
          images: [{ id: 'i-1', name: 'one', status: 'ACTIVE' }],
          images_links: [{ rel: 'next', href: `${fx.url}/v2.1/images/detail?marker=i-1` }],
        },
      },
      {
        method: 'GET',
        path: '/v2.1/images/detail',
        when: (req) => req.query.get('marker') === 'i-1',
        body: { images: [{ id: 'i-2', name: 'two', status: 'ACTIVE', minDisk: 1, minRam: 64 }] },
      },
    );
    expect(await driver.importKeyPair('deploy', keypair.public_key)).toEqual({
      name: 'deploy',
      fingerprint: 'aa:bb',
      publicKey: keypair.public_key,
    });
    expect(await driver.listKeyPairs()).toEqual([
      { name: 'deploy', fingerprint: 'aa:bb', publicKey: keypair.public_key },
    ]);
    expect(await driver.listImages()).toEqual([
      { id: 'i-1', name: 'one', extra: { status: 'ACTIVE' } },
      { id: 'i-2', name: 'two', extra: { status: 'ACTIVE', minDiskGiB: 1, minRamMiB: 64 } },
    ]);
    fx.assertClean();
  });

  it('lists availability zones, or the region when Nova shows none', async () => {
    issueTokens(1);
    fx.on({
      method: 'GET',
      path: '/v2.1/os-availability-zone',
      body: {
        availabilityZoneInfo: [
          { zoneName: 'az-1', zoneState: { available: true } },
          { zoneName: 'az-down', zoneState: { available: false } },
        ],
      },
    });
    expect(await driver.listLocations()).toEqual([
      { id: 'az-1', name: 'az-1', country: null, extra: { region: 'RegionOne', kind: 'availability-zone' } },
    ]);
    fx.on({
      method: 'GET',
      path: '/v2.1/os-availability-zone',
      status: 403,
      body: { forbidden: { code: 403, message: 'Policy does not allow' } },
    });
    expect(await driver.listLocations()).toEqual([
      { id: 'RegionOne', name: 'RegionOne', country: null, extra: { region: 'RegionOne', kind: 'region' } },
    ]);
  });

  it('maps a slow Nova to timeout and an unreachable one to unavailable', async () => {
    issueTokens(1);
    fx.on({ method: 'GET', path: '/v2.1/flavors/detail', delayMs: TIMEOUT_MS + 300, body: { flavors: [] } });
    const slow = await failure(driver.listSizes());
    expect(slow.kind).toBe('timeout');

    // A port that was just free: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const offline = makeDriver({ authUrl: `http://127.0.0.1:${port}` });
    const down = await failure(offline.connect());
    expect([down.kind, down.message]).toEqual([
      'unavailable',
      'log in to Keystone: cannot reach the cloud (ECONNREFUSED)',
    ]);
    await offline.close();
  });
});
