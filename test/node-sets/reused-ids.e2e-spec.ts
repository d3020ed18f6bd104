/**
 * Node set membership is decided by the node's mark, not by its id alone: clouds may hand a destroyed
 * node's id to a later, unrelated node. A node with a member's id but without its set's mark
 * (`orchestrator-node-set`) is not the member: the member reads `gone` (the set `degraded`), the
 * stranger is not held by destroyNode's 409, a set's delete or rollback leaves it alone, and an
 * orphan that only shares a member's id is swept. The stranger is made through the dummy driver
 * in-process, given the member's id as a cloud that reuses ids would. Last, the dummy cloud
 * itself: with `persist: true` its ids continue past every id it issued across restarts, even when
 * the rows of the newest nodes are gone.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudRegistry } from '../../src/cloud/cloud-registry';
import type { ComputeDriver } from '../../src/cloud/driver/compute-driver';
import { NODE_SET_METADATA_KEY } from '../../src/node-sets/node-set.model';
import { OrphanSweeper } from '../../src/node-sets/orphan-sweeper';
import { call, startApp, TestApp } from '../support/app';
import { expectProblem } from '../support/problem';
import { nodeSetClient } from './node-set-client';

jest.setTimeout(60_000);

describe('node set members are known by their mark, not by a reused id (dummy clouds)', () => {
  let t: TestApp;
  const run = randomUUID().slice(0, 8);
  const { api, member, creatingSet, readySet, waitDone: done } = nodeSetClient(() => t, run);
  const driverOf = (cloud: string): ComputeDriver => t.app.get(CloudRegistry).get(cloud)!.driver;

  /**
   * Destroys `id` at its cloud behind the service's back, then has the cloud give the same id to a
   * new node (named `<run>-<name>`, with `metadata`), as a cloud that reuses ids does.
   */
  const reuse = async (cloud: string, id: string, name: string, metadata: Record<string, string> = {}) => {
    const driver = driverOf(cloud);
    await driver.destroyNode(id);
    // The dummy cloud issues its numbers from the store and never reuses one: force this one.
    jest
      .spyOn(driver as unknown as { issue(): Promise<number> }, 'issue')
      .mockResolvedValueOnce(Number(id.replace(/^node-/, '')));
    const stranger = await driver.createNode({
      name: `${run}-${name}`,
      image: 'img-debian-12',
      size: 'small',
      metadata,
    });
    expect(stranger.id).toBe(id);
    return stranger;
  };
  const stillThere = async (cloud: string, id: string) => (await driverOf(cloud).getNode(id)).name;

  beforeAll(async () => {
    t = await startApp({
      rateLimit: { enabled: false },
      operations: { pollIntervalMs: 100 },
      // Orphans are destroyed after an hour: only the test's own sweeps (on a clock of its own) do it.
      nodeSets: { pollIntervalMs: 50, leaseMs: 5_000, retryBackoffMs: 50, orphans: { destroyAfterSeconds: 3_600 } },
      clouds: {
        a: { engine: 'dummy', default: true, extraParams: { transitionMs: 50 } },
        b: { engine: 'dummy', extraParams: { transitionMs: 50 } },
        stuck: { engine: 'dummy', extraParams: { transitionMs: 600_000 } },
      },
    });
  });
  afterAll(async () => t?.close());

  it('a ready set whose member id now names another node reads degraded, and its delete leaves that node alone', async () => {
    const set = await readySet('reused', [member('a', 'r', { count: 2 }), member('b', 'r-db')]);
    const lost = set.members[0];
    await reuse('a', lost.nodeId, 'stranger');

    const read = (await api('GET', `/node-sets/${set.id}`)).body;
    expect(read.state).toBe('degraded');
    expect(read.members[0]).toMatchObject({ nodeId: lost.nodeId, nodeState: 'gone' });
    expect(read.members[1].nodeState).toBe('running');
    expect(read.members[2].nodeState).toBe('running');

    const deleted = await api('DELETE', `/node-sets/${set.id}`);
    expect(deleted.status).toBe(202);
    expect((await done(deleted.headers.get('operation-location')!)).state).toBe('succeeded');
    const after = (await api('GET', `/node-sets/${set.id}`)).body;
    expect(after.state).toBe('deleted');
    expect(after.members[0]).toMatchObject({ step: 'destroyed', nodeState: 'gone' });
    // The stranger survives; the real members are destroyed.
    expect(await stillThere('a', lost.nodeId)).toBe(`${run}-stranger`);
    await expect(driverOf('a').getNode(set.members[1].nodeId)).rejects.toMatchObject({ kind: 'not_found' });
    await expect(driverOf('b').getNode(set.members[2].nodeId)).rejects.toMatchObject({ kind: 'not_found' });
  });

  it('destroyNode on a node that only has a member id is not refused; the real members still are', async () => {
    const set = await readySet('held', [member('a', 'h', { count: 2 })]);
    const [lost, kept] = set.members;
    // A mark naming another set is no more this set's mark than none.
    await reuse('a', lost.nodeId, 'stranger-2', { [NODE_SET_METADATA_KEY]: randomUUID() });

    const stranger = await api('DELETE', `/clouds/a/nodes/${lost.nodeId}`);
    expect(stranger.status).toBe(202);
    expect((await done(stranger.headers.get('operation-location')!)).state).toBe('succeeded');
    const held = expectProblem(await api('DELETE', `/clouds/a/nodes/${kept.nodeId}`), 409);
    expect(held).toMatchObject({ type: 'urn:cloud-orchestrator:problem:node-set-member', nodeSet: set.id });
    const deleted = await api('DELETE', `/node-sets/${set.id}`);
    expect((await done(deleted.headers.get('operation-location')!)).state).toBe('succeeded');
  });

  it('a creating set whose member id is taken by another node fails at once, and its rollback leaves that node alone', async () => {
    const { created, nodeId } = await creatingSet('reused-while-creating', 'stuck', 'a');
    await reuse('stuck', nodeId, 'stranger-3');
    const op = await done(created.headers.get('operation-location')!);
    expect(op.state).toBe('failed');
    expect(op.error).toMatchObject({ status: 502, cloud: 'stuck' });
    expect(op.error.detail).toContain(`node ${nodeId} is gone from its cloud`);
    expect(Date.parse(op.updatedAt)).toBeLessThan(Date.parse(op.createdAt) + 60_000);
    const set = (await api('GET', `/node-sets/${created.body.id}`)).body;
    expect(set.state).toBe('failed');
    expect(await stillThere('stuck', nodeId)).toBe(`${run}-stranger-3`);
  });

  it('an orphan that shares a live member id is swept (not held as that member)', async () => {
    const set = await readySet('swept', [member('b', 's')]);
    const lost = set.members[0];
    // Marked with a set the service does not have: an orphan, under the member's id.
    await reuse('b', lost.nodeId, 'orphan', { [NODE_SET_METADATA_KEY]: randomUUID() });
    const sweeper = t.app.get(OrphanSweeper);
    expect((await sweeper.find()).items.map((o) => o.nodeId)).toContain(lost.nodeId);
    expect(await sweeper.sweep(Date.now())).toEqual([]); // first seen: its grace starts
    const destroyed = await sweeper.sweep(Date.now() + 3_600_000);
    expect(destroyed.map((o) => o.nodeId)).toEqual([lost.nodeId]);
    await expect(driverOf('b').getNode(lost.nodeId)).rejects.toMatchObject({ kind: 'not_found' });
    expect((await api('GET', `/node-sets/${set.id}`)).body.members[0].nodeState).toBe('gone');
  });
});

