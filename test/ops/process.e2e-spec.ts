import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import { call } from '../support/app';
import { startService } from '../support/service-process';

function configFile(yaml: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'co-proc-')), 'config.yaml');
  writeFileSync(file, yaml);
  return file;
}

/** The production build as a real process: start-up rules, graceful shutdown. */
describe('the service process', () => {
  it('starts on the shipped config and says where it listens and which clouds it loaded', async () => {
    const service = await startService({});
    try {
      expect(service.output()).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+ .*Swagger UI/);
      expect(service.output()).toMatch(/cloud default: dummy \(default\)/);
      expect((await call(service.url, 'GET', '/api/v1/clouds/default/nodes')).body.items).toHaveLength(3);
    } finally {
      expect(await service.stop()).toBe(0);
    }
  }, 20_000);

  it('refuses to listen beyond loopback without API keys, naming the fix', async () => {
    const service = await startService({ HOST: '0.0.0.0' }, { waitForListen: false });
    expect(await service.exited).toBe(1);
    expect(service.output()).toMatch(
      /refusing to listen on 0\.0\.0\.0 with no API keys: configure auth\.apiKeys, or set auth\.disabled: true/,
    );
    expect(service.output()).not.toMatch(/\n\s+at /);
  }, 20_000);

  it('stops at boot on a configuration mistake, naming the cloud and field, without a stack trace', async () => {
    const file = configFile('clouds:\n  lab:\n    engine: nebula\n    password: hunter2-SECRET\n');
    const service = await startService({ CONFIG_FILE: file }, { waitForListen: false });
    expect(await service.exited).toBe(1);
    expect(service.output()).toMatch(/clouds\.lab\.engine: unknown engine "nebula"; engines: .*dummy/);
    expect(service.output()).not.toMatch(/hunter2-SECRET|\n\s+at /);
  }, 20_000);

  it('on SIGTERM turns unready at once, finishes in-flight requests, then exits 0', async () => {
    // Each call to this cloud takes 400 ms, so requests are in flight when the signal lands.
    const file = configFile(
      'http:\n  shutdownDelayMs: 300\nclouds:\n  default:\n    engine: dummy\n    extraParams: {nodes: 2, latencyMs: 400}\n',
    );
    const service = await startService({ CONFIG_FILE: file });
    expect((await call(service.url, 'GET', '/health/ready')).status).toBe(200);

    const inFlight = Array.from({ length: 10 }, () => call(service.url, 'GET', '/api/v1/clouds/default/nodes'));
    await new Promise((r) => setTimeout(r, 100));
    service.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 50));
    const ready = await call(service.url, 'GET', '/health/ready');

    const results = await Promise.all(inFlight);
    expect(ready.status).toBe(503);
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(results.every((r) => r.body.items.length === 2)).toBe(true);
    expect(await service.exited).toBe(0);
    expect(service.output()).toMatch(/SIGTERM: draining/);
  }, 20_000);

  it('logs a client that hangs up mid-request at info or warn with its request id, never error, never a stack', async () => {
    const file = configFile('clouds:\n  default:\n    engine: dummy\n    extraParams: {nodes: 2, latencyMs: 400}\n');
    const service = await startService({ CONFIG_FILE: file });
    const url = new URL(service.url);
    const hangUp = (path: string, method: string, id: string, body?: string) =>
      new Promise<void>((resolve) => {
        const headers: Record<string, string> = { 'x-request-id': id };
        if (body !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': '200' });
        const req = request({ host: url.hostname, port: url.port, path, method, headers });
        req.on('error', () => resolve());
        req.on('close', () => resolve());
        if (body !== undefined) req.write(body);
        else req.end();
        setTimeout(() => req.destroy(), 150);
      });
    try {
      // Mid-body (the body parser's "aborted") and mid-call (the cloud takes 400 ms).
      await hangUp('/api/v1/clouds/default/nodes', 'POST', 'abort-mid-body', '{"name":');
      await hangUp('/api/v1/clouds/default/nodes', 'GET', 'abort-mid-call');
      await new Promise((r) => setTimeout(r, 800));
      const lines = service
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l));
      for (const id of ['abort-mid-body', 'abort-mid-call']) {
        const mine = lines.filter((l) => l.requestId === id);
        expect({ id, levels: mine.map((l) => l.level).filter((level) => level >= 50) }).toEqual({ id, levels: [] });
        expect(JSON.stringify(mine)).not.toMatch(/\\n\s+at /);
      }
      // The cloud call it started is abandoned, and says so, instead of posing as the cloud's timeout.
      expect(lines.filter((l) => l.requestId === 'abort-mid-call' && l.context === 'CloudCall')).toEqual([
        expect.objectContaining({
          level: 30,
          outcome: 'cancelled',
          msg: expect.stringMatching(/list nodes cancelled/),
        }),
      ]);
      expect(lines.filter((l) => l.requestId === 'abort-mid-body').map((l) => [l.level, l.msg])).toContainEqual([
        30,
        expect.stringMatching(/client closed the connection/),
      ]);
    } finally {
      expect(await service.stop()).toBe(0);
    }
  }, 20_000);
});
