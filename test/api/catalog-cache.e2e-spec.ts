import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { call, startApp, TestApp, waitFor } from '../support/app';
import { FIXTURES_DIR, FixtureServer } from '../support/fixture-server';

/**
 * The catalogue cache seen from outside: calls counted at a cloud that answers like DigitalOcean
 * (recorded answers over loopback), and the HTTP caching headers callers revalidate with.
 */
const TOKEN = 'dop_v1_CACHE0123456789abcdef0123456789abcdef';
const fixture = (file: string) => JSON.parse(readFileSync(join(FIXTURES_DIR, 'digitalocean', file), 'utf8'));
const keys = fixture('keys.json');
const created = fixture('key-created.json');

describe('catalogue cache (images, sizes, locations, key pairs)', () => {
  let cloud: FixtureServer;
  let t: TestApp;
  const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    call(t.url, method, `/api/v1/clouds${path}`, body, headers);
  const upstream = (method: string, path: string | RegExp) => cloud.received(method, path).length;

  beforeAll(async () => {
    cloud = await FixtureServer.start();
    cloud.on({ method: 'GET', path: '/v2/account', file: 'digitalocean/account.json' });
    const digitalocean = (catalogTtlMs?: number) => ({
      engine: 'digitalocean',
      password: TOKEN,
      ...(catalogTtlMs === undefined ? {} : { catalogTtlMs }),
      extraParams: { endpoint: cloud.url },
    });
    t = await startApp({
      health: { cloudCheckIntervalMs: 3_600_000 },
      rateLimit: { enabled: false }, // 100 reads at once from one caller
      clouds: { default: { engine: 'dummy' }, do: digitalocean(), uncached: digitalocean(0) },
    });
    await waitFor(async () => cloud.received('GET', '/v2/account').length >= 2); // the boot health checks
  });
  afterAll(async () => {
    await t?.close();
    await cloud?.close();
  });
  beforeEach(() => cloud.reset());
  afterEach(() => cloud.assertClean());

  it('100 concurrent identical reads of a list not yet cached make one call to the cloud', async () => {
    cloud.on({ method: 'GET', path: '/v2/sizes', file: 'digitalocean/sizes.json', delayMs: 200 });
    const answers = await Promise.all(Array.from({ length: 100 }, () => api('GET', '/do/sizes')));
    expect(answers.map((a) => a.status)).toEqual(Array(100).fill(200));
    expect(upstream('GET', '/v2/sizes')).toBe(1);
    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    expect(new Set(answers.map((a) => a.headers.get('etag'))).size).toBe(1);
    expect(answers[0].body.items.length).toBeGreaterThan(1);

    // Served from memory afterwards.
    expect((await api('GET', '/do/sizes')).body).toEqual(answers[0].body);
    expect(upstream('GET', '/v2/sizes')).toBe(1);
  });

  it('a caller who leaves does not cancel the read the others are waiting on', async () => {
    // The first caller starts the shared load, then its client goes away: the joined callers must
    // still get the answer (the load runs for no caller in particular, under its own deadline).
    cloud.on({ method: 'GET', path: '/v2/sizes', file: 'digitalocean/sizes.json', delayMs: 400 });
    const leaving = new AbortController();
    const first = fetch(`${t.url}/api/v1/clouds/uncached/sizes`, { signal: leaving.signal }).catch((e: Error) => e);
    await waitFor(async () => upstream('GET', '/v2/sizes') >= 1);
    const others = Promise.all(Array.from({ length: 5 }, () => api('GET', '/uncached/sizes')));
    await new Promise((r) => setTimeout(r, 100)); // the others have joined the load in flight
    leaving.abort();
    expect(await first).toHaveProperty('name', 'AbortError');
    const answers = await others;
    expect(answers.map((a) => a.status)).toEqual(Array(5).fill(200));
    expect(answers[0].body.items.length).toBeGreaterThan(1);
    expect(upstream('GET', '/v2/sizes')).toBe(1);
  });

  it('coalesces concurrent reads even with caching off (catalogTtlMs: 0), and asks again afterwards', async () => {
    cloud.on({ method: 'GET', path: '/v2/sizes', file: 'digitalocean/sizes.json', delayMs: 200 });
    const answers = await Promise.all(Array.from({ length: 20 }, () => api('GET', '/uncached/sizes')));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(upstream('GET', '/v2/sizes')).toBe(1);
    const again = await api('GET', '/uncached/sizes');
    expect(again.headers.get('cache-control')).toBe('private, no-cache');
    expect(upstream('GET', '/v2/sizes')).toBe(2);
  });

  it('sends ETag and Cache-Control, and 304 without a body while the ETag still matches', async () => {
    cloud.on({ method: 'GET', path: /^\/v2\/images/, file: 'digitalocean/images-page-1.json' });
    cloud.on({
      method: 'GET',
      path: /^\/v2\/images/,
      when: (req) => req.query.get('page') === '2',
      file: 'digitalocean/images-page-2.json',
    });
    const first = await api('GET', '/do/images');
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^W\/"[A-Za-z0-9_-]+"$/);
    const maxAge = Number(/^private, max-age=(\d+)$/.exec(first.headers.get('cache-control')!)?.[1]);
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(60);

    const notModified = await api('GET', '/do/images', undefined, { 'If-None-Match': etag });
    expect(notModified.status).toBe(304);
    expect(notModified.body).toBeUndefined();
    expect(notModified.headers.get('etag')).toBe(etag);
    // A list of tags and the strong form match too (weak comparison); another tag does not.
    const strong = etag.replace(/^W\//, '');
    expect((await api('GET', '/do/images', undefined, { 'If-None-Match': `"other", ${strong}` })).status).toBe(304);
    const changed = await api('GET', '/do/images', undefined, { 'If-None-Match': '"other"' });
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual(first.body);
  });

  it("the service's own key pair writes invalidate the cached list at once", async () => {
    cloud.on({ method: 'GET', path: '/v2/account/keys', body: keys });
    const before = await api('GET', '/do/key-pairs');
    expect(before.body.items.map((k: { name: string }) => k.name)).toEqual(['deploy', 'ops']);
    await api('GET', '/do/key-pairs');
    expect(upstream('GET', '/v2/account/keys')).toBe(1);

    // Import (the driver checks the name is free first); the cloud then lists the new key too.
    cloud.on({ method: 'POST', path: '/v2/account/keys', status: 201, body: created });
    const imported = await api('POST', '/do/key-pairs', {
      name: created.ssh_key.name,
      publicKey: created.ssh_key.public_key,
    });
    expect(imported.status).toBe(201);
    cloud.on({
      method: 'GET',
      path: '/v2/account/keys',
      body: { ...keys, ssh_keys: [...keys.ssh_keys, created.ssh_key] },
    });
    const gets = upstream('GET', '/v2/account/keys');
    const after = await api('GET', '/do/key-pairs', undefined, { 'If-None-Match': before.headers.get('etag')! });
    expect(after.status).toBe(200);
    expect(after.body.items.map((k: { name: string }) => k.name)).toEqual(['deploy', 'ops', created.ssh_key.name]);
    expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'));
    expect(upstream('GET', '/v2/account/keys')).toBe(gets + 1);

    // Delete (the driver looks the id up first): gone from the next read.
    cloud.on({ method: 'DELETE', path: `/v2/account/keys/${created.ssh_key.id}`, status: 204 });
    expect((await api('DELETE', `/do/key-pairs/${created.ssh_key.name}`)).status).toBe(204);
    cloud.on({ method: 'GET', path: '/v2/account/keys', body: keys });
    const final = await api('GET', '/do/key-pairs');
    expect(final.body.items.map((k: { name: string }) => k.name)).toEqual(['deploy', 'ops']);
  });

  it('never caches a failure: the next read asks the cloud again', async () => {
    cloud.on({ method: 'GET', path: '/v2/regions', status: 500, file: 'digitalocean/error-500.json' });
    expect((await api('GET', '/do/locations')).status).toBe(502);
    const failedCalls = upstream('GET', '/v2/regions'); // 1, or more where reads are retried
    cloud.on({ method: 'GET', path: '/v2/regions', file: 'digitalocean/regions.json' });
    const ok = await api('GET', '/do/locations');
    expect(ok.status).toBe(200);
    expect(upstream('GET', '/v2/regions')).toBe(failedCalls + 1);
  });
});
