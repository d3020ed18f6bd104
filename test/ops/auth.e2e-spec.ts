import { call, startApp, TestApp } from '../support/app';
import { expectProblem } from '../support/problem';

const READ_KEY = 'read-key-0123456789abcdef';
const ADMIN_KEY = 'admin-key-fedcba9876543210';

describe('API keys', () => {
  let t: TestApp;
  const get = (path: string, headers: Record<string, string> = {}) => call(t.url, 'GET', path, undefined, headers);
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

  beforeAll(async () => {
    t = await startApp({
      auth: {
        apiKeys: [
          { name: 'dashboard', key: READ_KEY, scopes: ['read'] },
          { name: 'deployer', key: ADMIN_KEY, scopes: ['read', 'write'] },
        ],
      },
      clouds: { default: { engine: 'dummy', extraParams: { nodes: 1 } } },
    });
  });
  afterAll(() => t.close());

  it('refuses a missing or wrong key with a 401 problem and WWW-Authenticate', async () => {
    const attempts: Array<Record<string, string>> = [
      {},
      bearer('nope-nope-nope-nope'),
      { authorization: `Basic ${READ_KEY}` },
      { 'x-api-key': 'x' },
    ];
    for (const headers of attempts) {
      const res = await get('/api/v1/clouds', headers);
      expectProblem(res, 401, /missing or invalid API key/);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="cloud-orchestrator"');
    }
  });

  it('lets a read key read, by Bearer or X-API-Key', async () => {
    expect((await get('/api/v1/clouds', bearer(READ_KEY))).status).toBe(200);
    expect((await get('/api/v1/clouds/default/nodes', { 'x-api-key': READ_KEY })).status).toBe(200);
  });

  it('refuses a change without the write scope with a 403, and changes nothing', async () => {
    const body = { name: 'x', image: 'img-debian-12', size: 'small' };
    const res = await call(t.url, 'POST', '/api/v1/clouds/default/nodes', body, bearer(READ_KEY));
    expectProblem(res, 403, /"dashboard" lacks the "write" scope/);
    expect((await get('/api/v1/clouds/default/nodes', bearer(READ_KEY))).body.items).toHaveLength(1);
    expect((await call(t.url, 'POST', '/api/v1/clouds/default/nodes', body, bearer(ADMIN_KEY))).status).toBe(202);
  });

  it('does not reveal which routes exist to callers without a key', async () => {
    expectProblem(await get('/api/v1/no-such-thing'), 401);
    expect((await get('/api/v1/no-such-thing', bearer(READ_KEY))).status).toBe(404);
  });

  it('keeps health probes open, and docs and metrics closed unless switched on', async () => {
    expect((await get('/health/live')).status).toBe(200);
    expect((await get('/health/ready')).status).toBe(200);
    expect((await get('/health/clouds')).status).toBe(200);
    expectProblem(await get('/docs-json'), 401);
    expectProblem(await get('/metrics'), 401);
    expect((await get('/metrics', bearer(READ_KEY))).status).toBe(200);
  });

  it('opens docs and metrics by config switch', async () => {
    const open = await startApp({
      auth: { apiKeys: [{ name: 'k', key: READ_KEY }], openDocs: true, openMetrics: true },
      clouds: { default: { engine: 'dummy' } },
    });
    try {
      expect((await call(open.url, 'GET', '/docs-json')).status).toBe(200);
      expect((await call(open.url, 'GET', '/docs')).status).toBe(200);
      expect((await call(open.url, 'GET', '/metrics')).status).toBe(200);
      expectProblem(await call(open.url, 'GET', '/api/v1/clouds'), 401);
    } finally {
      await open.close();
    }
  });

  it('never echoes a key back', async () => {
    const answers = await Promise.all([
      get('/api/v1/clouds', bearer(ADMIN_KEY)),
      get('/api/v1/clouds', bearer(`${ADMIN_KEY}x`)),
      call(t.url, 'POST', '/api/v1/clouds/default/key-pairs', { name: 'k', publicKey: ADMIN_KEY }, bearer(ADMIN_KEY)),
    ]);
    for (const res of answers) {
      expect(JSON.stringify(res.body) + JSON.stringify([...res.headers])).not.toContain(ADMIN_KEY);
    }
  });
});

describe('API key configuration', () => {
  it.each([
    [{ name: 'short', key: 'too-short' }, /auth\.apiKeys\.0\.key: must be at least 16 characters/],
    [{ name: 'both', key: 'x'.repeat(16), keyFile: '/etc/hostname' }, /give exactly one of key or keyFile/],
    [{ name: 'bad scope', key: 'x'.repeat(16), scopes: ['admin'] }, /auth\.apiKeys\.0\.(name|scopes)/],
    [{ name: 'nofile', keyFile: '/nonexistent/key' }, /auth\.apiKeys\.0\.keyFile: cannot read/],
  ])('refuses %p at boot without echoing the key', async (apiKey, message) => {
    await expect(startApp({ auth: { apiKeys: [apiKey] }, clouds: { default: { engine: 'dummy' } } })).rejects.toThrow(
      message,
    );
  });
});
