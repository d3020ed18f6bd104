import { call, startApp, TestApp, waitFor } from '../support/app';
import { expectProblem } from '../support/problem';

describe('request ids, metrics, cloud health, headers and limits', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({
      http: { bodyLimitBytes: 4096 },
      health: { cloudCheckIntervalMs: 1000, cloudCheckTimeoutMs: 100 },
      clouds: {
        default: { engine: 'dummy', extraParams: { nodes: 2 } },
        // Too slow for its health check: it must show as down without touching readiness.
        sluggish: { engine: 'dummy', extraParams: { latencyMs: 1000 } },
      },
    });
  });
  afterAll(() => t.close());

  it('echoes a sane X-Request-Id, replaces an insane one, and puts it in problem bodies', async () => {
    const given = await call(t.url, 'GET', '/api/v1/clouds', undefined, { 'x-request-id': 'trace-123' });
    expect(given.headers.get('x-request-id')).toBe('trace-123');
    const generated = await call(t.url, 'GET', '/api/v1/clouds', undefined, { 'x-request-id': 'bad id\twith tab' });
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const problem = await call(t.url, 'GET', '/api/v1/clouds/nope', undefined, { 'x-request-id': 'trace-404' });
    expect(expectProblem(problem, 404).requestId).toBe('trace-404');
  });

  it('exposes Prometheus metrics for HTTP routes, cloud calls and the process', async () => {
    await call(t.url, 'GET', '/api/v1/clouds/default/nodes');
    await call(t.url, 'GET', '/api/v1/clouds/default/nodes/node-999999');
    const res = await call(t.url, 'GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text: string = res.body;
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/clouds\/:cloud\/nodes",status="200"\} [1-9]/,
    );
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/clouds\/:cloud\/nodes\/:nodeId",status="404"\} 1/,
    );
    expect(text).toMatch(
      /cloud_call_duration_seconds_count\{cloud="default",operation="list nodes",outcome="ok"\} [1-9]/,
    );
    expect(text).toMatch(/cloud_calls_total\{cloud="default",operation="get node",outcome="not_found"\} 1/);
    expect(text).toMatch(/process_resident_memory_bytes \d+/);
  });

  it('reports each cloud up or down from background checks, without making the service unready', async () => {
    const report = await waitFor(async () => {
      const res = await call(t.url, 'GET', '/health/clouds');
      return res.body.clouds.every((c: any) => c.status !== 'unknown') && res;
    });
    expect(report.status).toBe(200);
    expect(report.body.status).toBe('degraded');
    const byName = Object.fromEntries(report.body.clouds.map((c: any) => [c.cloud, c]));
    expect(byName.default).toMatchObject({
      status: 'up',
      engine: 'dummy',
      latencyMs: expect.any(Number),
      checkedAt: expect.any(String),
    });
    expect(byName.sluggish).toMatchObject({
      status: 'down',
      error: { kind: 'timeout', detail: expect.stringMatching(/within 100 ms/) },
    });
    expect((await call(t.url, 'GET', '/health/ready')).status).toBe(200);
    expect((await call(t.url, 'GET', '/metrics')).body).toMatch(/cloud_up\{cloud="sluggish"\} 0/);
  });

  it('sends security headers and no CORS headers by default', async () => {
    const res = await call(t.url, 'GET', '/api/v1/clouds', undefined, { origin: 'https://evil.example' });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses bodies over the configured limit with a 413 problem', async () => {
    const res = await call(t.url, 'POST', '/api/v1/clouds/default/nodes', {
      name: 'x',
      image: 'img-debian-12',
      size: 'small',
      userData: 'x'.repeat(5000),
    });
    expectProblem(res, 413);
  });

  it('allows configured CORS origins only', async () => {
    const cors = await startApp({
      http: { corsOrigins: ['https://console.example'] },
      clouds: { default: { engine: 'dummy' } },
    });
    try {
      const allowed = await call(cors.url, 'GET', '/api/v1/clouds', undefined, { origin: 'https://console.example' });
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://console.example');
      const other = await call(cors.url, 'GET', '/api/v1/clouds', undefined, { origin: 'https://evil.example' });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await cors.close();
    }
  });
});
