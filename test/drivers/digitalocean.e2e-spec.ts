import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp } from '../../src/app.factory';
import { ConfigError } from '../../src/config/config-error';
import { call, ONE_ANSWER_PER_CALL, startApp, TestApp, waitFor } from '../support/app';
import type { Exchange, RecordedRequest } from '../support/fixture-server';
import { FIXTURES_DIR, FixtureServer } from '../support/fixture-server';
import { expectProblem } from '../support/problem';

/**
 * The digitalocean driver through the service's HTTP API, against recorded DigitalOcean API v2
 * answers served over loopback: what the service answers, and what the driver sent.
 */
const TOKEN = 'dop_v1_SECRET0123456789abcdef0123456789abcdef';
const TIMEOUT_MS = 600;
const createdKey = JSON.parse(readFileSync(join(FIXTURES_DIR, 'digitalocean/key-created.json'), 'utf8'));

describe('digitalocean driver (recorded DigitalOcean API v2)', () => {
  let fixture: FixtureServer;
  let t: TestApp;
  let bootRequests: RecordedRequest[] = [];

  /** Calls the v1 API of cloud "do" and checks the token never leaks into an answer. */
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await call(t.url, method, `/api/v1/clouds/do${path}`, body);
    expect(JSON.stringify(res.body ?? '')).not.toContain(TOKEN);
    expect([...res.headers.values()].join('\n')).not.toContain(TOKEN);
    return res;
  };
  const sent = (method: string, path: string | RegExp) => fixture.received(method, path);

  beforeAll(async () => {
    fixture = await FixtureServer.start();
    // The service checks every cloud once at boot (then hourly here): let that check land first.
    fixture.on({ method: 'GET', path: '/v2/account', file: 'digitalocean/account.json' });
    t = await startApp({
      health: { cloudCheckIntervalMs: 3_600_000 },
      clouds: {
        default: { engine: 'dummy' },
        // Every test answers the catalogue its own way: nothing cached between them (catalogTtlMs: 0).
        do: {
          engine: 'digitalocean',
          password: TOKEN,
          timeoutMs: TIMEOUT_MS,
          catalogTtlMs: 0,
          resilience: ONE_ANSWER_PER_CALL,
          extraParams: { endpoint: fixture.url },
        },
      },
    });
    await waitFor(async () => fixture.received('GET', '/v2/account').length > 0);
    fixture.assertClean();
    bootRequests = [...fixture.requests];
  });
  afterAll(async () => {
    await t?.close();
    await fixture?.close();
  });
  beforeEach(() => fixture.reset());
  afterEach(() => {
    fixture.assertClean();
    // Every request carried the token as a Bearer token, and nothing else did.
    for (const req of fixture.requests) expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('declares its capabilities truthfully', async () => {
    const res = await api('GET', '');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: 'do',
      engine: 'digitalocean',
      capabilities: {
        reboot: true,
        start: true,
        stop: true,
        keyPairs: true,
        importKeyPair: true,
        locations: true,
        userData: true,
        metadata: true,
      },
    });
    expect(fixture.requests).toHaveLength(0);
  });

  it('health checks ping the account with the Bearer token', () => {
    expect(bootRequests.map((r) => [r.method, r.path, r.headers.authorization])).toEqual([
      ['GET', '/v2/account', `Bearer ${TOKEN}`],
    ]);
  });

  describe('nodes', () => {
    it('passes a metadata filter as tag_name on every page, and still checks every droplet itself', async () => {
      const tagged = (page: string) => (r: RecordedRequest) =>
        r.query.get('tag_name') === 'env:prod' && r.query.get('page') === page;
      fixture.on(
        { method: 'GET', path: '/v2/droplets', when: tagged('1'), file: 'digitalocean/droplets-page-1.json' },
        // Recorded without the tag: stage-1 (env:stage) must not come through.
        { method: 'GET', path: '/v2/droplets', when: tagged('2'), file: 'digitalocean/droplets-page-2.json' },
      );
      const res = await api('GET', '/nodes?metadata.env=prod&name=web-*&state=running');
      expect(res.status).toBe(200);
      expect(res.body.items.map((n: any) => n.name)).toEqual(['web-1']);
      expect(sent('GET', '/v2/droplets').map((r) => r.query.get('tag_name'))).toEqual(['env:prod', 'env:prod']);
    });

    it('maps droplets onto v1 nodes', async () => {
      fixture.on(
        {
          method: 'GET',
          path: '/v2/droplets',
          when: (r) => r.query.get('page') === '1',
          file: 'digitalocean/droplets-page-1.json',
        },
        {
          method: 'GET',
          path: '/v2/droplets',
          when: (r) => r.query.get('page') === '2',
          file: 'digitalocean/droplets-page-2.json',
        },
      );
      const res = await api('GET', '/nodes');
      expect(res.status).toBe(200);
      expect(res.body.nextCursor).toBeUndefined();
      expect(res.body.items.map((n: any) => [n.id, n.state])).toEqual([
        ['3164444', 'running'],
        ['3164459', 'running'],
        ['3164412', 'stopped'],
      ]);
      expect(res.body.items[0]).toEqual({
        id: '3164444',
        cloud: 'do',
        name: 'web-1',
        state: 'running',
        publicIps: ['192.241.165.154', '2604:a880:0:1010::18a:a001'],
        privateIps: ['10.128.192.124'],
        imageId: 'ubuntu-20-04-x64',
        sizeId: 's-1vcpu-1gb',
        locationId: 'nyc3',
        createdAt: '2020-07-21T18:37:44.000Z',
        metadata: { env: 'prod', team: 'web' },
        extra: expect.objectContaining({
          status: 'active',
          tags: ['web', 'env:prod', 'team:web'],
          vcpus: 1,
          memory: 1024,
        }),
      });
    });

    it('fills a v1 page from several DigitalOcean pages (links.pages.next), and resumes mid-page from the cursor', async () => {
      const template = JSON.parse(readFileSync(join(FIXTURES_DIR, 'digitalocean/droplet.json'), 'utf8')).droplet;
      const droplets = (from: number, count: number) =>
        Array.from({ length: count }, (_, i) => ({ ...template, id: 4_000_000 + from + i, name: `node-${from + i}` }));
      const link = (page: number) => `https://api.digitalocean.com/v2/droplets?page=${page}&per_page=200`;
      fixture.on(
        {
          method: 'GET',
          path: '/v2/droplets',
          when: (r) => r.query.get('page') === '1',
          body: {
            droplets: droplets(0, 200),
            links: { pages: { last: link(2), next: link(2) } },
            meta: { total: 203 },
          },
        },
        {
          method: 'GET',
          path: '/v2/droplets',
          when: (r) => r.query.get('page') === '2',
          body: {
            droplets: droplets(200, 3),
            links: { pages: { first: link(1), prev: link(1) } },
            meta: { total: 203 },
          },
        },
      );
      const ids = (res: any) => res.body.items.map((n: any) => Number(n.id) - 4_000_000);
      const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

      // The v1 default page (1000) asks for DigitalOcean's largest page, then follows the next link.
      const all = await api('GET', '/nodes');
      expect(ids(all)).toEqual(range(0, 203));
      expect(all.body.nextCursor).toBeUndefined();
      expect(sent('GET', '/v2/droplets').map((r) => Object.fromEntries(r.query))).toEqual([
        { page: '1', per_page: '200' },
        { page: '2', per_page: '200' },
      ]);

      // 201 a page: the first v1 page ends one droplet into DigitalOcean's page 2; the next starts there.
      fixture.requests.length = 0;
      const first = await api('GET', '/nodes?limit=201');
      expect(ids(first)).toEqual(range(0, 201));
      const second = await api('GET', `/nodes?limit=201&cursor=${encodeURIComponent(first.body.nextCursor)}`);
      expect(ids(second)).toEqual([201, 202]);
      expect(second.body.nextCursor).toBeUndefined();
      expect(sent('GET', '/v2/droplets').map((r) => r.query.get('page'))).toEqual(['1', '2', '2']);
    });

    it('maps the v1 limit and cursor onto page/per_page', async () => {
      fixture.on(
        {
          method: 'GET',
          path: '/v2/droplets',
          when: (r) => r.query.get('page') === '1',
          file: 'digitalocean/droplets-page-1.json',
        },
        {
          method: 'GET',
          path: '/v2/droplets',
          when: (r) => r.query.get('page') === '2',
          file: 'digitalocean/droplets-page-2.json',
        },
      );
      const first = await api('GET', '/nodes?limit=2');
      expect(first.status).toBe(200);
      expect(first.body.items.map((n: any) => n.id)).toEqual(['3164444', '3164459']);
      expect(first.body.nextCursor).toEqual(expect.any(String));

      const second = await api('GET', `/nodes?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`);
      expect(second.status).toBe(200);
      expect(second.body.items.map((n: any) => [n.id, n.state, n.locationId])).toEqual([
        ['3164412', 'stopped', 'ams3'],
      ]);
      expect(second.body.nextCursor).toBeUndefined();

      // One droplet more than the v1 limit per DigitalOcean page; this recorded page 1 holds only two,
      // so the cursor re-reads it to find the last droplet handed out, then follows its next link.
      expect(sent('GET', '/v2/droplets').map((r) => Object.fromEntries(r.query))).toEqual([
        { page: '1', per_page: '3' },
        { page: '1', per_page: '3' },
        { page: '2', per_page: '2' },
      ]);
    });

    it('resumes after the last droplet handed out when droplets are deleted or created between pages', async () => {
      const template = JSON.parse(readFileSync(join(FIXTURES_DIR, 'digitalocean/droplet.json'), 'utf8')).droplet;
      // A live listing, paged the way DigitalOcean pages it (by number), that changes between requests.
      let live = Array.from({ length: 10 }, (_, i) => ({ ...template, id: 5_000_000 + i, name: `d-${i}` }));
      fixture.on(livePages(() => live));
      const longLived = live.map((d) => String(d.id));
      const seen: string[] = [];
      let res = await api('GET', '/nodes?limit=3');
      seen.push(...res.body.items.map((n: any) => n.id));
      // Between pages: two droplets already listed are deleted, one not yet listed too, one is created.
      const gone = [live[0].id, live[1].id, live[4].id].map(String);
      live = [...live.filter((d) => !gone.includes(String(d.id))), { ...template, id: 5_000_100, name: 'new' }];
      while (res.body.nextCursor) {
        res = await api('GET', `/nodes?limit=3&cursor=${encodeURIComponent(res.body.nextCursor)}`);
        expect(res.status).toBe(200);
        seen.push(...res.body.items.map((n: any) => n.id));
      }
      for (const id of longLived.filter((id) => !gone.includes(id))) expect(seen.filter((s) => s === id)).toEqual([id]);
      expect(new Set(seen).size).toBe(seen.length);
    });

    describe('when the droplets a cursor ended between move or vanish', () => {
      let template: any;
      let live: any[];
      beforeEach(() => {
        template = JSON.parse(readFileSync(join(FIXTURES_DIR, 'digitalocean/droplet.json'), 'utf8')).droplet;
        live = Array.from({ length: 10 }, (_, i) => ({ ...template, id: 6_000_000 + i, name: `d-${i}` }));
        fixture.on(livePages(() => live));
      });
      const next = (cursor: string, limit: number) =>
        api('GET', `/nodes?limit=${limit}&cursor=${encodeURIComponent(cursor)}`);

      it('finds them again pages back after many deletions before the cursor: nothing lost', async () => {
        const seen: string[] = [];
        let res = await api('GET', '/nodes?limit=2');
        seen.push(...res.body.items.map((n: any) => n.id));
        for (let i = 0; i < 2; i++) {
          res = await next(res.body.nextCursor, 2);
          seen.push(...res.body.items.map((n: any) => n.id));
        }
        expect(seen).toEqual(['6000000', '6000001', '6000002', '6000003', '6000004', '6000005']);
        // Everything before the cursor's droplets is deleted: they move two DigitalOcean pages back.
        live = live.slice(5);
        while (res.body.nextCursor) {
          res = await next(res.body.nextCursor, 2);
          expect(res.status).toBe(200);
          seen.push(...res.body.items.map((n: any) => n.id));
        }
        expect(seen.slice(6)).toEqual(['6000006', '6000007', '6000008', '6000009']);
      });

      it('answers the all-clouds listing 410 too, instead of reporting the cloud as failed and skipping its rest', async () => {
        const dummies = (await call(t.url, 'GET', '/api/v1/clouds/default/nodes')).body.items.length;
        const first = await call(t.url, 'GET', `/api/v1/nodes?limit=${dummies + 3}`);
        expect(first.body.items.filter((n: any) => n.cloud === 'do').map((n: any) => n.id)).toEqual([
          '6000000',
          '6000001',
          '6000002',
        ]);
        live = live.filter((d) => ![6_000_002, 6_000_003].includes(d.id));
        const res = await call(
          t.url,
          'GET',
          `/api/v1/nodes?limit=3&cursor=${encodeURIComponent(first.body.nextCursor)}`,
        );
        expect(expectProblem(res, 410, /both gone/)).toMatchObject({
          type: 'urn:cloud-orchestrator:problem:cursor-expired',
          cloud: 'do',
        });
      });

      it('answers 410 cursor-expired, not a guess by offset, when both are deleted', async () => {
        const first = await api('GET', '/nodes?limit=3');
        expect(first.body.items.map((n: any) => n.id)).toEqual(['6000000', '6000001', '6000002']);
        live = live.filter((d) => ![6_000_002, 6_000_003].includes(d.id));
        const problem = expectProblem(await next(first.body.nextCursor, 3), 410, /both gone.*Restart the listing/);
        expect(problem).toMatchObject({ type: 'urn:cloud-orchestrator:problem:cursor-expired', cloud: 'do' });
        expect(problem.errors).toEqual([{ field: 'cursor', message: expect.any(String) }]);
      });
    });

    it('gets one droplet, and refuses ids that cannot be droplet ids without asking', async () => {
      fixture.on({ method: 'GET', path: '/v2/droplets/3164444', file: 'digitalocean/droplet.json' });
      const res = await api('GET', '/nodes/3164444');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id: '3164444',
        name: 'web-1',
        state: 'running',
        locationId: 'nyc3',
        metadata: { env: 'prod', team: 'web' },
      });

      expectProblem(
        await api('GET', `/nodes/${encodeURIComponent('../account/keys')}`),
        404,
        /droplet ids are numbers/,
      );
      expect(fixture.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v2/droplets/3164444']);
    });

    it('creates a droplet: region, size, image, the key id, user data and metadata as tags', async () => {
      fixture.on(
        { method: 'GET', path: '/v2/account/keys', file: 'digitalocean/keys.json' },
        {
          method: 'POST',
          path: '/v2/droplets',
          status: 202,
          file: 'digitalocean/droplet-created.json',
          expect: (req) => {
            expect(req.headers['content-type']).toMatch(/application\/json/);
            expect(req.json).toEqual({
              name: 'web-2',
              region: 'nyc3',
              size: 's-1vcpu-1gb',
              image: 'ubuntu-20-04-x64',
              ssh_keys: [289794],
              user_data: '#cloud-config\npackages: [nginx]\n',
              tags: ['team:web', 'env:prod'],
            });
          },
        },
      );
      const res = await api('POST', '/nodes', {
        name: 'web-2',
        image: 'ubuntu-20-04-x64',
        size: 's-1vcpu-1gb',
        location: 'nyc3',
        keyName: 'deploy',
        userData: '#cloud-config\npackages: [nginx]\n',
        metadata: { team: 'web', env: 'prod' },
      });
      expect(res.status).toBe(202);
      expect(res.headers.get('location')).toBe('/api/v1/clouds/do/nodes/3164494');
      expect(res.body).toMatchObject({
        id: '3164494',
        name: 'web-2',
        state: 'pending',
        publicIps: [],
        sizeId: 's-1vcpu-1gb',
        locationId: 'nyc3',
        metadata: { team: 'web', env: 'prod' },
      });
      expect(sent('POST', '/v2/droplets')).toHaveLength(1);
    });

    it('sends a numeric image id as a number and leaves the region to DigitalOcean when none is given', async () => {
      fixture.on({
        method: 'POST',
        path: '/v2/droplets',
        status: 202,
        file: 'digitalocean/droplet-created.json',
        expect: (req) => expect(req.json).toEqual({ name: 'web-2', size: 's-1vcpu-1gb', image: 7555620 }),
      });
      expect((await api('POST', '/nodes', { name: 'web-2', image: '7555620', size: 's-1vcpu-1gb' })).status).toBe(202);
      expect(sent('POST', '/v2/droplets')).toHaveLength(1);
    });

    it('answers 422 for an unknown keyName and creates nothing', async () => {
      fixture.on({ method: 'GET', path: '/v2/account/keys', file: 'digitalocean/keys.json' });
      const problem = expectProblem(
        await api('POST', '/nodes', {
          name: 'web-3',
          image: 'ubuntu-20-04-x64',
          size: 's-1vcpu-1gb',
          keyName: 'nobody',
        }),
        422,
        /no key pair named "nobody"/,
      );
      expect(problem.cloud).toBe('do');
      expect(problem.errors).toEqual([{ field: 'keyName', message: expect.stringMatching(/no key pair named/) }]);
      expect(sent('GET', '/v2/account/keys')).toHaveLength(1);
      expect(sent('POST', '/v2/droplets')).toHaveLength(0);
    });

    it('answers 400 for metadata that cannot become a tag, before asking DigitalOcean anything', async () => {
      expectProblem(
        await api('POST', '/nodes', {
          name: 'web-3',
          image: 'ubuntu-20-04-x64',
          size: 's-1vcpu-1gb',
          metadata: { owner: 'Jane Doe' },
        }),
        400,
        /metadata value of "owner" cannot be stored as a DigitalOcean tag/,
      );
      expect(fixture.requests).toHaveLength(0);
    });

    it.each([
      ['reboot', 'reboot', 'action-reboot.json', 'rebooting'],
      ['start', 'power_on', 'action-power-on.json', 'starting'],
      ['stop', 'power_off', 'action-power-off.json', 'stopping'],
    ])('%s posts the %s droplet action and shows the action in progress', async (action, type, file, state) => {
      fixture.on(
        {
          method: 'POST',
          path: '/v2/droplets/3164444/actions',
          status: 201,
          file: `digitalocean/${file}`,
          expect: (req) => expect(req.json).toEqual({ type }),
        },
        { method: 'GET', path: '/v2/droplets/3164444', file: 'digitalocean/droplet.json' },
      );
      const res = await api('POST', `/nodes/3164444/actions/${action}`);
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ id: '3164444', state, extra: { action: { type, status: 'in-progress' } } });
      expect(fixture.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        'POST /v2/droplets/3164444/actions',
        'GET /v2/droplets/3164444',
      ]);
    });

    it('destroys a droplet', async () => {
      fixture.on({ method: 'DELETE', path: '/v2/droplets/3164444', status: 204 });
      const res = await api('DELETE', '/nodes/3164444');
      expect(res.status).toBe(202);
      expect(sent('DELETE', '/v2/droplets/3164444')).toHaveLength(1);
    });
  });

  describe('catalog', () => {
    it('lists images from every page, by slug where there is one', async () => {
      fixture.on(
        {
          method: 'GET',
          path: '/v2/images',
          when: (r) => r.query.get('page') === '1',
          file: 'digitalocean/images-page-1.json',
        },
        {
          method: 'GET',
          path: '/v2/images',
          when: (r) => r.query.get('page') === '2',
          file: 'digitalocean/images-page-2.json',
        },
      );
      const res = await api('GET', '/images');
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual([
        {
          id: 'ubuntu-20-04-x64',
          name: 'Ubuntu 20.04 (LTS) x64',
          extra: expect.objectContaining({ numericId: 63663980, public: true }),
        },
        {
          id: '7555620',
          name: 'Ubuntu web-golden-2024-02',
          extra: expect.objectContaining({ slug: null, public: false }),
        },
      ]);
      expect(sent('GET', '/v2/images').map((r) => r.query.get('page'))).toEqual(['1', '2']);
    });

    it('lists sizes with memory, disk, vCPUs and the hourly price', async () => {
      fixture.on({ method: 'GET', path: '/v2/sizes', file: 'digitalocean/sizes.json' });
      const res = await api('GET', '/sizes');
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual([
        {
          id: 's-1vcpu-1gb',
          name: 'Basic',
          ram: 1024,
          disk: 25,
          vcpus: 1,
          price: 0.00893,
          extra: expect.objectContaining({ priceMonthly: 6 }),
        },
        {
          id: 's-2vcpu-4gb',
          name: 'Basic',
          ram: 4096,
          disk: 80,
          vcpus: 2,
          price: 0.03571,
          extra: expect.objectContaining({ priceMonthly: 24 }),
        },
      ]);
      expect(sent('GET', '/v2/sizes')[0].query.get('per_page')).toBe('200');
    });

    it('lists regions as locations', async () => {
      fixture.on({ method: 'GET', path: '/v2/regions', file: 'digitalocean/regions.json' });
      const res = await api('GET', '/locations');
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual([
        { id: 'nyc3', name: 'New York 3', country: 'US', extra: expect.objectContaining({ available: true }) },
        { id: 'ams3', name: 'Amsterdam 3', country: 'NL', extra: expect.objectContaining({ available: true }) },
      ]);
    });
  });

  describe('key pairs', () => {
    it('lists SSH keys', async () => {
      fixture.on({ method: 'GET', path: '/v2/account/keys', file: 'digitalocean/keys.json' });
      const res = await api('GET', '/key-pairs');
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual([
        {
          name: 'deploy',
          fingerprint: expect.stringMatching(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/),
          publicKey: expect.stringMatching(/^ssh-ed25519 /),
        },
        { name: 'ops', fingerprint: expect.any(String), publicKey: expect.stringMatching(/ops@example$/) },
      ]);
    });

    it('imports a key with name and public_key', async () => {
      fixture.on(
        { method: 'GET', path: '/v2/account/keys', file: 'digitalocean/keys.json' },
        {
          method: 'POST',
          path: '/v2/account/keys',
          status: 201,
          file: 'digitalocean/key-created.json',
          expect: (req) => expect(req.json).toEqual({ name: 'laptop', public_key: createdKey.ssh_key.public_key }),
        },
      );
      const res = await api('POST', '/key-pairs', { name: 'laptop', publicKey: createdKey.ssh_key.public_key });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        name: 'laptop',
        fingerprint: createdKey.ssh_key.fingerprint,
        publicKey: createdKey.ssh_key.public_key,
      });
      expect(sent('POST', '/v2/account/keys')).toHaveLength(1);
    });

    it('refuses to import a second key under a taken name', async () => {
      fixture.on({ method: 'GET', path: '/v2/account/keys', file: 'digitalocean/keys.json' });
      expectProblem(
        await api('POST', '/key-pairs', { name: 'deploy', publicKey: createdKey.ssh_key.public_key }),
        409,
        /already exists/,
      );
      expect(sent('POST', '/v2/account/keys')).toHaveLength(0);
    });

    it('deletes a key by name: finds its id, then deletes that id', async () => {
      fixture.on(
        { method: 'GET', path: '/v2/account/keys', file: 'digitalocean/keys.json' },
        { method: 'DELETE', path: '/v2/account/keys/289795', status: 204 },
      );
      const res = await api('DELETE', '/key-pairs/ops');
      expect(res.status).toBe(204);
      expect(fixture.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        'GET /v2/account/keys',
        'DELETE /v2/account/keys/289795',
      ]);
    });

    it('answers 404 for deleting a key that does not exist, and deletes nothing', async () => {
      fixture.on({ method: 'GET', path: '/v2/account/keys', file: 'digitalocean/keys.json' });
      expectProblem(await api('DELETE', '/key-pairs/nobody'), 404, /no key pair named "nobody"/);
      expect(sent('DELETE', /\/v2\/account\/keys\//)).toHaveLength(0);
    });
  });

  describe('errors', () => {
    it('401: a 502 problem naming the cloud, "credentials rejected"', async () => {
      fixture.on({ method: 'GET', path: '/v2/droplets', status: 401, file: 'digitalocean/error-401.json' });
      const problem = expectProblem(await api('GET', '/nodes'), 502, /credentials rejected/);
      expect(problem.cloud).toBe('do');
      expect(problem.detail).toMatch(/^cloud "do": /);
    });

    it('404: not found', async () => {
      fixture.on({ method: 'GET', path: '/v2/droplets/999', status: 404, file: 'digitalocean/error-404.json' });
      expectProblem(await api('GET', '/nodes/999'), 404, /could not be found/);
    });

    it('422 about an image: 422 unknown reference; 422 about the request: 400', async () => {
      fixture.on({
        method: 'POST',
        path: '/v2/droplets',
        status: 422,
        file: 'digitalocean/error-422-image.json',
        times: 1,
      });
      const unknownImage = expectProblem(
        await api('POST', '/nodes', { name: 'web-4', image: 'no-such-image', size: 's-1vcpu-1gb' }),
        422,
        /invalid image/,
      );
      expect(unknownImage.errors).toEqual([{ field: 'image', message: expect.stringMatching(/invalid image/) }]);
      fixture.on({
        method: 'POST',
        path: '/v2/droplets',
        status: 422,
        file: 'digitalocean/error-422-name.json',
        times: 1,
      });
      expectProblem(
        await api('POST', '/nodes', { name: 'web 4', image: 'ubuntu-20-04-x64', size: 's-1vcpu-1gb' }),
        400,
        /Name is invalid/,
      );
    });

    it('429 with Retry-After: 503 passing Retry-After on', async () => {
      fixture.on({
        method: 'GET',
        path: '/v2/droplets',
        status: 429,
        headers: { 'retry-after': '7', 'ratelimit-remaining': '0' },
        file: 'digitalocean/error-429.json',
      });
      const res = await api('GET', '/nodes');
      expectProblem(res, 503, /rate limit/i);
      expect(res.headers.get('retry-after')).toBe('7');
    });

    it('429 with only RateLimit-Reset: Retry-After counts down to the reset time', async () => {
      const reset = Math.floor(Date.now() / 1000) + 42;
      fixture.on({
        method: 'GET',
        path: '/v2/sizes',
        status: 429,
        headers: { 'ratelimit-limit': '5000', 'ratelimit-remaining': '0', 'ratelimit-reset': String(reset) },
        file: 'digitalocean/error-429.json',
      });
      const res = await api('GET', '/sizes');
      expectProblem(res, 503);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(40);
      expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(43);
    });

    it('a burst 429 with most of the hourly budget left: 503 with a short Retry-After, not the hourly reset', async () => {
      const reset = Math.floor(Date.now() / 1000) + 3300;
      fixture.on({
        method: 'GET',
        path: '/v2/sizes',
        status: 429,
        headers: { 'ratelimit-limit': '5000', 'ratelimit-remaining': '4712', 'ratelimit-reset': String(reset) },
        file: 'digitalocean/error-429.json',
      });
      const res = await api('GET', '/sizes');
      expectProblem(res, 503);
      expect(res.headers.get('retry-after')).toBe('5');
    });

    it('500: 502 cloud unavailable', async () => {
      fixture.on({ method: 'GET', path: '/v2/regions', status: 500, file: 'digitalocean/error-500.json' });
      expectProblem(await api('GET', '/locations'), 502, /HTTP 500/);
    });

    it('a body that is not JSON: 502', async () => {
      fixture.on({
        method: 'GET',
        path: '/v2/droplets/3164444',
        body: '{"droplet": {"id": 31644',
        headers: { 'content-type': 'application/json' },
      });
      expectProblem(await api('GET', '/nodes/3164444'), 502, /could not be read/);
    });

    it('a cloud that hangs past timeoutMs: 504', async () => {
      fixture.on({ method: 'GET', path: '/v2/droplets', hang: true });
      const started = Date.now();
      expectProblem(await api('GET', '/nodes'), 504);
      expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 3500); // the hang is endless
    });
  });
});

