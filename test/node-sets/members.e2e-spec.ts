/**
 * A node set's members over HTTP on dummy clouds, after the set is made: destroyNode refuses a member
 * of a live set (409 node-set-member, the set's journal deciding; its mark only while the create's
 * answer is not recorded), lets members of a set being deleted through, and leaves reboot alone; a
 * ready set's read tells the truth about its members (a member destroyed at the cloud: `gone`, the set
 * `degraded`; a cloud that cannot be read: `unknown` with the reason), each cloud listed once a read.
 */
import { randomUUID } from 'node:crypto';
import { CloudRegistry } from '../../src/cloud/cloud-registry';
import { CloudError } from '../../src/cloud/driver/cloud-error';
import type { ComputeDriver } from '../../src/cloud/driver/compute-driver';
import { call, startApp, TestApp, waitFor } from '../support/app';
import { expectProblem } from '../support/problem';
import { NODE_SET_SUITE_SETTINGS, nodeSetClient } from './node-set-client';

jest.setTimeout(60_000);

describe('node set members (dummy clouds)', () => {
  let t: TestApp;
  const run = randomUUID().slice(0, 8);
  const { api, member, nodesOf, creatingSet, readySet, waitDone: done } = nodeSetClient(() => t, run);
  const driverOf = (cloud: string): ComputeDriver => t.app.get(CloudRegistry).get(cloud)!.driver;
  const deleteSet = async (id: string) => {
    const deleted = await api('DELETE', `/node-sets/${id}`);
    expect(deleted.status).toBe(202);
    return done(deleted.headers.get('operation-location')!);
  };

  beforeAll(async () => {
    t = await startApp({
      ...NODE_SET_SUITE_SETTINGS,
      clouds: {
        a: { engine: 'dummy', default: true, extraParams: { transitionMs: 100 } },
        b: { engine: 'dummy', extraParams: { transitionMs: 100 } },
        slow: { engine: 'dummy', extraParams: { transitionMs: 100 } },
        shaky: { engine: 'dummy', resilience: { consecutiveFailures: 1000 }, extraParams: { transitionMs: 100 } },
        stuck: { engine: 'dummy', extraParams: { transitionMs: 600_000 } },
      },
    });
  });
  afterAll(async () => t?.close());

  it('destroyNode on a member of a ready set is a 409 naming the set; the node stays, reboot stays allowed', async () => {
    const set = await readySet('held', [member('a', 'h', { count: 2 }), member('b', 'h-db')]);
    for (const m of set.members) {
      const res = await api('DELETE', `/clouds/${m.cloud}/nodes/${m.nodeId}`, undefined, {
        'Idempotency-Key': `"${randomUUID()}"`,
      });
      const problem = expectProblem(res, 409);
      expect(problem).toMatchObject({
        type: 'urn:cloud-orchestrator:problem:node-set-member',
        cloud: m.cloud,
        nodeSet: set.id,
        member: m.name,
      });
      expect(problem.detail).toContain(`DELETE /api/v1/node-sets/${set.id}`);
      expect(res.headers.get('operation-location')).toBeNull();
      expect((await api('GET', `/clouds/${m.cloud}/nodes/${m.nodeId}`)).body.state).toBe('running');
    }
    // Other actions are the caller's business: a rebooted member is still a member of a whole set.
    const first = set.members[0];
    expect((await api('POST', `/clouds/a/nodes/${first.nodeId}/actions/reboot`)).status).toBe(202);
    await waitFor(async () => (await api('GET', `/clouds/a/nodes/${first.nodeId}`)).body.state === 'running');
    expect((await api('GET', `/node-sets/${set.id}`)).body.state).toBe('ready');

    // Once the set is deleted its former members are no one's: the destroy reaches the cloud (gone: 404).
    expect((await deleteSet(set.id)).state).toBe('succeeded');
    const after = await api('DELETE', `/clouds/a/nodes/${first.nodeId}`);
    expect(expectProblem(after, 404).type).toBe('urn:cloud-orchestrator:problem:not-found');
  });

  it('members of a set being deleted are not held: the destroy goes to the cloud', async () => {
    const set = await readySet('going', [member('a', 'g'), member('shaky', 'g-x')]);
    const driver = driverOf('shaky');
    const destroy = driver.destroyNode.bind(driver);
    driver.destroyNode = () => Promise.reject(new CloudError('unavailable', 'shaky cannot destroy now'));
    try {
      expect((await api('DELETE', `/node-sets/${set.id}`)).status).toBe(202);
      await waitFor(async () => {
        const now = (await api('GET', `/node-sets/${set.id}`)).body;
        return now.state === 'deleting' && now.members.some((m: any) => /cannot destroy now/.test(m.error ?? ''));
      });
      const shaky = set.members.find((m) => m.cloud === 'shaky')!;
      // 502 from the cloud, not 409: the guard let it through.
      const res = await api('DELETE', `/clouds/shaky/nodes/${shaky.nodeId}`);
      expect(expectProblem(res, 502).detail).toMatch(/shaky cannot destroy now/);
    } finally {
      driver.destroyNode = destroy;
    }
    const op = await done(`/api/v1/operations/${(await api('GET', `/node-sets/${set.id}`)).body.operationId}`);
    expect(op.state).toBe('succeeded');
    expect(await nodesOf('shaky')).toEqual([]);
  });

  it('a member whose create was answered but not yet recorded is held by its mark; other nodes are not', async () => {
    const driver = driverOf('slow');
    const create = driver.createNode.bind(driver);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    // The cloud makes the node, and its answer is held back: the journal has the member `creating`, no node id.
    driver.createNode = async (request) => {
      const node = await create(request);
      if (request.name.startsWith(`${run}-win-`)) await held;
      return node;
    };
    try {
      const created = await api('POST', '/node-sets', {
        name: 'window',
        nodes: [member('slow', 'win', { count: 1 }), member('a', 'w-a')],
      });
      expect(created.status).toBe(202);
      const [node] = await waitFor(async () => {
        const found = await nodesOf('slow', `${run}-win`);
        return found.length ? found : undefined;
      });
      const journal = (await api('GET', `/node-sets/${created.body.id}`)).body;
      expect(journal.members[0]).toMatchObject({ step: 'creating', nodeId: null });
      const res = await api('DELETE', `/clouds/slow/nodes/${node.id}`);
      expect(expectProblem(res, 409)).toMatchObject({
        type: 'urn:cloud-orchestrator:problem:node-set-member',
        nodeSet: created.body.id,
      });
      // A node of no set on the same cloud, in the same window, is destroyed as usual.
      const plain = await api('POST', '/clouds/slow/nodes', {
        name: `${run}-plain`,
        image: 'img-debian-12',
        size: 'small',
      });
      expect(plain.status).toBe(202);
      expect((await api('DELETE', `/clouds/slow/nodes/${plain.body.id}`)).status).toBe(202);
      release();
      const op = await done(created.headers.get('operation-location')!);
      expect(op.state).toBe('succeeded');
      expect(op.result.members[0].nodeId).toBe(node.id);
      expect((await deleteSet(created.body.id)).state).toBe('succeeded');
    } finally {
      release();
      driver.createNode = create;
    }
    expect(await nodesOf('slow')).toEqual([]);
  });

  it('a member destroyed at its cloud while the set is creating fails the set at once (not at its timeout)', async () => {
    const { created, nodeId } = await creatingSet('vanishing', 'stuck', 'a');
    await driverOf('stuck').destroyNode(nodeId);
    const op = (await call(t.url, 'GET', `${created.headers.get('operation-location')}?wait=20`)).body;
    expect(op.state).toBe('failed');
    expect(op.error).toMatchObject({ status: 502, cloud: 'stuck', member: `${run}-vanishing` });
    expect(op.error.detail).toMatch(new RegExp(`node ${nodeId} is gone from its cloud`));
    const set = (await api('GET', `/node-sets/${created.body.id}`)).body;
    expect(set.state).toBe('failed');
    expect(set.members[0]).toMatchObject({ step: 'destroyed', nodeState: 'gone' });
    expect(await nodesOf('a')).toEqual([]);
    expect(await nodesOf('stuck')).toEqual([]);
  });

  it('a ready set whose member is destroyed at the cloud reads degraded, the member gone; DELETE destroys the rest', async () => {
    const set = await readySet('broken', [member('a', 'd', { count: 2 }), member('b', 'd-db')]);
    const lost = set.members[1];
    await driverOf('a').destroyNode(lost.nodeId);

    const read = (await api('GET', `/node-sets/${set.id}`)).body;
    expect(read.state).toBe('degraded');
    expect(read.members.map((m: any) => m.nodeState)).toEqual(['running', 'gone', 'running']);
    expect(read.members[1].step).toBe('running'); // the journal's step: the set did not destroy it
    const listed = (await api('GET', '/node-sets?limit=1000')).body.items.find((s: any) => s.id === set.id);
    expect(listed.state).toBe('degraded');
    expect(listed.members[1].nodeState).toBe('gone');
    // The create operation keeps the set as it was when it finished.
    expect((await api('GET', `/operations/${read.operationId}`)).body.result.state).toBe('ready');

    const op = await deleteSet(set.id);
    expect(op.state).toBe('succeeded');
    expect(op.result.state).toBe('deleted');
    for (const m of op.result.members) expect(m.step).toBe('destroyed');
    expect(await nodesOf('a')).toEqual([]);
    expect(await nodesOf('b')).toEqual([]);
  });

  it("a cloud that cannot be read leaves its members unknown with the reason; the others are read, the set isn't failed", async () => {
    const set = await readySet('half-seen', [member('a', 'u'), member('shaky', 'u-x')]);
    const driver = driverOf('shaky');
    const list = driver.listNodes.bind(driver);
    const get = driver.getNode.bind(driver);
    driver.listNodes = () => Promise.reject(new CloudError('unavailable', 'shaky listing is down'));
    driver.getNode = () => Promise.reject(new CloudError('unavailable', 'shaky is down'));
    try {
      const res = await api('GET', `/node-sets/${set.id}`);
      expect(res.status).toBe(200);
      expect(res.body.state).toBe('ready');
      expect(res.body.members[0]).toMatchObject({ cloud: 'a', nodeState: 'running' });
      expect(res.body.members[0].nodeStateError).toBeUndefined();
      expect(res.body.members[1]).toMatchObject({ cloud: 'shaky', nodeState: 'unknown' });
      expect(res.body.members[1].nodeStateError).toMatch(
        /cloud "shaky" could not be read: unavailable: .*shaky listing is down/,
      );
    } finally {
      driver.listNodes = list;
      driver.getNode = get;
    }
    const healed = (await api('GET', `/node-sets/${set.id}`)).body;
    expect(healed.members.map((m: any) => m.nodeState)).toEqual(['running', 'running']);
    expect((await deleteSet(set.id)).state).toBe('succeeded');
  });

  it('a page of sets lists each cloud once, however many members and sets it holds', async () => {
    const sets = [
      await readySet('page-1', [member('a', 'p1', { count: 3 }), member('b', 'p1-db')]),
      await readySet('page-2', [member('a', 'p2', { count: 2 })]),
    ];
    const calls: Record<string, number> = { a: 0, b: 0 };
    const restore = ['a', 'b'].map((cloud) => {
      const driver = driverOf(cloud);
      const list = driver.listNodes.bind(driver);
      driver.listNodes = (query) => {
        calls[cloud]++;
        return list(query);
      };
      return () => (driver.listNodes = list);
    });
    try {
      const page = (await api('GET', '/node-sets?limit=2')).body.items;
      expect(page.map((s: any) => s.id)).toEqual([sets[1].id, sets[0].id]);
      for (const s of page) expect(s.state).toBe('ready');
      expect(calls).toEqual({ a: 1, b: 1 });
    } finally {
      restore.forEach((r) => r());
    }
    for (const s of sets) expect((await deleteSet(s.id)).state).toBe('succeeded');
  });
});
