/**
 * A node set on two replicas sharing one PostgreSQL (run through run-postgres.sh) and one cloud (the
 * same dummy driver instance, as two pods share a cloud account): replica A accepts the set and stops
 * driving it mid-create (its runner halts without handing anything over, as a replica that died or
 * froze); replica B claims it once A's lease runs out (FOR UPDATE SKIP LOCKED) and finishes it, then
 * deletes it. The cloud holds each member exactly once, then none.
 */
import { randomUUID } from 'node:crypto';
import { CloudRegistry } from '../../src/cloud/cloud-registry';
import { NodeSetRunner } from '../../src/node-sets/node-set-runner';
import { call, startApp, TestApp, waitFor } from '../support/app';

const url = process.env.TEST_STATE_URL;
if (!url) throw new Error('run through test/exactly-once/run-postgres.sh (TEST_STATE_URL is not set)');
jest.setTimeout(60_000);

const replica = () =>
  startApp({
    state: { url },
    rateLimit: { enabled: false },
    nodeSets: { pollIntervalMs: 100, leaseMs: 1_500 },
    clouds: {
      default: { engine: 'dummy', maxConcurrentCreates: 2, extraParams: { transitionMs: 300, latencyMs: 100 } },
    },
  });

describe('node sets on two replicas sharing PostgreSQL', () => {
  const run = randomUUID().slice(0, 8);
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    a = await replica();
    b = await replica();
    const cloud = a.app.get(CloudRegistry).get('default')!;
    Object.defineProperty(b.app.get(CloudRegistry).get('default')!, 'driver', { value: cloud.driver });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('replica A stops mid-create; replica B takes the set over after the lease and finishes it; no node twice', async () => {
    const created = await call(a.url, 'POST', '/api/v1/node-sets', {
      name: `replicas-${run}`,
      nodes: [{ cloud: 'default', name: `ns-${run}`, image: 'img-debian-12', size: 'small', count: 6 }],
    });
    expect(created.status).toBe(202);
    // Let A send some creates (2 at a time, 100 ms each), then halt its runner mid-set.
    await waitFor(async () => {
      const set = (await call(b.url, 'GET', `/api/v1/node-sets/${created.body.id}`)).body;
      return set.members.some((m: any) => m.nodeId);
    });
    await a.app.get(NodeSetRunner).onApplicationShutdown();
    const halted = (await call(b.url, 'GET', `/api/v1/node-sets/${created.body.id}`)).body;
    expect(halted.state).toBe('creating');
    expect(halted.members.filter((m: any) => m.step === 'running').length).toBeLessThan(6);

    const done = await waitFor(
      async () => {
        const op = await call(b.url, 'GET', `${created.headers.get('operation-location')}?wait=10`);
        return op.body.done ? op.body : undefined;
      },
      30_000,
      0,
    );
    expect(done.state).toBe('succeeded');
    const set = (await call(b.url, 'GET', `/api/v1/node-sets/${created.body.id}`)).body;
    expect(set.state).toBe('ready');
    const nodes = (await call(b.url, 'GET', `/api/v1/clouds/default/nodes?name=ns-${run}*`)).body.items;
    expect(nodes.map((n: any) => n.name).sort()).toEqual(set.members.map((m: any) => m.name).sort());
    expect(nodes.map((n: any) => n.id).sort()).toEqual(set.members.map((m: any) => m.nodeId).sort());

    const del = await call(b.url, 'DELETE', `/api/v1/node-sets/${set.id}`);
    const deleted = await call(b.url, 'GET', `${del.headers.get('operation-location')}?wait=20`);
    expect(deleted.body.state).toBe('succeeded');
    expect((await call(b.url, 'GET', `/api/v1/clouds/default/nodes?name=ns-${run}*`)).body.items).toEqual([]);
  });
});
