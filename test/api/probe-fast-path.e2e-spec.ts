import { ReadinessService } from '../../src/health/readiness.service';
import { STATE_STORE } from '../../src/store/state-store';
import type { StateStore } from '../../src/store/state-store';
import { startApp, TestApp, waitFor } from '../support/app';

/**
 * Liveness probes answered before routing must be indistinguishable from the routed HealthController's
 * answers: status, headers and body. The routed path is the one counted in the HTTP metrics, which
 * shows which of the two answered.
 */
describe('probe fast path (/health/live, /health/ready)', () => {
  let t: TestApp;

  const probe = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${t.url}${path}`, { headers });
    return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.json() };
  };
  /** Routed answers so far for a route, from the Prometheus histogram. */
  const routed = async (route: string) => {
    const text = await (await fetch(`${t.url}/metrics`)).text();
    return text
      .split('\n')
      .filter((l) => l.startsWith('http_request_duration_seconds_count{') && l.includes(`route="${route}"`))
      .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
  };
  /** What may differ between two answers: the per-request id and date, and the uptime's second. */
  const comparable = (a: { status: number; headers: Record<string, string>; body: any }) => {
    const { 'x-request-id': _id, date: _date, ...headers } = a.headers;
    const body = JSON.parse(JSON.stringify(a.body).replace(/"uptimeSeconds":\d+/g, '"uptimeSeconds":0'));
    return { status: a.status, headers, body };
  };

  beforeAll(async () => {
    // Store checked every 100 ms, each bounded by 200 ms: a lost store shows within 300 ms.
    t = await startApp({
      clouds: { default: { engine: 'dummy' } },
      health: { storeCheckIntervalMs: 100, storeCheckTimeoutMs: 200 },
    });
  });
  afterAll(() => t.close());

  it.each(['/health/live', '/health/ready'])('%s: the fast answer equals the routed one', async (path) => {
    const first = await probe(path); // routed: the fast path learns its headers from it
    expect(first.status).toBe(200);
    const before = await routed(path);
    const fast = await Promise.all(Array.from({ length: 5 }, () => probe(path)));
    expect(await routed(path)).toBe(before); // none of these went through the router
    for (const answer of fast) expect(comparable(answer)).toEqual(comparable(first));
    expect(first.headers['content-security-policy']).toBeDefined();
    expect(first.headers['x-content-type-options']).toBe('nosniff');
    expect(fast[0].body.status).toBe('ok');
  });

  it('echoes a sane X-Request-Id and makes one up otherwise', async () => {
    await probe('/health/live');
    expect((await probe('/health/live', { 'X-Request-Id': 'probe-42' })).headers['x-request-id']).toBe('probe-42');
    expect((await probe('/health/live', { 'X-Request-Id': 'bad id' })).headers['x-request-id']).toMatch(
      /^[0-9a-f-]{36}$/,
    );
  });

  it('keeps Content-Length in step with the liveness body when the uptime gains a digit (9 s → 10 s)', async () => {
    const raw = async (path: string) => {
      const res = await fetch(`${t.url}${path}`);
      const text = await res.text();
      return { headers: Object.fromEntries(res.headers), text, bytes: Buffer.byteLength(text) };
    };
    await probe('/health/live');
    const uptime = jest.spyOn(process, 'uptime');
    try {
      for (const seconds of [9.2, 10.3, 9.4]) {
        uptime.mockReturnValue(seconds);
        const before = await routed('/health/live');
        const fast = await Promise.all(Array.from({ length: 3 }, () => raw('/health/live')));
        const viaRouter = await raw('/health/live?via=router'); // a query string is routed
        expect(await routed('/health/live')).toBe(before + 1);
        for (const answer of fast) {
          expect(JSON.parse(answer.text).info.process.uptimeSeconds).toBe(Math.round(seconds));
          expect(Number(answer.headers['content-length'])).toBe(answer.bytes);
          expect(answer.text).toBe(viaRouter.text);
          expect(answer.headers['content-length']).toBe(viaRouter.headers['content-length']);
        }
      }
    } finally {
      uptime.mockRestore();
    }
  });

  it("gives every answer its own request id: a caller's id never shows in another answer", async () => {
    await probe('/health/ready');
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        probe(i % 4 === 3 ? '/health/live' : '/health/ready', i % 2 ? {} : { 'X-Request-Id': `caller-${i}` }),
      ),
    );
    answers.forEach((answer, i) => {
      expect(answer.status).toBe(200);
      if (i % 2) expect(answer.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      else expect(answer.headers['x-request-id']).toBe(`caller-${i}`);
    });
    const made = answers.filter((_, i) => i % 2).map((a) => a.headers['x-request-id']);
    expect(new Set(made).size).toBe(made.length);
  });

  it('leaves anything else to the router: HEAD, query strings, CORS requests', async () => {
    const before = await routed('/health/live');
    expect((await fetch(`${t.url}/health/live`, { method: 'HEAD' })).status).toBe(200);
    expect((await probe('/health/live?verbose=1')).status).toBe(200);
    expect((await probe('/health/live', { Origin: 'https://example.com' })).status).toBe(200);
    expect(await routed('/health/live')).toBe(before + 3);
  });

  it('answers readiness without asking the store: the verdict comes from the background check', async () => {
    await probe('/health/ready');
    const store = t.app.get<StateStore>(STATE_STORE);
    const ping = jest.spyOn(store, 'ping');
    try {
      const answers = await Promise.all(Array.from({ length: 20 }, () => probe('/health/ready')));
      expect(answers.every((a) => a.status === 200)).toBe(true);
      // At most the background checks of the time it took (one per 100 ms), never one per probe.
      expect(ping.mock.calls.length).toBeLessThan(20);
    } finally {
      ping.mockRestore();
    }
  });

  it.each([
    ['fails', () => Promise.reject(new Error('SQLITE_IOERR: disk I/O error')), /^unreachable: SQLITE_IOERR/],
    ['hangs', () => new Promise<void>(() => undefined), /^unreachable: no answer within 200 ms/],
  ])(
    'turns 503 within interval + timeout once the store %s, and 200 again when it answers',
    async (_how, broken, error) => {
      await probe('/health/ready');
      const before = await routed('/health/ready');
      const store = t.app.get<StateStore>(STATE_STORE);
      const ping = jest.spyOn(store, 'ping').mockImplementation(broken);
      try {
        const lost = performance.now();
        const down = await waitFor(
          async () => {
            const answer = await probe('/health/ready');
            return answer.status === 503 && answer;
          },
          5_000,
          10,
        );
        // The documented bound (100 + 200 ms), with room for a loaded machine's timers.
        expect(performance.now() - lost).toBeLessThan(300 + 700);
        expect(down.body).toMatchObject({ status: 'error', error: { store: { status: 'down', dialect: 'sqlite' } } });
        expect(down.body.details.store.error).toMatch(error);
        expect(await routed('/health/ready')).toBeGreaterThan(before); // not-ready answers are routed
        expect((await probe('/health/live')).status).toBe(200);
      } finally {
        ping.mockRestore();
      }
      await waitFor(async () => (await probe('/health/ready')).status === 200, 5_000, 10);
    },
  );

  it('turns readiness 503 the moment shutdown begins (routed again, so keep-alive callers are told to go)', async () => {
    expect((await probe('/health/ready')).status).toBe(200);
    const before = await routed('/health/ready');
    t.app.get(ReadinessService).markStopping();
    const stopping = await probe('/health/ready');
    expect(stopping.status).toBe(503);
    expect(stopping.headers.connection).toBe('close');
    expect(stopping.body).toMatchObject({ status: 'error', error: { service: { status: 'down', state: 'stopping' } } });
    expect(await routed('/health/ready')).toBe(before + 1);
    expect((await probe('/health/live')).status).toBe(200);
  });
});