describe('a persisted dummy cloud never issues an id twice across restarts', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'dummy-ids-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('continues past the newest id, whether that node was destroyed or its row removed while stopped', async () => {
    const settings = {
      state: { path: join(dir, 'state.db') },
      rateLimit: { enabled: false },
      clouds: { p: { engine: 'dummy', default: true, extraParams: { persist: true, transitionMs: 50 } } },
    };
    const create = async (app: TestApp, name: string) => {
      const res = await call(app.url, 'POST', '/api/v1/clouds/p/nodes', {
        name,
        image: 'img-debian-12',
        size: 'small',
      });
      expect(res.status).toBe(202);
      return res.body.id as string;
    };
    let app = await startApp(settings);
    const ids = [await create(app, 'one'), await create(app, 'two'), await create(app, 'three')];
    expect(ids).toEqual(['node-000001', 'node-000002', 'node-000003']);
    expect((await call(app.url, 'DELETE', '/api/v1/clouds/p/nodes/node-000003')).status).toBe(202);
    await app.close();

    // Out of band, while the service is stopped: the newest remaining node's row goes too.
    const db = new Database(join(dir, 'state.db'));
    expect(db.prepare("DELETE FROM dummy_nodes WHERE cloud = 'p' AND id = 'node-000002'").run().changes).toBe(1);
    db.close();

    app = await startApp(settings);
    try {
      expect(await create(app, 'four')).toBe('node-000004');
      const listed = (await call(app.url, 'GET', '/api/v1/clouds/p/nodes')).body.items.map((n: any) => n.id);
      expect(listed).toEqual(['node-000001', 'node-000004']);
    } finally {
      await app.close();
    }
    app = await startApp(settings);
    try {
      expect(await create(app, 'five')).toBe('node-000005');
    } finally {
      await app.close();
    }
  });
});
