import { mkdtempSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startService } from '../support/service-process';

function configFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'shutdown-')), 'config.yaml');
  writeFileSync(file, text);
  return file;
}

/** One GET on a keep-alive agent: status, Connection header, or the network error's code. */
function get(
  base: string,
  path: string,
  agent: Agent,
): Promise<{ status?: number; connection?: string; error?: string }> {
  const url = new URL(path, base);
  return new Promise((resolve) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, connection: String(res.headers.connection ?? '') }));
      res.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    req.end();
  });
}

/**
 * Shutdown under a keep-alive load (fault 10): clients keep sending across SIGTERM. One that honours
 * `Connection: close` and stops once readiness says 503 (as a load balancer does) must see no failed
 * request at all: no reset, no refused connection, no 503.
 */
describe('shutdown under load (the real process)', () => {
  it('a keep-alive load across SIGTERM: zero failed requests for a client that honours Connection: close and readiness', async () => {
    const file = configFile(
      'http:\n  shutdownDelayMs: 1500\nrateLimit:\n  enabled: false\n' +
        'clouds:\n  default:\n    engine: dummy\n    extraParams: {nodes: 2, latencyMs: 5}\n',
    );
    const service = await startService({ CONFIG_FILE: file });
    let stop = false;
    let signalled = false;
    const results: Array<{ status?: number; connection?: string; error?: string; afterSignal: boolean }> = [];
    const workers = Array.from({ length: 8 }, async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      while (!stop) {
        const afterSignal = signalled;
        results.push({ ...(await get(service.url, '/api/v1/clouds/default/sizes', agent)), afterSignal });
      }
      agent.destroy();
    });
    const readiness = (async () => {
      const agent = new Agent({ keepAlive: false });
      while (!stop) {
        await sleep(100);
        const ready = await get(service.url, '/health/ready', agent);
        if (signalled && ready.status !== 200) stop = true; // the load balancer takes this replica out
      }
    })();
    await sleep(700);
    signalled = true;
    service.child.kill('SIGTERM');
    await Promise.all([...workers, readiness]);
    const exitCode = await service.exited;

    const failed = results.filter((r) => r.error !== undefined || (r.status ?? 0) >= 500);
    const afterSignal = results.filter((r) => r.afterSignal);
    process.stdout.write(
      `shutdown: ${results.length} requests on 8 keep-alive clients, ${afterSignal.length} after SIGTERM, ` +
        `${failed.length} failed\n`,
    );
    expect(failed).toEqual([]);
    expect(afterSignal.length).toBeGreaterThan(0);
    // Every answer after the signal is a 200; once draining, they tell the client to reconnect.
    expect(afterSignal.every((r) => r.status === 200)).toBe(true);
    expect(afterSignal.filter((r) => r.connection === 'close').length).toBeGreaterThan(0);
    expect(exitCode).toBe(0);
  }, 30_000);
});
