import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { createApp } from '../../src/app.factory';
import { ConfigError } from '../../src/config/config-error';
import { call, ONE_ANSWER_PER_CALL, startApp, TestApp, waitFor } from '../support/app';
import { Exchange, FIXTURES_DIR, FixtureServer, RecordedRequest } from '../support/fixture-server';
import { expectProblem } from '../support/problem';
import { rackspaceTokens } from '../support/rackspace-tokens';

/**
 * The rackspace driver through the service's HTTP API, against recorded Rackspace Identity v2.0 and
 * Cloud Servers (Nova v2) answers served over loopback: what the service answers, and what was sent.
 */
const API_KEY = 'rax-apikey-SECRET-0123456789abcdef';
const WRONG_KEY = 'rax-apikey-WRONG-fedcba9876543210';
const SLOW_KEY = 'rax-apikey-SLOW-00000000000000000';
const TIMEOUT_MS = 600;
const fixtureJson = (file: string) => JSON.parse(readFileSync(join(FIXTURES_DIR, 'rackspace', file), 'utf8'));
const TOKEN_ID: string = fixtureJson('identity-tokens.json').access.token.id;
/** Where the catalog's IAD endpoint (https://iad.servers.api.rackspacecloud.com/v2/123456) lands on the fixture server. */
const IAD = '/iad/v2/123456';
const SERVER_ID = '0a4bb0b4-2f3e-4a58-8d6c-0f5a1d6f6b11';
const SECOND_ID = '3f8c2b1a-6f0e-4d9b-9a7e-2c1b4e5d6a22';

