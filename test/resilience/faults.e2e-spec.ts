import { call, startApp, TestApp, waitFor } from '../support/app';
import { expectProblem } from '../support/problem';
import { FakeOpenstack, Fault, faultName, FAULTS } from './fake-openstack';

/**
 * The fault suite: a controllable Keystone + Nova on loopback (FakeOpenstack), faults switched on
 * while the service runs, and the answers, bounds and side effects asserted. Two clouds use the
 * fake: `lab` with a breaker that never opens (to see each fault's own answer) and `brk` with a
 * small one; `default` is the dummy cloud, which must not notice any of it.
 */
describe('fault suite (fake OpenStack on loopback)', () => {
  const TIMEOUT_MS = 600;
  /** Timeout plus a margin that a loaded 2-core machine cannot break; far below pkgcloud's unbounded wait. */
  const BOUND_MS = TIMEOUT_MS + 2_000;
  let fake: FakeOpenstack;
  let t: TestApp;
  const api = (method: string, path: string, body?: unknown) => call(t.url, method, `/api/v1${path}`, body);
  const timed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
    const started = performance.now();
    const result = await work();
    return [result, performance.now() - started];
  };

  beforeAll(async () => {
    fake = await FakeOpenstack.start();
    t = await startApp({
      health: { cloudCheckIntervalMs: 3_600_000 },
      rateLimit: { enabled: false }, // the suite drives faults, not callers' limits
      clouds: {
        default: { engine: 'dummy', default: true, extraParams: { nodes: 3, transitionMs: 20 } },
        lab: fake.cloudSettings(TIMEOUT_MS, {
          consecutiveFailures: 1000,
          readRetries: 1,
          retryDelayMs: 10,
          loginBackoffMs: 1,
        }),
        brk: fake.cloudSettings(TIMEOUT_MS, { consecutiveFailures: 3, halfOpenAfterMs: 1_500, readRetries: 0 }),
      },
    });
  });
  afterEach(() => fake.heal());
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  /** The answer each compute fault must give a read: status, problem type and, for 429, Retry-After. */
  const EXPECTED: Record<string, { status: number; type: RegExp; retryAfter?: string }> = {
    hang: { status: 504, type: /cloud-timeout/ },
    slow: { status: 504, type: /cloud-timeout/ },
    reset: { status: 502, type: /cloud-unavailable/ },
    '500': { status: 502, type: /cloud-unavailable/ },
    '503': { status: 502, type: /cloud-unavailable/ },
    garbage: { status: 502, type: /cloud-unavailable/ },
    truncated: { status: 502, type: /cloud-unavailable/ },
    '401': { status: 502, type: /cloud-credentials-rejected/ },
    '429': { status: 503, type: /cloud-rate-limited/, retryAfter: '7' },
  };

  it.each(FAULTS.map((f) => [faultName(f), f] as [string, Fault]))(
    'a read meeting a Nova that answers %s gets its problem naming the cloud, within the timeout',
    async (name, fault) => {
      expect((await api('GET', '/clouds/lab/sizes')).status).toBe(200); // logged in, healthy
      fake.compute = fault;
      const [answer, ms] = await timed(() => api('GET', '/clouds/lab/sizes'));
      const expected = EXPECTED[name];
      const problem = expectProblem(answer, expected.status);
      expect([problem.type, problem.cloud]).toEqual([expect.stringMatching(expected.type), 'lab']);
      if (expected.retryAfter) expect(answer.headers.get('retry-after')).toBe(expected.retryAfter);
      expect(ms).toBeLessThan(BOUND_MS);
    },
  );

  it('a write sent to a hung Nova is answered "outcome unknown" (504, its own documented type), not a plain timeout', async () => {
    expect((await api('GET', '/clouds/lab/sizes')).status).toBe(200);
    fake.compute = { kind: 'hang' };
    const [answer, ms] = await timed(() =>
      api('POST', '/clouds/lab/nodes', { name: 'w-1', image: 'img-1', size: '1' }),
    );
    const problem = expectProblem(answer, 504, /may or may not have taken effect/);
    expect(problem.type).toBe('urn:cloud-orchestrator:problem:cloud-outcome-unknown');
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it('opens the circuit after consecutive faults: fails fast with 503 + Retry-After without calling the cloud, shows it, and closes after a good trial', async () => {
    expect((await api('GET', '/clouds/brk/sizes')).status).toBe(200);
    fake.compute = { kind: 'hang' };
    for (let i = 0; i < 3; i++) expectProblem(await api('GET', '/clouds/brk/sizes'), 504);
    const sent = fake.received.length;
    const [open, ms] = await timed(() => api('GET', '/clouds/brk/sizes'));
    const problem = expectProblem(open, 503, /failed 3 times in a row/);
    expect(problem.type).toBe('urn:cloud-orchestrator:problem:cloud-circuit-open');
    expect(Number(open.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(fake.received.length).toBe(sent); // not attempted at all
    expect(ms).toBeLessThan(TIMEOUT_MS); // fast, not the full timeout

    const health = await call(t.url, 'GET', '/health/clouds');
    const circuits = Object.fromEntries(health.body.clouds.map((c: any) => [c.cloud, c.circuit]));
    expect(circuits).toEqual({ default: 'closed', lab: 'closed', brk: 'open' });
    const metrics = (await call(t.url, 'GET', '/metrics')).body as string;
    expect(metrics).toContain('cloud_circuit_state{cloud="brk",state="open"} 1');
    expect(metrics).toContain('cloud_circuit_state{cloud="lab",state="closed"} 1');

    fake.heal();
    const recovered = await waitFor(
      async () => {
        const answer = await api('GET', '/clouds/brk/sizes');
        return answer.status === 200 ? answer : undefined;
      },
      10_000,
      200,
    );
    expect(recovered.body.items ?? recovered.body).toBeTruthy();
    expect((await call(t.url, 'GET', '/health/clouds')).body.clouds.find((c: any) => c.cloud === 'brk').circuit).toBe(
      'closed',
    );
  });

  it('a hung cloud does not slow a healthy one: the dummy cloud answers while the hung calls are still waiting', async () => {
    expect((await api('GET', '/clouds/lab/sizes')).status).toBe(200);
    fake.compute = { kind: 'hang' };
    let hungSettled = 0;
    const hung = Array.from({ length: 50 }, () => api('GET', '/clouds/lab/sizes').finally(() => hungSettled++));
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const [answer, ms] = await timed(() => api('GET', '/clouds/default/sizes'));
      expect(answer.status).toBe(200);
      latencies.push(ms);
    }
    expect(hungSettled).toBe(0);
    const statuses = (await Promise.all(hung)).map((a) => a.status);
    expect(new Set(statuses)).toEqual(new Set([504]));
    process.stdout.write(
      `healthy cloud during 50 hung calls: max ${Math.max(...latencies).toFixed(1)} ms over 20 requests\n`,
    );
  });
});
