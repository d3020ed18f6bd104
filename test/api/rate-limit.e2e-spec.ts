import { validateSettings } from '../../src/config/settings.loader';
import { call, startApp, TestApp } from '../support/app';
import { expectProblem } from '../support/problem';

const KEY_A = 'rate-key-a-0123456789abcdef';
const KEY_B = 'rate-key-b-0123456789abcdef';
const KEY_BIG = 'rate-key-big-0123456789abcd';
const KEY_DOCS = 'rate-key-docs-0123456789abc';

describe('caller rate limits', () => {
  let t: TestApp;
  const get = (path: string, key?: string) =>
    call(t.url, 'GET', path, undefined, key ? { authorization: `Bearer ${key}` } : {});

  beforeAll(async () => {
    t = await startApp({
      auth: {
        apiKeys: [
          { name: 'a', key: KEY_A, scopes: ['read'] },
          { name: 'b', key: KEY_B, scopes: ['read'] },
          { name: 'big', key: KEY_BIG, scopes: ['read'] },
          { name: 'docs', key: KEY_DOCS, scopes: ['read'] },
        ],
      },
      rateLimit: { max: 5, windowMs: 60_000, perKey: { big: 8 } },
      clouds: { default: { engine: 'dummy', extraParams: { nodes: 1 } } },
    });
  });
  afterAll(() => t.close());

  it('answers a burst beyond the limit of one key with 429 problems, Retry-After and RateLimit headers', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => get('/api/v1/clouds/default/nodes', KEY_A)));
    const ok = answers.filter((r) => r.status === 200);
    const refused = answers.filter((r) => r.status === 429);
    expect({ ok: ok.length, refused: refused.length }).toEqual({ ok: 5, refused: 15 });

    for (const r of ok) {
      expect(r.headers.get('ratelimit-limit')).toBe('5');
      expect(Number(r.headers.get('ratelimit-remaining'))).toBeGreaterThanOrEqual(0);
      expect(Number(r.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
    }
    const problem = expectProblem(refused[0], 429, /too many requests: at most 5 per 60 s/);
    expect(problem.type).toBe('urn:cloud-orchestrator:problem:too-many-requests');
    const retryAfter = Number(refused[0].headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused[0].headers.get('ratelimit-limit')).toBe('5');
    expect(refused[0].headers.get('ratelimit-remaining')).toBe('0');
    expect(refused[0].headers.get('ratelimit-reset')).toBe(String(retryAfter));
    expect(refused[0].headers.get('x-request-id')).toBeTruthy();
    // The current draft's structured fields, consistent with the others.
    expect(refused[0].headers.get('ratelimit-policy')).toBe('"caller";q=5;w=60');
    expect(refused[0].headers.get('ratelimit')).toBe(`"caller";r=0;t=${retryAfter}`);
    for (const r of ok)
      expect(r.headers.get('ratelimit')).toBe(
        `"caller";r=${r.headers.get('ratelimit-remaining')};t=${r.headers.get('ratelimit-reset')}`,
      );
  });

  it('counts each key apart, with per-key overrides', async () => {
    const b = await Promise.all(Array.from({ length: 7 }, () => get('/api/v1/clouds', KEY_B)));
    expect(b.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const big = await Promise.all(Array.from({ length: 10 }, () => get('/api/v1/clouds', KEY_BIG)));
    expect(big.filter((r) => r.status === 200)).toHaveLength(8);
    expect(big.find((r) => r.status === 200)!.headers.get('ratelimit-limit')).toBe('8');
  });

  it('documents the 429 with its headers on every API operation, and not on the probes', async () => {
    const spec = (await get('/docs-json', KEY_DOCS)).body;
    for (const [path, operations] of Object.entries<any>(spec.paths)) {
      for (const operation of Object.values<any>(operations)) {
        const limited = operation.responses['429'];
        if (path.startsWith('/health/')) expect(limited).toBeUndefined();
        else
          expect(Object.keys(limited.headers)).toEqual(
            expect.arrayContaining([
              'RateLimit',
              'RateLimit-Policy',
              'RateLimit-Limit',
              'RateLimit-Remaining',
              'RateLimit-Reset',
              'Retry-After',
            ]),
          );
      }
    }
  });

  it('refuses a per-key limit for a key that does not exist, naming it', () => {
    expect(() =>
      validateSettings({ rateLimit: { perKey: { ghost: 5 } }, clouds: { default: { engine: 'dummy' } } }),
    ).toThrow(/rateLimit\.perKey\.ghost.*names no key of auth\.apiKeys/);
  });

  it('never limits the probes', async () => {
    const probes = await Promise.all(Array.from({ length: 30 }, () => get('/health/live')));
    expect(probes.every((r) => r.status === 200)).toBe(true);
    expect(probes[0].headers.get('ratelimit-limit')).toBeNull();
    expect(probes[0].headers.get('ratelimit')).toBeNull();
  });
});

describe('caller rate limits when the service runs open', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({
      rateLimit: { max: 3, windowMs: 60_000 },
      clouds: { default: { engine: 'dummy', extraParams: { nodes: 1 } } },
    });
  });
  afterAll(() => t.close());

  it('limits per client IP', async () => {
    const answers = await Promise.all(Array.from({ length: 6 }, () => call(t.url, 'GET', '/api/v1/clouds')));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 200, 200, 429, 429, 429]);
    expectProblem(
      answers.find((r) => r.status === 429)!,
      429,
    );
  });
});

describe('caller rate limits switched off', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({
      rateLimit: { enabled: false, max: 1 },
      clouds: { default: { engine: 'dummy', extraParams: { nodes: 1 } } },
    });
  });
  afterAll(() => t.close());

  it('answers everything and sends no RateLimit headers', async () => {
    const answers = await Promise.all(Array.from({ length: 5 }, () => call(t.url, 'GET', '/api/v1/clouds')));
    expect(answers.every((r) => r.status === 200)).toBe(true);
    expect(answers[0].headers.get('ratelimit-limit')).toBeNull();
  });
});
