/**
 * An operation never contradicts what the service itself answered: a read (getNode, listNodes,
 * listAllNodes) or a write's answer that shows a node in the state its operation waits for completes
 * that operation, without waiting for the watcher's next listing, and a DELETE through the service
 * settles the operations still waiting on its node (succeeded when the node is there, cancelled
 * otherwise). The watcher here runs only when a test drives it (pollIntervalMs 10 min), so nothing
 * else can finish these operations. Runs on a SQLite file, and on PostgreSQL under run-postgres.sh.
 */
import { randomUUID } from 'node:crypto';
import { CloudRegistry } from '../../src/cloud/cloud-registry';
import { OperationWatcher } from '../../src/operations/operation-watcher';
import { STATE_STORE, type StateStore } from '../../src/store/state-store';
import { call, startApp, TestApp, waitFor } from '../support/app';
import { storeUnderTest } from './store-under-test';

const store = storeUnderTest();
jest.setTimeout(60_000);

describe(`operations complete from what the service sees (dummy cloud, ${store.label})`, () => {
  let t: TestApp;
  const run = randomUUID().slice(0, 8);
  const api = (method: string, path: string, body?: unknown) => call(t.url, method, `/api/v1${path}`, body);
  const create = async (suffix: string) => {
    const created = await api('POST', '/clouds/default/nodes', {
      name: `seen-${run}-${suffix}`,
      image: 'img-debian-12',
      size: 'small',
    });
    expect(created.status).toBe(202);
    return { id: created.body.id as string, location: created.headers.get('operation-location')! };
  };
  /** The operation now, without waiting. */
  const operation = async (location: string) => (await call(t.url, 'GET', location)).body;
  const driver = () => t.app.get(CloudRegistry).get('default')!.driver;

  beforeAll(async () => {
    t = await startApp({
      state: store.state,
      rateLimit: { enabled: false },
      operations: { pollIntervalMs: 600_000, goneAfterPasses: 1 },
      clouds: {
        default: { engine: 'dummy', extraParams: { transitionMs: 150 } },
        // Names no other exactly-once suite uses: on PostgreSQL they share one store.
        'sights-stuck': { engine: 'dummy', extraParams: { transitionMs: 600_000, nodes: 100 } },
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    store.cleanup();
  });

  it("the README's client flow: running seen through getNode, then DELETE before the watcher's pass: the create succeeded with the node", async () => {
    const { id, location } = await create('quickstart');
    const node = await waitFor(async () => {
      const got = await api('GET', `/clouds/default/nodes/${id}`);
      return got.body.state === 'running' && got.body;
    });
    const done = await operation(location);
    expect(done).toMatchObject({ kind: 'createNode', state: 'succeeded', done: true, nodeState: 'running' });
    expect(done.result).toEqual(node);
    const deleted = await api('DELETE', `/clouds/default/nodes/${id}`);
    expect(deleted.status).toBe(202);
    // The watcher's passes after the delete (one missing listing is enough to ask for the node here),
    // until the node is gone and the destroy succeeded: the create stays succeeded.
    const watcher = t.app.get(OperationWatcher);
    const destroy = deleted.headers.get('operation-location')!;
    const destroyed = await waitFor(async () => {
      await watcher.tick();
      const op = await operation(destroy);
      return op.done && op;
    });
    expect(destroyed).toMatchObject({ kind: 'destroyNode', state: 'succeeded', nodeState: 'gone' });
    await watcher.tick();
    expect(await operation(location)).toEqual(done);
  });

  it('a listing (listNodes, listAllNodes) that shows the running node completes its create', async () => {
    for (const path of ['/clouds/default/nodes?limit=1000', '/nodes?limit=1000']) {
      const { id, location } = await create(`listed-${path.length}`);
      const listed = await waitFor(async () => {
        const page = await api('GET', path);
        return page.body.items.find(
          (n: { cloud: string; id: string; state: string }) =>
            n.cloud === 'default' && n.id === id && n.state === 'running',
        );
      });
      const done = await operation(location);
      expect({ path, done }).toMatchObject({ path, done: { state: 'succeeded', done: true, nodeState: 'running' } });
      expect(done.result).toEqual(listed);
    }
  });

  it('stop, start and reboot complete from getNode at their own target state', async () => {
    const { id, location } = await create('lifecycle');
    await waitFor(async () => (await api('GET', `/clouds/default/nodes/${id}`)).body.state === 'running');
    expect((await operation(location)).state).toBe('succeeded');
    for (const [action, target] of [
      ['stop', 'stopped'],
      ['start', 'running'],
      ['reboot', 'running'],
    ]) {
      const answer = await api('POST', `/clouds/default/nodes/${id}/actions/${action}`);
      expect(answer.status).toBe(202);
      expect(answer.body.state).not.toBe(target); // stopping, starting, rebooting
      const opLocation = answer.headers.get('operation-location')!;
      expect((await operation(opLocation)).state).toBe('running');
      await waitFor(async () => (await api('GET', `/clouds/default/nodes/${id}`)).body.state === target);
      expect(await operation(opLocation)).toMatchObject({
        kind: `${action}Node`,
        state: 'succeeded',
        nodeState: target,
        result: { id, state: target },
      });
    }
  });

  it('a DELETE of a node that reached running unseen (no read, no watcher pass) cancels the create, one cloud call', async () => {
    const { id, location } = await create('unseen');
    // Only the cloud itself is asked: the service has not seen the node running.
    await waitFor(async () => (await driver().getNode(id)).state === 'running');
    expect((await operation(location)).state).toBe('running');
    const getNode = jest.spyOn(driver(), 'getNode');
    expect((await api('DELETE', `/clouds/default/nodes/${id}`)).status).toBe(202);
    expect(getNode).not.toHaveBeenCalled(); // the destroy is not preceded by a read
    getNode.mockRestore();
    expect(await operation(location)).toMatchObject({
      state: 'failed',
      error: { type: 'urn:cloud-orchestrator:problem:operation-cancelled', status: 409 },
    });
  });

  it('reads stay off the store while operations wait: no store query per node or per request', async () => {
    const waiting = await Promise.all(
      [1, 2, 3].map(async (i) => {
        const created = await api('POST', '/clouds/sights-stuck/nodes', {
          name: `seen-${run}-stuck-${i}`,
          image: 'img-debian-12',
          size: 'small',
        });
        return { id: created.body.id as string, location: created.headers.get('operation-location')! };
      }),
    );
    const stateStore = t.app.get<StateStore>(STATE_STORE);
    const methods = ['getOperation', 'listOperations', 'runningNodeOperations', 'finishOperation'] as const;
    const spies = methods.map((name) => jest.spyOn(stateStore, name));
    try {
      for (let i = 0; i < 5; i++) {
        // Every listing and read holds the waiting (pending) nodes.
        const page = await api('GET', '/clouds/sights-stuck/nodes?limit=1000');
        expect(page.body.items).toHaveLength(103);
        expect((await api('GET', '/nodes?limit=1000')).body.items.length).toBeGreaterThanOrEqual(103);
        for (const { id } of waiting)
          expect((await api('GET', `/clouds/sights-stuck/nodes/${id}`)).body.state).toBe('pending');
      }
      expect(spies.map((spy) => spy.mock.calls.length)).toEqual(methods.map(() => 0));
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    for (const { location } of waiting) expect((await operation(location)).state).toBe('running');
  });
});
