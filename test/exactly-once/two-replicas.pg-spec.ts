/**
 * Two replicas of the service on one PostgreSQL (run through run-postgres.sh): each is a full app
 * with its own pool, watcher and replica id; both talk to ONE cloud (the same dummy driver instance,
 * as two pods talk to the same cloud account). Also: readiness while PostgreSQL is down.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { CloudRegistry } from '../../src/cloud/cloud-registry';
import { OperationWatcher } from '../../src/operations/operation-watcher';
import { call, startApp, TestApp, waitFor } from '../support/app';

const url = process.env.TEST_STATE_URL;
if (!url) throw new Error('run through test/exactly-once/run-postgres.sh (TEST_STATE_URL is not set)');

const replica = (operations: Record<string, number>, transitionMs = 200) =>
  startApp({
    state: { url },
    rateLimit: { enabled: false },
    operations,
    clouds: { default: { engine: 'dummy', extraParams: { transitionMs, latencyMs: 100 } } },
  });

/** Points replica b at replica a's cloud, so both act on one set of nodes. */
function shareCloud(a: TestApp, b: TestApp): void {
  const cloud = a.app.get(CloudRegistry).get('default')!;
  Object.defineProperty(b.app.get(CloudRegistry).get('default')!, 'driver', { value: cloud.driver });
}

describe('two replicas on one PostgreSQL', () => {
  const run = randomUUID().slice(0, 8);

  it('the same idempotent create sent to both replicas at once creates one node', async () => {
    const a = await replica({ pollIntervalMs: 200 });
    const b = await replica({ pollIntervalMs: 200 });
    try {
      shareCloud(a, b);
      const key = `"${randomUUID()}"`;
      const body = { name: `replicas-${run}-one`, image: 'img-debian-12', size: 'small' };
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          call(i % 2 ? a.url : b.url, 'POST', '/api/v1/clouds/default/nodes', body, { 'idempotency-key': key }),
        ),
      );
      expect(answers.map((x) => x.status).filter((s) => s !== 202 && s !== 409)).toEqual([]);
      const ids = new Set(answers.filter((x) => x.status === 202).map((x) => x.body.id));
      expect(ids.size).toBe(1);
      const nodes = (await call(a.url, 'GET', '/api/v1/clouds/default/nodes')).body.items.filter(
        (n: any) => n.name === body.name,
      );
      expect(nodes).toHaveLength(1);
      // Both replicas replay it now.
      for (const base of [a.url, b.url]) {
        const again = await call(base, 'POST', '/api/v1/clouds/default/nodes', body, { 'idempotency-key': key });
        expect(again.headers.get('idempotent-replayed')).toBe('true');
        expect(again.body.id).toBe(nodes[0].id);
      }
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('an operation whose replica stops watching is finished by the other once the lease runs out', async () => {
    // Replica a only polls when told; its lease is short.
    const a = await replica({ pollIntervalMs: 600_000, leaseMs: 1_000 }, 1_500);
    let b: TestApp | undefined;
    try {
      const created = await call(a.url, 'POST', '/api/v1/clouds/default/nodes', {
        name: `replicas-${run}-handover`,
        image: 'img-debian-12',
        size: 'small',
      });
      const location = created.headers.get('operation-location')!;
      await a.app.get(OperationWatcher).tick(); // a claims the operation (the node is still pending)
      expect((await call(a.url, 'GET', location)).body).toMatchObject({ state: 'running', nodeState: 'pending' });
      await a.app.get(OperationWatcher).onApplicationShutdown(); // a stops watching, as if its process died

      b = await replica({ pollIntervalMs: 100, leaseMs: 1_000 });
      shareCloud(a, b);
      const done = await call(b.url, 'GET', `${location}?wait=30`);
      expect(done.body).toMatchObject({
        state: 'succeeded',
        done: true,
        nodeState: 'running',
        target: created.body.id,
      });
    } finally {
      await b?.close();
      await a.close();
    }
  });

  it('readiness fails while PostgreSQL is unreachable and recovers when it is back', async () => {
    const t = await replica({ pollIntervalMs: 200 });
    const pgCtl = (...args: string[]) => {
      const asPg = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
      const [cmd, ...rest] = [...asPg, process.env.TEST_PG_CTL!, '-D', process.env.TEST_PG_DATA!, ...args];
      const result = spawnSync(cmd, rest, { encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`pg_ctl ${args[0]} failed: ${result.stderr}`);
    };
    try {
      expect((await call(t.url, 'GET', '/health/ready')).status).toBe(200);
      pgCtl('-m', 'fast', '-w', 'stop');
      // Readiness answers from the background store check: 503 within storeCheckIntervalMs +
      // storeCheckTimeoutMs (1 s + 2 s by default), with room for a loaded machine.
      const lost = performance.now();
      const down = await waitFor(
        async () => {
          const answer = await call(t.url, 'GET', '/health/ready');
          return answer.status === 503 && answer;
        },
        10_000,
        50,
      );
      expect(performance.now() - lost).toBeLessThan(3_000 + 1_000);
      expect(down.body.details.store).toMatchObject({ status: 'down', dialect: 'postgres' });
      expect(down.body.details.store.error).toMatch(/^unreachable/);
      // Liveness and the clouds are not the store's business.
      expect((await call(t.url, 'GET', '/health/live')).status).toBe(200);
      // A write with a key cannot be recorded: 503, and nothing is created.
      const refused = await call(
        t.url,
        'POST',
        '/api/v1/clouds/default/nodes',
        { name: `replicas-${run}-down`, image: 'img-debian-12', size: 'small' },
        { 'idempotency-key': `"${randomUUID()}"` },
      );
      expect(refused.status).toBe(503);
      pgCtl(
        '-w',
        '-l',
        process.env.TEST_PG_LOG!,
        '-o',
        `-c listen_addresses='' -c unix_socket_directories='${process.env.TEST_PG_SOCKET_DIR}'`,
        'start',
      );
      await waitFor(async () => (await call(t.url, 'GET', '/health/ready')).status === 200, 20_000, 200);
      const nodes = (await call(t.url, 'GET', '/api/v1/clouds/default/nodes')).body.items;
      expect(nodes.filter((n: any) => n.name === `replicas-${run}-down`)).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