describe('rackspace driver (recorded Rackspace Identity + Cloud Servers)', () => {
  let fixture: FixtureServer;
  let t: TestApp;
  let bootRequests: RecordedRequest[] = [];

  const apiKeyOf = (req: RecordedRequest) => req.json?.auth?.['RAX-KSKEY:apiKeyCredentials']?.apiKey;
  /** Identity answers: the catalog for the right key (its endpoints moved onto the fixture server), a hang for the slow one, 401 otherwise. */
  const identity = (): Exchange[] => [
    {
      name: 'identity: rejected key',
      method: 'POST',
      path: '/v2.0/tokens',
      status: 401,
      file: 'rackspace/identity-401.json',
    },
    { name: 'identity: hung', method: 'POST', path: '/v2.0/tokens', when: (r) => apiKeyOf(r) === SLOW_KEY, hang: true },
    {
      name: 'identity: tokens',
      method: 'POST',
      path: '/v2.0/tokens',
      when: (r) => apiKeyOf(r) === API_KEY,
      expect: (req) => {
        expect(req.headers['content-type']).toMatch(/application\/json/);
        expect(req.json).toEqual({ auth: { 'RAX-KSKEY:apiKeyCredentials': { username: 'jdoe', apiKey: API_KEY } } });
      },
      body: () => rackspaceTokens(fixture.url),
    },
  ];
  /** Calls the v1 API and checks neither the API key nor the token ever reaches an answer. */
  const api = async (method: string, path: string, body?: unknown, cloud = 'rax') => {
    const res = await call(t.url, method, `/api/v1/clouds/${cloud}${path}`, body);
    const seen = `${JSON.stringify(res.body ?? '')}\n${[...res.headers.values()].join('\n')}`;
    for (const secret of [API_KEY, WRONG_KEY, SLOW_KEY, TOKEN_ID]) expect(seen).not.toContain(secret);
    return res;
  };
  const sent = (method: string, path: string | RegExp) => fixture.received(method, path);
  const computeRequests = () => fixture.requests.filter((r) => r.path !== '/v2.0/tokens');
  const limitAndMarker = (r: RecordedRequest) => {
    const { limit, marker } = Object.fromEntries(r.query);
    return marker === undefined ? { limit } : { limit, marker };
  };

  beforeAll(async () => {
    fixture = await FixtureServer.start();
    fixture.on(...identity(), {
      method: 'GET',
      path: `${IAD}/servers/detail`,
      when: (r) => r.query.get('limit') === '2',
      body: { servers: [] },
    });
    const cloud = (apiKey: string, region = 'IAD') => ({
      engine: 'rackspace',
      user: 'jdoe',
      timeoutMs: TIMEOUT_MS,
      resilience: ONE_ANSWER_PER_CALL,
      extraParams: { region, apiKey, authUrl: fixture.url },
    });
    t = await startApp({
      // The service checks every cloud once at boot (then hourly here): let those checks land first.
      health: { cloudCheckIntervalMs: 3_600_000 },
      clouds: {
        default: { engine: 'dummy' },
        // The API key as password, the region in lower case: both accepted.
        rax: {
          engine: 'rackspace',
          user: 'jdoe',
          password: API_KEY,
          timeoutMs: TIMEOUT_MS,
          // Every test answers the catalogue its own way: nothing cached between them.
          catalogTtlMs: 0,
          resilience: ONE_ANSWER_PER_CALL,
          extraParams: { region: 'iad', authUrl: fixture.url },
        },
        'rax-denied': cloud(WRONG_KEY),
        'rax-slow': cloud(SLOW_KEY),
        'rax-lon': cloud(API_KEY, 'LON'),
      },
    });
    await waitFor(
      async () => sent('POST', '/v2.0/tokens').length >= 4 && sent('GET', `${IAD}/servers/detail`).length >= 1,
    );
    fixture.assertClean();
    bootRequests = [...fixture.requests];
  });
  afterAll(async () => {
    await t?.close();
    await fixture?.close();
  });
  beforeEach(() => {
    fixture.reset();
    fixture.on(...identity());
  });
  afterEach(() => {
    fixture.assertClean();
    // Every Cloud Servers request carried the token from the login, at the IAD endpoint of the catalog.
    for (const req of computeRequests()) {
      expect(req.headers['x-auth-token']).toBe(TOKEN_ID);
      expect(req.path.startsWith(`${IAD}/`)).toBe(true);
    }
  });

  it('declares start and stop unsupported, the rest supported', async () => {
    const res = await api('GET', '');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      engine: 'rackspace',
      capabilities: {
        reboot: true,
        start: false,
        stop: false,
        keyPairs: true,
        importKeyPair: true,
        locations: true,
        userData: true,
        metadata: true,
      },
    });
  });

  it('logs in with apiKeyCredentials, then uses the token at the region endpoint of the catalog', () => {
    const rax = bootRequests.filter((r) => apiKeyOf(r) === API_KEY || r.path.startsWith(IAD));
    const login = rax.find((r) => r.path === '/v2.0/tokens')!;
    expect(login.json).toEqual({ auth: { 'RAX-KSKEY:apiKeyCredentials': { username: 'jdoe', apiKey: API_KEY } } });
    const list = bootRequests.find((r) => r.path === `${IAD}/servers/detail`)!;
    expect(list.headers['x-auth-token']).toBe(TOKEN_ID);
    // The health check lists one node, asking one more to know whether there are others, in the
    // walk's order (creation time, then uuid, newest first).
    expect(Object.fromEntries(list.query)).toEqual({ limit: '2', sort_key: 'uuid', sort_dir: 'desc' });
    expect([list.query.getAll('sort_key'), list.query.getAll('sort_dir')]).toEqual([
      ['created_at', 'uuid'],
      ['desc', 'desc'],
    ]);
    expect(bootRequests.indexOf(login)).toBeLessThan(bootRequests.indexOf(list));
  });

  describe('nodes', () => {
    const pages = (): Exchange[] => [
      {
        method: 'GET',
        path: `${IAD}/servers/detail`,
        when: (r) => !r.query.get('marker'),
        file: 'rackspace/servers-detail-page-1.json',
      },
      {
        method: 'GET',
        path: `${IAD}/servers/detail`,
        when: (r) => r.query.get('marker') === SECOND_ID,
        file: 'rackspace/servers-detail-page-2.json',
      },
    ];

    it('lists servers, following Nova next links when Rackspace answers less than asked', async () => {
      fixture.on(...pages());
      const res = await api('GET', '/nodes');
      expect(res.status).toBe(200);
      expect(res.body.nextCursor).toBeUndefined();
      expect(res.body.items.map((n: any) => [n.name, n.state])).toEqual([
        ['web-1', 'running'],
        ['db-1', 'running'],
        ['batch-1', 'stopped'],
      ]);
      expect(res.body.items[0]).toEqual({
        id: SERVER_ID,
        cloud: 'rax',
        name: 'web-1',
        state: 'running',
        publicIps: ['198.101.241.238', '2001:4800:780e:510:d87b:9cbc:ff04:513a'],
        privateIps: ['10.180.3.171'],
        imageId: 'c6d30d06-9c0c-4bf5-8e3e-1d9a0b8a1f6b',
        sizeId: 'general1-1',
        locationId: 'IAD',
        createdAt: '2024-02-12T10:12:01.000Z',
        metadata: { team: 'web', env: 'prod' },
        extra: expect.objectContaining({ status: 'ACTIVE', keyName: 'deploy' }),
      });
      expect(sent('GET', `${IAD}/servers/detail`).map(limitAndMarker)).toEqual([
        { limit: '1001' },
        { limit: '999', marker: SECOND_ID },
      ]);
    });

    it('maps the v1 limit and cursor onto Nova limit/marker', async () => {
      fixture.on(...pages());
      const first = await api('GET', '/nodes?limit=2');
      expect(first.body.items.map((n: any) => n.id)).toEqual([SERVER_ID, SECOND_ID]);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await api('GET', `/nodes?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`);
      expect(second.body.items.map((n: any) => [n.name, n.state])).toEqual([['batch-1', 'stopped']]);
      expect(second.body.nextCursor).toBeUndefined();
      // One more than the page is asked for, so the cursor is given only when Nova has more.
      expect(sent('GET', `${IAD}/servers/detail`).map(limitAndMarker)).toEqual([
        { limit: '3' },
        { limit: '1', marker: SECOND_ID },
        { limit: '3', marker: SECOND_ID },
      ]);
    });

    it('gets one server', async () => {
      fixture.on({ method: 'GET', path: `${IAD}/servers/${SERVER_ID}`, file: 'rackspace/server.json' });
      const res = await api('GET', `/nodes/${SERVER_ID}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id: SERVER_ID,
        name: 'web-1',
        state: 'running',
        locationId: 'IAD',
        metadata: { team: 'web' },
      });
    });

    it('creates a server: imageRef, flavorRef, key_name, metadata, base64 user_data; never passes adminPass on', async () => {
      const created = fixtureJson('server-created.json').server;
      // Nova's create answer has no status: the node is read back once.
      fixture.on({
        method: 'GET',
        path: `${IAD}/servers/${created.id}`,
        body: {
          server: {
            ...fixtureJson('server.json').server,
            id: created.id,
            name: 'web-2',
            status: 'BUILD',
            metadata: { team: 'web' },
            addresses: {},
          },
        },
      });
      fixture.on({
        method: 'POST',
        path: `${IAD}/servers`,
        status: 202,
        file: 'rackspace/server-created.json',
        expect: (req) =>
          expect(req.json).toEqual({
            server: {
              name: 'web-2',
              imageRef: 'c6d30d06-9c0c-4bf5-8e3e-1d9a0b8a1f6b',
              flavorRef: 'general1-1',
              key_name: 'deploy',
              metadata: { team: 'web' },
              user_data: Buffer.from('#cloud-config\npackages: [nginx]\n').toString('base64'),
              config_drive: true,
              networks: [
                { uuid: '00000000-0000-0000-0000-000000000000' },
                { uuid: '11111111-1111-1111-1111-111111111111' },
              ],
            },
          }),
      });
      const res = await api('POST', '/nodes', {
        name: 'web-2',
        image: 'c6d30d06-9c0c-4bf5-8e3e-1d9a0b8a1f6b',
        size: 'general1-1',
        location: 'iad',
        keyName: 'deploy',
        userData: '#cloud-config\npackages: [nginx]\n',
        metadata: { team: 'web' },
        networks: ['00000000-0000-0000-0000-000000000000', '11111111-1111-1111-1111-111111111111'],
      });
      expect(res.status).toBe(202);
      expect(res.headers.get('location')).toBe(`/api/v1/clouds/rax/nodes/${created.id}`);
      expect(res.body).toMatchObject({
        id: created.id,
        name: 'web-2',
        state: 'pending',
        sizeId: 'general1-1',
        locationId: 'IAD',
        metadata: { team: 'web' },
      });
      expect(JSON.stringify(res.body)).not.toContain(created.adminPass);
      expect(sent('POST', `${IAD}/servers`)).toHaveLength(1);
      expect(sent('GET', `${IAD}/servers/${created.id}`)).toHaveLength(1);
    });

    it('answers 422 for a location other than its region, and creates nothing', async () => {
      const problem = expectProblem(
        await api('POST', '/nodes', { name: 'web-3', image: 'img', size: 'general1-1', location: 'DFW' }),
        422,
        /works in region IAD/,
      );
      expect(problem.errors).toEqual([{ field: 'location', message: expect.stringMatching(/works in region IAD/) }]);
      expect(computeRequests()).toHaveLength(0);
    });

    it('answers 422 when Nova rejects the key_name', async () => {
      fixture.on({ method: 'POST', path: `${IAD}/servers`, status: 400, file: 'rackspace/error-400-keyname.json' });
      const problem = expectProblem(
        await api('POST', '/nodes', { name: 'web-3', image: 'img', size: 'general1-1', keyName: 'nobody' }),
        422,
        /Invalid key_name/,
      );
      expect(problem.errors).toEqual([{ field: 'keyName', message: expect.stringMatching(/Invalid key_name/) }]);
    });

    it('reboots softly through the server action, and shows the server rebooting', async () => {
      fixture.on(
        {
          method: 'POST',
          path: `${IAD}/servers/${SERVER_ID}/action`,
          status: 202,
          expect: (req) => expect(req.json).toEqual({ reboot: { type: 'SOFT' } }),
        },
        { method: 'GET', path: `${IAD}/servers/${SERVER_ID}`, file: 'rackspace/server-rebooting.json' },
      );
      const res = await api('POST', `/nodes/${SERVER_ID}/actions/reboot`);
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ id: SERVER_ID, state: 'rebooting' });
      expect(computeRequests().map((r) => `${r.method} ${r.path}`)).toEqual([
        `POST ${IAD}/servers/${SERVER_ID}/action`,
        `GET ${IAD}/servers/${SERVER_ID}`,
      ]);
    });

    it.each(['start', 'stop'])('answers 501 to %s without asking Rackspace', async (action) => {
      const problem = expectProblem(
        await api('POST', `/nodes/${SERVER_ID}/actions/${action}`),
        501,
        new RegExp(`${action} of nodes is not supported`),
      );
      expect(problem.cloud).toBe('rax');
      expect(computeRequests()).toHaveLength(0);
    });

    it('destroys a server', async () => {
      fixture.on({ method: 'DELETE', path: `${IAD}/servers/${SERVER_ID}`, status: 204 });
      expect((await api('DELETE', `/nodes/${SERVER_ID}`)).status).toBe(202);
      expect(sent('DELETE', `${IAD}/servers/${SERVER_ID}`)).toHaveLength(1);
    });
    it('refuses "." and ".." as ids rather than letting the URL resolve them elsewhere', async () => {
      // fetch and URL objects resolve %2E%2E themselves: send the path as is.
      const raw = (path: string) =>
        new Promise<{ status: number; body: any }>((resolve, reject) => {
          const { hostname, port } = new URL(t.url);
          const req = request({ hostname, port, method: 'DELETE', path: `/api/v1/clouds/rax${path}` }, (res) => {
            let text = '';
            res.on('data', (chunk) => (text += chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
          });
          req.on('error', reject);
          req.end();
        });
      expect(await raw('/nodes/%2E%2E')).toMatchObject({
        status: 404,
        body: { detail: expect.stringMatching(/server "\.\." not found/) },
      });
      expect(await raw('/key-pairs/%2E')).toMatchObject({
        status: 404,
        body: { detail: expect.stringMatching(/key pair "\." not found/) },
      });
      expect(computeRequests()).toHaveLength(0);
    });
  });

  describe('catalog', () => {
    it('lists images', async () => {
      fixture.on({ method: 'GET', path: `${IAD}/images/detail`, file: 'rackspace/images-detail.json' });
      const res = await api('GET', '/images');
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual([
        {
          id: 'c6d30d06-9c0c-4bf5-8e3e-1d9a0b8a1f6b',
          name: 'Ubuntu 22.04 LTS (Jammy Jellyfish) (PVHVM)',
          extra: expect.objectContaining({ status: 'ACTIVE', minDiskGiB: 20, osDistro: 'ubuntu' }),
        },
        {
          id: 'e9f1d0c2-8b3a-4c5d-9e6f-7a8b9c0d1e2f',
          name: 'Debian 12 (Bookworm) (PVHVM)',
          extra: expect.objectContaining({ osDistro: 'debian' }),
        },
      ]);
    });

    it('lists flavors as sizes (Rackspace publishes no prices)', async () => {
      fixture.on({ method: 'GET', path: `${IAD}/flavors/detail`, file: 'rackspace/flavors-detail.json' });
      const res = await api('GET', '/sizes');
      expect(res.body.items).toEqual([
        {
          id: 'general1-1',
          name: '1 GB General Purpose v1',
          ram: 1024,
          disk: 20,
          vcpus: 1,
          price: null,
          extra: expect.objectContaining({ class: 'general1' }),
        },
        {
          id: 'memory1-4',
          name: '4 GB Memory v1',
          ram: 4096,
          disk: 0,
          vcpus: 2,
          price: null,
          extra: expect.objectContaining({ class: 'memory1' }),
        },
      ]);
    });

    it('lists the configured region, as the service catalog has it, without another request', async () => {
      const res = await api('GET', '/locations');
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual([{ id: 'IAD', name: 'Northern Virginia', country: 'US', extra: {} }]);
      expect(fixture.requests).toHaveLength(0);
    });
  });

  describe('key pairs', () => {
    it('lists key pairs', async () => {
      fixture.on({ method: 'GET', path: `${IAD}/os-keypairs`, file: 'rackspace/keypairs.json' });
      const res = await api('GET', '/key-pairs');
      expect(res.body.items.map((k: any) => k.name)).toEqual(['deploy', 'ops']);
      expect(res.body.items[0]).toEqual({
        name: 'deploy',
        fingerprint: expect.stringMatching(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/),
        publicKey: expect.stringMatching(/^ssh-ed25519 /),
      });
    });

    it('imports a key pair', async () => {
      const created = fixtureJson('keypair-created.json').keypair;
      fixture.on({
        method: 'POST',
        path: `${IAD}/os-keypairs`,
        file: 'rackspace/keypair-created.json',
        expect: (req) => expect(req.json).toEqual({ keypair: { name: 'laptop', public_key: created.public_key } }),
      });
      const res = await api('POST', '/key-pairs', { name: 'laptop', publicKey: created.public_key });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ name: 'laptop', fingerprint: created.fingerprint, publicKey: created.public_key });
    });

    it('answers 409 when the name is taken', async () => {
      fixture.on({ method: 'POST', path: `${IAD}/os-keypairs`, status: 409, file: 'rackspace/error-409-keypair.json' });
      const key = fixtureJson('keypair-created.json').keypair.public_key;
      expectProblem(await api('POST', '/key-pairs', { name: 'deploy', publicKey: key }), 409, /already exists/);
    });

    it('deletes a key pair by name, and answers 404 for one that does not exist', async () => {
      fixture.on(
        { method: 'DELETE', path: `${IAD}/os-keypairs/ops`, status: 202 },
        {
          method: 'DELETE',
          path: `${IAD}/os-keypairs/nobody`,
          status: 404,
          body: { itemNotFound: { message: 'The resource could not be found.', code: 404 } },
        },
      );
      expect((await api('DELETE', '/key-pairs/ops')).status).toBe(204);
      expectProblem(await api('DELETE', '/key-pairs/nobody'), 404, /could not be found/);
    });
  });

  describe('errors', () => {
    it('identity 401: a 502 problem naming the cloud, "credentials rejected"', async () => {
      const problem = expectProblem(await api('GET', '/nodes', undefined, 'rax-denied'), 502, /credentials rejected/);
      expect(problem.cloud).toBe('rax-denied');
      expect(sent('POST', '/v2.0/tokens').map(apiKeyOf)).toEqual([WRONG_KEY]);
      expect(computeRequests()).toHaveLength(0);
    });

    it('Cloud Servers 401 on a read: logs in again and retries once', async () => {
      fixture.on({ method: 'GET', path: `${IAD}/flavors/detail`, file: 'rackspace/flavors-detail.json' });
      fixture.on({
        method: 'GET',
        path: `${IAD}/flavors/detail`,
        status: 401,
        file: 'rackspace/error-401.json',
        times: 1,
      });
      expect((await api('GET', '/sizes')).status).toBe(200);
      expect(fixture.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        `GET ${IAD}/flavors/detail`,
        'POST /v2.0/tokens',
        `GET ${IAD}/flavors/detail`,
      ]);
    });

    it('a region missing from the service catalog: 502 naming the regions there are', async () => {
      const problem = expectProblem(
        await api('GET', '/images', undefined, 'rax-lon'),
        502,
        /no Cloud Servers endpoint in region LON \(regions: DFW, HKG, IAD, ORD, SYD\)/,
      );
      expect(problem.cloud).toBe('rax-lon');
      expect(computeRequests()).toHaveLength(0);
    });

    it('404: not found', async () => {
      fixture.on({ method: 'GET', path: `${IAD}/servers/nope`, status: 404, file: 'rackspace/error-404.json' });
      expectProblem(await api('GET', '/nodes/nope'), 404, /Instance could not be found/);
    });

    it('413 rate control with Retry-After: 503 passing Retry-After on', async () => {
      fixture.on({
        method: 'GET',
        path: `${IAD}/servers/detail`,
        status: 413,
        headers: { 'retry-after': '12' },
        file: 'rackspace/error-413-ratelimit.json',
      });
      const res = await api('GET', '/nodes');
      expectProblem(res, 503, /OverLimit/);
      expect(res.headers.get('retry-after')).toBe('12');
    });

    it('413 with only the body retryAfter date: Retry-After counts down to it', async () => {
      const retryAfter = new Date(Date.now() + 30_000).toISOString();
      fixture.on({
        method: 'GET',
        path: `${IAD}/images/detail`,
        status: 413,
        body: { overLimit: { code: 413, message: 'OverLimit Retry...', retryAfter } },
      });
      const res = await api('GET', '/images');
      expectProblem(res, 503);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(28);
      expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(31);
    });

    it('413 about a quota: 409 quota exceeded', async () => {
      fixture.on({
        method: 'POST',
        path: `${IAD}/servers`,
        status: 413,
        body: {
          overLimit: {
            code: 413,
            message: 'Quota exceeded for instances: Requested 1, but already used 10 of 10 instances',
          },
        },
      });
      expectProblem(
        await api('POST', '/nodes', { name: 'web-9', image: 'img', size: 'general1-1' }),
        409,
        /Quota exceeded/,
      );
    });

    it('429: 503 with Retry-After', async () => {
      fixture.on({
        method: 'GET',
        path: `${IAD}/os-keypairs`,
        status: 429,
        headers: { 'retry-after': '3' },
        body: { message: 'Too many requests' },
      });
      const res = await api('GET', '/key-pairs');
      expectProblem(res, 503);
      expect(res.headers.get('retry-after')).toBe('3');
    });

    it('500: 502 cloud unavailable', async () => {
      fixture.on({ method: 'GET', path: `${IAD}/servers/${SERVER_ID}`, status: 500, file: 'rackspace/error-500.json' });
      expectProblem(await api('GET', `/nodes/${SERVER_ID}`), 502, /HTTP 500/);
    });

    it('a body that is not JSON: 502', async () => {
      fixture.on({
        method: 'GET',
        path: `${IAD}/servers/${SERVER_ID}`,
        body: '<html>502 Bad Gateway</html>',
        headers: { 'content-type': 'application/json' },
      });
      expectProblem(await api('GET', `/nodes/${SERVER_ID}`), 502, /could not be read/);
    });

    it('Cloud Servers hanging past timeoutMs: 504', async () => {
      fixture.on({ method: 'GET', path: `${IAD}/servers/detail`, hang: true });
      expectProblem(await api('GET', '/nodes'), 504);
    });

    it('Identity hanging past timeoutMs: 504', async () => {
      const started = Date.now();
      const problem = expectProblem(await api('GET', '/nodes', undefined, 'rax-slow'), 504);
      expect(problem.cloud).toBe('rax-slow');
      expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 3500); // the hang is endless
      expect(sent('POST', '/v2.0/tokens').map(apiKeyOf)).toEqual([SLOW_KEY]);
    });
  });
});

describe('rackspace configuration', () => {
  async function boot(cloud: Record<string, unknown>): Promise<unknown> {
    try {
      const app = await createApp({
        settings: { clouds: { default: { engine: 'dummy' }, rax: { engine: 'rackspace', ...cloud } } },
        logger: false,
      });
      await app.init();
      await app.close();
      return undefined;
    } catch (error) {
      return error;
    }
  }

  it('requires the username, the API key and the region, naming each field', async () => {
    const error = await boot({ extraParams: {} });
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/clouds\.rax\.user: the Rackspace username is required/);
    expect(message).toMatch(/clouds\.rax\.extraParams\.region: the Rackspace region is required/);
  });

  it('requires an API key in password or extraParams.apiKey, never echoing it', async () => {
    const missing = await boot({ user: 'jdoe', extraParams: { region: 'IAD' } });
    expect((missing as Error).message).toMatch(
      /clouds\.rax\.password: a Rackspace API key is required: set password or extraParams\.apiKey/,
    );
    const twice = await boot({ user: 'jdoe', password: API_KEY, extraParams: { region: 'IAD', apiKey: WRONG_KEY } });
    expect((twice as Error).message).toMatch(/clouds\.rax\.extraParams\.apiKey: give the API key once/);
    expect((twice as Error).message).not.toContain(API_KEY);
    expect((twice as Error).message).not.toContain(WRONG_KEY);
  });
});
