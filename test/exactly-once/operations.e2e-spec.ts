/**
 * Operations (AIP-151) over HTTP on the dummy cloud: every accepted write starts one; the watcher
 * finishes it (succeeded, failed on `error`, failed on timeout); ?wait long-polls; /events streams.
 * Runs on a SQLite file, and on PostgreSQL under test/exactly-once/run-postgres.sh.
 */
import { randomUUID } from 'node:crypto';
import { CloudRegistry } from '../../src/cloud/cloud-registry';
import { OperationWatcher } from '../../src/operations/operation-watcher';
import { call, startApp, TestApp, waitFor } from '../support/app';
import { expectProblem } from '../support/problem';
import { storeUnderTest } from './store-under-test';

const store = storeUnderTest();
jest.setTimeout(60_000);

describe(`operations (dummy cloud, ${store.label})`, () => {
  let t: TestApp;
  const run = randomUUID().slice(0, 8);
  const api = (method: string, path: string, body?: unknown) => call(t.url, method, `/api/v1${path}`, body);
  const create = (cloud: string, suffix: string, image = 'img-debian-12') =>
    api('POST', `/clouds/${cloud}/nodes`, { name: `ops-${run}-${suffix}`, image, size: 'small' });

  beforeAll(async () => {
    t = await startApp({
      state: store.state,
      rateLimit: { enabled: false },
      operations: { pollIntervalMs: 100, leaseMs: 5_000 },
      clouds: {
        default: { engine: 'dummy', extraParams: { transitionMs: 300, failingImages: ['img-windows-2022'] } },
        stuck: { engine: 'dummy', waitTimeoutMs: 1_000, extraParams: { transitionMs: 600_000 } },
        // The default waitTimeoutMs (10 min): an operation that fails here in seconds was not timed out.
        slow: { engine: 'dummy', extraParams: { transitionMs: 600_000, nodes: 3 } },
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    store.cleanup();
  });

  it('a create answers 202 with Operation-Location; the operation succeeds with the running node', async () => {
    const created = await create('default', 'ok');
    expect(created.status).toBe(202);
    const location = created.headers.get('operation-location')!;
    const op = await call(t.url, 'GET', location);
    expect(op.status).toBe(200);
    expect(op.body).toMatchObject({
      kind: 'createNode',
      cloud: 'default',
      target: created.body.id,
      state: 'running',
      done: false,
      nodeState: 'pending',
    });
    expect(op.body.id).toBe(location.split('/').pop());
    const done = await call(t.url, 'GET', `${location}?wait=30`);
    expect(done.body).toMatchObject({ state: 'succeeded', done: true, nodeState: 'running' });
    expect(done.body.result).toMatchObject({ id: created.body.id, state: 'running', name: `ops-${run}-ok` });
    expect(done.body.error).toBeUndefined();
    expect(Date.parse(done.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(done.body.createdAt));
  });

  it('fails the operation with a problem when the node reaches `error`', async () => {
    const created = await create('default', 'broken', 'img-windows-2022');
    const done = await call(t.url, 'GET', `${created.headers.get('operation-location')}?wait=30`);
    expect(done.body).toMatchObject({ state: 'failed', done: true, nodeState: 'error' });
    expect(done.body.error).toMatchObject({
      type: 'urn:cloud-orchestrator:problem:node-failed',
      status: 502,
      cloud: 'default',
      detail: expect.stringContaining(`node ${created.body.id} is error`),
    });
    expect(done.body.result).toBeUndefined();
  });

  it("fails the operation as timed out after the cloud's waitTimeoutMs, never a silent hang", async () => {
    const created = await create('stuck', 'slow');
    const done = await call(t.url, 'GET', `${created.headers.get('operation-location')}?wait=30`);
    expect(done.body).toMatchObject({ state: 'failed', done: true, cloud: 'stuck', nodeState: 'pending' });
    expect(done.body.error).toMatchObject({ type: 'urn:cloud-orchestrator:problem:operation-timeout', status: 504 });
    expect(done.body.error.detail).toMatch(/did not reach running within 1 s \(last seen pending\)/);
    expect(Date.parse(done.body.deadline) - Date.parse(done.body.createdAt)).toBe(1_000);
  });

  it('?wait returns the running operation when the time is up, and refuses more than 60 s', async () => {
    const created = await create('stuck', 'wait');
    const location = created.headers.get('operation-location')!;
    const waited = await call(t.url, 'GET', `${location}?wait=0`);
    expect(waited.body.state).toBe('running');
    expectProblem(await call(t.url, 'GET', `${location}?wait=61`), 400, /wait/);
    expectProblem(await call(t.url, 'GET', `${location}?wait=soon`), 400, /wait/);
  });

  it('streams progress as server-sent events until done', async () => {
    const created = await create('default', 'sse');
    const response = await fetch(`${t.url}${created.headers.get('operation-location')}/events`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await response.text(); // the server ends the stream once the operation is done
    const events = text
      .split('\n\n')
      .filter((block) => block.startsWith('event: operation'))
      .map((block) =>
        JSON.parse(
          block
            .split('\n')
            .find((l) => l.startsWith('data: '))!
            .slice(6),
        ),
      );
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events[0]).toMatchObject({ state: 'running', done: false });
    expect(events[events.length - 1]).toMatchObject({ state: 'succeeded', done: true, nodeState: 'running' });
    expect(events.slice(0, -1).every((e) => !e.done)).toBe(true);
  });

  it('a reconnect with Last-Event-ID gets no event twice, and 204 once it has the final one', async () => {
    const created = await create('default', 'sse-resume');
    const location = created.headers.get('operation-location')!;
    const done = await call(t.url, 'GET', `${location}?wait=30`);
    expect(done.body.done).toBe(true);
    const finalId = String(Date.parse(done.body.updatedAt));
    const events = async (lastEventId?: string) => {
      const response = await fetch(`${t.url}${location}/events`, {
        headers: lastEventId ? { 'Last-Event-ID': lastEventId } : {},
      });
      return { status: response.status, text: await response.text() };
    };
    // No header, or an older id: the final event, with its id.
    for (const header of [undefined, String(Date.parse(created.body.createdAt)), 'not-an-id']) {
      const answer = await events(header);
      expect(answer.status).toBe(200);
      expect(answer.text).toContain(`id: ${finalId}\ndata: `);
    }
    // While it runs: the event the client has is not sent again; the rest of the stream is.
    const stuck = await create('stuck', 'sse-resume');
    const stuckLocation = stuck.headers.get('operation-location')!;
    const now = await call(t.url, 'GET', stuckLocation);
    const nowId = String(Date.parse(now.body.updatedAt));
    const resumed = await fetch(`${t.url}${stuckLocation}/events`, { headers: { 'Last-Event-ID': nowId } });
    const resumedText = await resumed.text(); // ends when the 1 s deadline fails the operation
    expect(resumedText).not.toContain(`id: ${nowId}\n`);
    expect(resumedText).toMatch(/"state":"failed".*"done":true/);
    // The final event's id: nothing more to send, and a 204 stops an EventSource from reconnecting.
    const last = await events(finalId);
    expect(last).toEqual({ status: 204, text: '' });
  });

  it('stop, start, reboot and destroy start operations that finish at their own target state', async () => {
    const created = await create('default', 'lifecycle');
    const id = created.body.id;
    await call(t.url, 'GET', `${created.headers.get('operation-location')}?wait=30`);
    const step = async (method: string, path: string, kind: string, nodeState: string) => {
      const answer = await api(method, `/clouds/default/nodes/${id}${path}`);
      expect(answer.status).toBe(202);
      const done = await call(t.url, 'GET', `${answer.headers.get('operation-location')}?wait=30`);
      expect(done.body).toMatchObject({ kind, state: 'succeeded', target: id, nodeState });
      return done.body;
    };
    expect((await step('POST', '/actions/stop', 'stopNode', 'stopped')).result.state).toBe('stopped');
    await step('POST', '/actions/start', 'startNode', 'running');
    await step('POST', '/actions/reboot', 'rebootNode', 'running');
    expect((await step('DELETE', '', 'destroyNode', 'gone')).result).toBeUndefined();
  });

  describe('an operation whose node is destroyed while it waits ends at once, not at its timeout', () => {
    const expectEnded = async (location: string, id: string, type: string, nodeState: string) => {
      const done = await call(t.url, 'GET', `${location}?wait=30`);
      expect(done.body).toMatchObject({ state: 'failed', done: true, cloud: 'slow', target: id, nodeState });
      expect(done.body.error).toMatchObject({ type, status: 409, cloud: 'slow' });
      expect(done.body.result).toBeUndefined();
      // Decided within the wait, long before the 600 s deadline.
      expect(Date.parse(done.body.updatedAt)).toBeLessThan(Date.parse(done.body.deadline) - 500_000);
      return done.body;
    };

    // Through the service: the DELETE's own request settles it, before its 202 (no watcher pass needed).
    const deleteWhileWaiting = async (started: Awaited<ReturnType<typeof api>>, id: string, nodeState: string) => {
      expect(started.status).toBe(202);
      const location = started.headers.get('operation-location')!;
      const destroyed = await api('DELETE', `/clouds/slow/nodes/${id}`);
      expect(destroyed.status).toBe(202);
      const now = await call(t.url, 'GET', location);
      expect(now.body).toMatchObject({ state: 'failed', done: true });
      const op = await expectEnded(location, id, 'urn:cloud-orchestrator:problem:operation-cancelled', nodeState);
      expect(op.error.detail).toBe(
        `cloud "slow": node ${id} was destroyed through this service (destroyNode) while ${op.kind} waited for ${
          op.kind === 'stopNode' ? 'stopped' : 'running'
        } (last seen ${nodeState})`,
      );
      expect((await call(t.url, 'GET', `${destroyed.headers.get('operation-location')}?wait=30`)).body.state).toBe(
        'succeeded',
      );
      return op;
    };

    it('a DELETE through the service cancels a create whose node is still pending (409 operation-cancelled)', async () => {
      const created = await create('slow', 'cancelled');
      expect((await deleteWhileWaiting(created, created.body.id, 'pending')).kind).toBe('createNode');
    });

    /** Demo nodes' ids are read, not assumed: on a shared store (PostgreSQL) they may be past node-000003. */
    const demoId = async (name: string) => {
      const demo = (await api('GET', '/clouds/slow/nodes?name=demo-*')).body.items as Array<{
        id: string;
        name: string;
      }>;
      return demo.find((n) => n.name === name)!.id;
    };

    it('a DELETE through the service cancels a stop and a reboot mid-transition', async () => {
      const [one, two] = [await demoId('demo-1'), await demoId('demo-2')];
      const stopped = await api('POST', `/clouds/slow/nodes/${one}/actions/stop`);
      expect((await deleteWhileWaiting(stopped, one, 'stopping')).kind).toBe('stopNode');
      const rebooted = await api('POST', `/clouds/slow/nodes/${two}/actions/reboot`);
      expect((await deleteWhileWaiting(rebooted, two, 'rebooting')).kind).toBe('rebootNode');
    });

    it('a node destroyed outside the service fails its create and its stop with 409 node-gone', async () => {
      const driver = t.app.get(CloudRegistry).get('slow')!.driver;
      const created = await create('slow', 'gone');
      const three = await demoId('demo-3');
      const stopped = await api('POST', `/clouds/slow/nodes/${three}/actions/stop`);
      for (const [started, id, kind] of [
        [created, created.body.id, 'createNode'],
        [stopped, three, 'stopNode'],
      ] as const) {
        expect(started.status).toBe(202);
        await driver.destroyNode(id); // the cloud's own console, not this service
        const op = await expectEnded(
          started.headers.get('operation-location')!,
          id,
          'urn:cloud-orchestrator:problem:node-gone',
          'gone',
        );
        expect(op.kind).toBe(kind);
        expect(op.error.detail).toContain(`node ${id} is gone from its cloud`);
      }
    });

    it('a node missing from the listing but still at its cloud is waited for, not failed', async () => {
      const created = await create('slow', 'unlisted');
      const id = created.body.id;
      const driver = t.app.get(CloudRegistry).get('slow')!.driver;
      // A cloud that lists late (EC2's eventual consistency): the listing lacks the node, asked by id it is there.
      const list = driver.listNodes.bind(driver);
      const unlisted = jest.spyOn(driver, 'listNodes').mockImplementation(async (page) => {
        const listed = await list(page);
        return { ...listed, items: listed.items.filter((n) => n.id !== id) };
      });
      const get = jest.spyOn(driver, 'getNode');
      try {
        await waitFor(async () => get.mock.calls.some(([asked]) => asked === id) || undefined);
        const op = await call(t.url, 'GET', created.headers.get('operation-location')!);
        expect(op.body).toMatchObject({ state: 'running', nodeState: 'pending' });
      } finally {
        unlisted.mockRestore();
        get.mockRestore();
      }
      await api('DELETE', `/clouds/slow/nodes/${id}`);
    });
  });

  it('lists operations newest first, filtered by cloud and state, a page at a time', async () => {
    const page1 = await api('GET', '/operations?cloud=stuck&limit=1');
    expect(page1.status).toBe(200);
    expect(page1.body.items).toHaveLength(1);
    expect(page1.body.items[0].cloud).toBe('stuck');
    const page2 = await api('GET', `/operations?cloud=stuck&limit=1&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items).toHaveLength(1);
    expect(page2.body.items[0].id).not.toBe(page1.body.items[0].id);
    expect(Date.parse(page2.body.items[0].createdAt)).toBeLessThanOrEqual(Date.parse(page1.body.items[0].createdAt));
    const failed = await api('GET', '/operations?state=failed&limit=1000');
    expect(failed.body.items.length).toBeGreaterThanOrEqual(2);
    expect(failed.body.items.every((o: any) => o.state === 'failed' && o.done)).toBe(true);
    expectProblem(await api('GET', '/operations?state=sleeping'), 400, /state/);
    // A cloud filter that names no cloud is a mistake, not "every cloud".
    for (const cloud of ['', 'Stuck', 'a b', '*x'])
      expect({
        cloud,
        errors: expectProblem(await api('GET', `/operations?cloud=${encodeURIComponent(cloud)}`), 400).errors,
      }).toEqual({
        cloud,
        errors: [
          {
            field: 'cloud',
            message: 'cloud must be a cloud name (a-z, 0-9, "-", "_"), or "*" for node set operations',
          },
        ],
      });
    expect((await api('GET', '/operations?cloud=*')).status).toBe(200);
    expectProblem(await api('GET', '/operations?cursor=garbage'), 400, /cursor/);
    expectProblem(await api('GET', `/operations/${randomUUID()}`), 404, /not found/);
  });

  it('the watcher lists each cloud once per pass, however many operations wait, and never GETs nodes one by one', async () => {
    // An app of its own whose watcher only runs when told, so no background pass is counted.
    const quiet = await startApp({
      state: { path: ':memory:' },
      operations: { pollIntervalMs: 600_000 },
      clouds: { default: { engine: 'dummy', waitTimeoutMs: 1_000, extraParams: { transitionMs: 600_000 } } },
    });
    try {
      const watcher = quiet.app.get(OperationWatcher);
      const driver = quiet.app.get(CloudRegistry).get('default')!.driver;
      const created = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          call(quiet.url, 'POST', '/api/v1/clouds/default/nodes', {
            name: `ops-${run}-batch-${i}`,
            image: 'img-debian-12',
            size: 'small',
          }),
        ),
      );
      const list = jest.spyOn(driver, 'listNodes');
      const get = jest.spyOn(driver, 'getNode');
      await watcher.tick(Date.now() + 60_000); // one pass, as if a minute had passed: every operation is decided
      expect(list).toHaveBeenCalledTimes(1);
      expect(get).not.toHaveBeenCalled();
      for (const c of created) {
        const op = await call(quiet.url, 'GET', c.headers.get('operation-location')!);
        expect(op.body).toMatchObject({ state: 'failed', error: { status: 504 } });
      }
    } finally {
      await quiet.close();
    }
  });
});
