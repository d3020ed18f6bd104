import { createApp } from '../../src/app.factory';
import { ReadinessService } from '../../src/health/readiness.service';
import { call, startApp, TestApp } from '../support/app';

describe('health probes', () => {
  let t: TestApp;
  beforeAll(async () => {
    // The only cloud takes 5 s to answer anything: a probe that asked it would take that long.
    t = await startApp({
      clouds: { default: { engine: 'dummy', timeoutMs: 10_000, extraParams: { latencyMs: 5000 } } },
    });
  });
  afterAll(() => t.close());

  it('live and ready answer 200 in terminus JSON without calling any cloud', async () => {
    const started = performance.now();
    const live = await call(t.url, 'GET', '/health/live');
    const ready = await call(t.url, 'GET', '/health/ready');
    expect(performance.now() - started).toBeLessThan(2000);
    expect(live).toMatchObject({ status: 200, body: { status: 'ok', info: { process: { status: 'up' } } } });
    expect(ready).toMatchObject({
      status: 200,
      body: { status: 'ok', info: { service: { status: 'up', state: 'ready' } } },
    });
  });

  it('ready turns 503 when shutdown begins, live stays 200', async () => {
    t.app.get(ReadinessService).markStopping();
    const ready = await call(t.url, 'GET', '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'error', error: { service: { status: 'down', state: 'stopping' } } });
    expect((await call(t.url, 'GET', '/health/live')).status).toBe(200);
  });

  it('is not ready before the application has bootstrapped', async () => {
    const app = await createApp({ settings: { clouds: { default: { engine: 'dummy' } } }, logger: false });
    expect(app.get(ReadinessService).current).toBe('starting');
    await app.init();
    expect(app.get(ReadinessService).current).toBe('ready');
    await app.close();
  });
});