describe('digitalocean configuration', () => {
  async function boot(cloud: Record<string, unknown>): Promise<unknown> {
    try {
      const app = await createApp({
        settings: { clouds: { default: { engine: 'dummy' }, do: { engine: 'digitalocean', ...cloud } } },
        logger: false,
      });
      await app.init();
      await app.close();
      return undefined;
    } catch (error) {
      return error;
    }
  }

  it('requires a token, and says where to put it', async () => {
    const error = await boot({});
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(
      /clouds\.do\.password: a DigitalOcean API token is required: set password or extraParams\.token/,
    );
  });

  it('takes the token from extraParams.token too, and checks the endpoint is a URL without echoing secrets', async () => {
    // A loopback endpoint: the boot-time health check must not reach for the real API.
    expect(await boot({ extraParams: { token: TOKEN, endpoint: 'http://127.0.0.1:9' } })).toBeUndefined();
    const error = await boot({ extraParams: { token: TOKEN, endpoint: 'ftp://example' } });
    expect((error as Error).message).toMatch(/clouds\.do\.extraParams\.endpoint: must be an http\(s\) URL/);
    expect((error as Error).message).not.toContain(TOKEN);
    const twice = await boot({ password: 'dop_v1_OTHER', extraParams: { token: TOKEN } });
    expect((twice as Error).message).toMatch(/clouds\.do\.extraParams\.token: give the API token once/);
    expect((twice as Error).message).not.toContain(TOKEN);
  });
});

/** A live droplet listing, paged the way DigitalOcean pages it (by number), read afresh at every request. */
function livePages(live: () => any[]): Exchange {
  return {
    method: 'GET',
    path: '/v2/droplets',
    body: (r: RecordedRequest) => {
      const droplets = live();
      const n = Number(r.query.get('page'));
      const per = Number(r.query.get('per_page'));
      const last = Math.ceil(droplets.length / per);
      const link = (p: number) => `https://api.digitalocean.com/v2/droplets?page=${p}&per_page=${per}`;
      return {
        droplets: droplets.slice((n - 1) * per, n * per),
        links: { pages: n < last ? { next: link(n + 1), last: link(last) } : {} },
        meta: { total: droplets.length },
      };
    },
  };
}
