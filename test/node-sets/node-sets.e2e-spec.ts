/**
 * Node sets over HTTP on dummy clouds: a 3-cloud set to ready; rollback on a refused create, an
 * `error` member and a timeout (every created member destroyed, the error naming member, cloud and
 * cause); 422 with every problem; delete; an Idempotency-Key replay; per-cloud create bounds.
 */
import { randomUUID } from 'node:crypto';
import { CloudRegistry } from '../../src/cloud/cloud-registry';
import { CloudError } from '../../src/cloud/driver/cloud-error';
import { call, startApp, TestApp, waitFor } from '../support/app';
import { expectProblem } from '../support/problem';
import { NODE_SET_SUITE_SETTINGS, nodeSetClient } from './node-set-client';

jest.setTimeout(60_000);

describe('node sets (dummy clouds)', () => {
  let t: TestApp;
  const run = randomUUID().slice(0, 8);
  const { api, member, nodesOf, waitDone } = nodeSetClient(() => t, run);

  beforeAll(async () => {
    t = await startApp({
      ...NODE_SET_SUITE_SETTINGS,
      clouds: {
        a: { engine: 'dummy', default: true, extraParams: { transitionMs: 100 } },
        b: { engine: 'dummy', maxConcurrentCreates: 2, extraParams: { transitionMs: 100, latencyMs: 20 } },
        c: { engine: 'dummy', extraParams: { transitionMs: 100, unpricedSizes: ['large'] } },
        refusing: { engine: 'dummy', extraParams: { transitionMs: 100, faults: { createFailEvery: 3 } } },
        erring: { engine: 'dummy', extraParams: { transitionMs: 100, faults: { errorStateEvery: 2 } } },
        stuck: { engine: 'dummy', extraParams: { transitionMs: 600_000 } },
        hanging: { engine: 'dummy', timeoutMs: 500, extraParams: { faults: { hangCreate: true } } },
        flaky: { engine: 'dummy', resilience: { consecutiveFailures: 1000 }, extraParams: { transitionMs: 100 } },
      },
    });
  });
  afterAll(async () => t?.close());

  it('a set across three clouds answers 202 and reaches ready with every member running', async () => {
    const created = await api('POST', '/node-sets', {
      name: 'three-clouds',
      nodes: [member('a', 'web', { count: 2 }), member('b', 'db', { count: 3 }), member('c', 'cache')],
    });
    expect(created.status).toBe(202);
    expect(created.headers.get('location')).toBe(`/api/v1/node-sets/${created.body.id}`);
    expect(created.headers.get('operation-location')).toBe(`/api/v1/operations/${created.body.operationId}`);
    expect(created.body).toMatchObject({ state: 'creating', counts: { a: 2, b: 3, c: 1 } });
    expect(created.body.members.map((m: { name: string }) => m.name)).toEqual(
      ['web-1', 'web-2', 'db-1', 'db-2', 'db-3', 'cache'].map((n) => `${run}-${n}`),
    );

    const op = await waitDone(created.headers.get('operation-location')!);
    expect(op).toMatchObject({ kind: 'createNodeSet', cloud: '*', target: created.body.id, state: 'succeeded' });
    expect(op.result).toMatchObject({ id: created.body.id, state: 'ready' });

    const set = (await api('GET', `/node-sets/${created.body.id}`)).body;
    expect(set.state).toBe('ready');
    for (const m of set.members)
      expect(m).toMatchObject({ step: 'running', nodeState: 'running', nodeId: expect.any(String) });
    // AIP-151: the done operation's result is the set as it was when the operation finished, the
    // record GET reads: same member states, and the time it turned ready (not a snapshot from before).
    expect(op.result).toEqual(set);
    expect(Date.parse(op.result.updatedAt)).toBeGreaterThan(Date.parse(op.result.createdAt));
    expect(op.result.updatedAt).toBe(op.updatedAt);
    // Each member exists once in its cloud, carrying the set's id.
    for (const cloud of ['a', 'b', 'c']) {
      const nodes = await nodesOf(cloud);
      const mine = set.members.filter((m: { cloud: string }) => m.cloud === cloud);
      expect(nodes.map((n) => n.id).sort()).toEqual(mine.map((m: { nodeId: string }) => m.nodeId).sort());
      const one = await api('GET', `/clouds/${cloud}/nodes/${mine[0].nodeId}`);
      expect(one.body.metadata).toMatchObject({ 'orchestrator-node-set': set.id });
    }

    const listed = await api('GET', '/node-sets?limit=1000');
    expect(listed.body.items.map((s: { id: string }) => s.id)).toContain(set.id);

    // Delete: an operation; every member gone from its cloud.
    const deleted = await api('DELETE', `/node-sets/${set.id}`);
    expect(deleted.status).toBe(202);
    expect(deleted.body.state).toBe('deleting');
    const delOp = await waitDone(deleted.headers.get('operation-location')!);
    expect(delOp).toMatchObject({ kind: 'deleteNodeSet', state: 'succeeded' });
    const after = (await api('GET', `/node-sets/${set.id}`)).body;
    expect(after.state).toBe('deleted');
    for (const m of after.members) expect(m.step).toBe('destroyed');
    expect(delOp.result).toEqual(after);
    expect(delOp.result.updatedAt).toBe(delOp.updatedAt);
    for (const cloud of ['a', 'b', 'c']) expect(await nodesOf(cloud)).toEqual([]);
    // Deleting again answers the set as it is.
    const again = await api('DELETE', `/node-sets/${set.id}`);
    expect(again.status).toBe(202);
    expect(again.body.state).toBe('deleted');
  });

  const expectRolledBack = async (nodes: unknown[], detail: RegExp, status: number): Promise<{ set: any; op: any }> => {
    const created = await api('POST', '/node-sets', { name: 'doomed', nodes, timeoutSeconds: 3 });
    expect(created.status).toBe(202);
    const op = await waitDone(created.headers.get('operation-location')!);
    expect(op.state).toBe('failed');
    expect(op.error).toMatchObject({ status, cloud: expect.any(String), member: expect.any(String) });
    expect(op.error.detail).toMatch(detail);
    const set = (await api('GET', `/node-sets/${created.body.id}`)).body;
    expect(set.state).toBe('failed');
    expect(set.error).toEqual(op.error);
    for (const m of set.members) expect(['destroyed', 'cancelled', 'failed']).toContain(m.step);
    for (const m of set.members) if (m.step === 'failed') expect(m.nodeId).toBeNull();
    return { set, op };
  };

  it('a refused create rolls back every member already created; the error names member, cloud and cause', async () => {
    const { set } = await expectRolledBack(
      [member('a', 'r-web', { count: 2 }), member('refusing', 'r-x', { count: 3 })],
      new RegExp(`member "${run}-r-x-\\d" on cloud "refusing": create refused: .*createFailEvery`),
      422,
    );
    expect(set.members.filter((m: { step: string }) => m.step === 'destroyed').length).toBeGreaterThanOrEqual(2);
    expect(await nodesOf('a')).toEqual([]);
    expect(await nodesOf('refusing')).toEqual([]);
  });

  it('a member that reaches error rolls the set back', async () => {
    await expectRolledBack(
      [member('c', 'e-web'), member('erring', 'e-x', { count: 2 })],
      new RegExp(`member "${run}-e-x-\\d" on cloud "erring": node node-\\d+ reached error`),
      502,
    );
    expect(await nodesOf('c')).toEqual([]);
    expect(await nodesOf('erring')).toEqual([]);
  });

  it('a member not running within timeoutSeconds rolls the set back', async () => {
    await expectRolledBack(
      [member('a', 't-web'), member('stuck', 't-slow')],
      new RegExp(`member "${run}-t-slow" on cloud "stuck": not running within the set's timeout of 3 s`),
      504,
    );
    expect(await nodesOf('a')).toEqual([]);
    expect(await nodesOf('stuck')).toEqual([]);
  });

  it('a create that never answers fails the set and is rolled back (looked up by its mark)', async () => {
    await expectRolledBack(
      [member('b', 'h-web'), member('hanging', 'h-x')],
      new RegExp(
        `member "${run}-h-x" on cloud "hanging": create failed: outcome_unknown: .*did not answer within 500 ms`,
      ),
      504,
    );
    expect(await nodesOf('b')).toEqual([]);
    expect(await nodesOf('hanging')).toEqual([]);
  });

  it('an invalid set is a 422 listing every problem at once, and creates nothing', async () => {
    const before = (await api('GET', '/node-sets?limit=1000')).body.items.length;
    const res = await api('POST', '/node-sets', {
      name: 'bad',
      nodes: [member('nowhere', 'x'), member('a', 'dup'), member('a', 'dup'), member('nowhere-else', 'y')],
    });
    const problem = expectProblem(res, 422);
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        { field: 'nodes[0].cloud', message: expect.stringContaining('"nowhere"') },
        { field: 'nodes[2].name', message: expect.stringContaining('also nodes[1]') },
        { field: 'nodes[3].cloud', message: expect.stringContaining('"nowhere-else"') },
      ]),
    );
    expect((await api('GET', '/node-sets?limit=1000')).body.items.length).toBe(before);
    expectProblem(await api('POST', '/node-sets', { name: 'x', nodes: [] }), 400);
    expectProblem(await api('GET', '/node-sets/nope'), 404);
  });

  it('the same Idempotency-Key replays the first answer and creates the set once', async () => {
    const key = `"${randomUUID()}"`;
    const body = { name: 'idem', nodes: [member('c', 'idem', { count: 2 })] };
    const first = await api('POST', '/node-sets', body, { 'idempotency-key': key });
    const second = await api('POST', '/node-sets', body, { 'idempotency-key': key });
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body.id).toBe(first.body.id);
    expect(second.headers.get('operation-location')).toBe(first.headers.get('operation-location'));
    await waitDone(first.headers.get('operation-location')!);
    expect((await nodesOf('c')).filter((n) => n.name.includes('-idem-')).length).toBe(2);
    expectProblem(await api('POST', '/node-sets', { ...body, name: 'other' }, { 'idempotency-key': key }), 422);
    const del = await api('DELETE', `/node-sets/${first.body.id}`);
    await waitDone(del.headers.get('operation-location')!);
  });

  it('a set still creating cannot be deleted (409)', async () => {
    const created = await api('POST', '/node-sets', {
      name: 'busy',
      nodes: [member('stuck', 'busy')],
      timeoutSeconds: 2,
    });
    expectProblem(await api('DELETE', `/node-sets/${created.body.id}`), 409, /creating/);
    await waitDone(created.headers.get('operation-location')!);
  });

  it('dryRun=true answers 200 with the plan: counts per cloud, hourly and monthly cost, unpriced members; creates nothing', async () => {
    const before = (await api('GET', '/node-sets?limit=1000')).body.items.length;
    const res = await api('POST', '/node-sets?dryRun=true', {
      name: 'preview',
      nodes: [
        member('a', 'p-web', { count: 3, size: 'small' }),
        member('b', 'p-db', { size: 'medium', location: 'dc-ams' }),
        member('c', 'p-big', { size: 'large' }),
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'preview', valid: true, counts: { a: 3, b: 1, c: 1 } });
    expect(res.body.members).toHaveLength(5);
    expect(res.body.members[4]).toMatchObject({ name: `${run}-p-big`, cloud: 'c', size: 'large', hourlyPrice: null });
    // 3 × small (0.0075) + medium (0.03); large on c has no published price.
    expect(res.body.cost).toEqual({
      currency: 'USD',
      hourly: 0.0525,
      monthly: 38.325,
      hoursPerMonth: 730,
      unpricedMembers: [`${run}-p-big`],
    });
    expect((await api('GET', '/node-sets?limit=1000')).body.items.length).toBe(before);
    for (const cloud of ['a', 'b', 'c']) expect(await nodesOf(cloud)).toEqual([]);
  });

  it('dryRun=true lists every problem at once: references on each cloud, capabilities, unknown clouds', async () => {
    const res = await api('POST', '/node-sets?dryRun=true', {
      name: 'bad-preview',
      nodes: [
        member('a', 'q-1', { image: 'img-nope', size: 'huge' }),
        member('b', 'q-2', { location: 'dc-mars', keyName: 'no-such-key' }),
        member('nowhere', 'q-3'),
        member('c', 'q-4', { count: 2, size: 'tiny' }),
      ],
    });
    const problem = expectProblem(res, 422);
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        { field: 'nodes[0].image', message: 'image "img-nope" does not exist in cloud "a"' },
        { field: 'nodes[0].size', message: 'size "huge" does not exist in cloud "a"' },
        { field: 'nodes[1].location', message: 'location "dc-mars" does not exist in cloud "b"' },
        { field: 'nodes[1].keyName', message: 'key pair "no-such-key" does not exist in cloud "b"' },
        { field: 'nodes[2].cloud', message: expect.stringContaining('"nowhere"') },
        { field: 'nodes[3].size', message: 'size "tiny" does not exist in cloud "c"' },
      ]),
    );
    // The two members expanded from nodes[3] give one problem, not two.
    expect(problem.errors).toHaveLength(6);
    expectProblem(
      await api(
        'POST',
        '/node-sets?dryRun=true',
        { name: 'k', nodes: [member('a', 'k')] },
        { 'idempotency-key': `"${randomUUID()}"` },
      ),
      400,
      /dryRun/,
    );
    expectProblem(await api('POST', '/node-sets?dryRun=maybe', { name: 'k', nodes: [member('a', 'k')] }), 400);
  });

  it("dryRun=true on a cloud whose catalogue cannot be read is that cloud's 502/503/504, not a 422 blaming the request", async () => {
    const driver = t.app.get(CloudRegistry).get('flaky')!.driver;
    const listImages = driver.listImages.bind(driver);
    driver.listImages = async () => {
      throw new CloudError('unavailable', 'list images: cannot reach the cloud (ECONNREFUSED)');
    };
    try {
      const nodes = [member('a', 'd-ok'), member('flaky', 'd-down')];
      const down = expectProblem(await api('POST', '/node-sets?dryRun=true', { name: 'down', nodes }), 502);
      expect(down).toMatchObject({ type: 'urn:cloud-orchestrator:problem:cloud-unavailable', cloud: 'flaky' });
      // A mistake of the caller's own is still the 422, listing it.
      const mixed = [member('a', 'd-bad', { size: 'huge' }), member('flaky', 'd-down')];
      const bad = expectProblem(await api('POST', '/node-sets?dryRun=true', { name: 'mixed', nodes: mixed }), 422);
      expect(bad.errors).toEqual([{ field: 'nodes[0].size', message: 'size "huge" does not exist in cloud "a"' }]);
    } finally {
      driver.listImages = listImages;
    }
    expect((await api('POST', '/node-sets?dryRun=true', { name: 'up', nodes: [member('flaky', 'd-up')] })).status).toBe(
      200,
    );
  });

  it('a size the cloud does not have: the dry run names it, and the set itself rolls back', async () => {
    const nodes = [member('a', 's-ok'), member('b', 's-bad', { size: 'xxl' })];
    const preview = expectProblem(await api('POST', '/node-sets?dryRun=true', { name: 'size', nodes }), 422);
    expect(preview.errors).toEqual([{ field: 'nodes[1].size', message: 'size "xxl" does not exist in cloud "b"' }]);
    const { op } = await expectRolledBack(
      nodes,
      new RegExp(`member "${run}-s-bad" on cloud "b": create refused: .*xxl`),
      422,
    );
    expect(op.error.cloud).toBe('b');
    expect(await nodesOf('a')).toEqual([]);
  });

  it('a cloud down during rollback is retried with backoff while the set stays rolling_back; the other clouds go on', async () => {
    const driver = t.app.get(CloudRegistry).get('flaky')!.driver;
    const destroy = driver.destroyNode.bind(driver);
    let down = true;
    let refused = 0;
    driver.destroyNode = async (id: string) => {
      if (down) {
        refused++;
        throw new CloudError('unavailable', 'flaky is down');
      }
      return destroy(id);
    };
    try {
      const created = await api('POST', '/node-sets', {
        name: 'down-in-rollback',
        timeoutSeconds: 2,
        nodes: [member('flaky', 'd-web'), member('a', 'd-ok'), member('stuck', 'd-slow')],
      });
      // The timeout starts the rollback; flaky's member cannot be destroyed while flaky is down.
      const rolling = await waitFor(async () => {
        const set = (await api('GET', `/node-sets/${created.body.id}`)).body;
        const others = set.members.filter((m: any) => m.cloud !== 'flaky');
        return set.state === 'rolling_back' && refused >= 3 && others.every((m: any) => m.step === 'destroyed')
          ? set
          : undefined;
      }, 20_000);
      const flakyMember = rolling.members.find((m: any) => m.cloud === 'flaky');
      expect(flakyMember.step).not.toBe('destroyed');
      expect(flakyMember.error).toMatch(/flaky is down/);
      expect(await nodesOf('a')).toEqual([]);
      expect(await nodesOf('stuck')).toEqual([]);
      expect((await nodesOf('flaky')).length).toBe(1);

      down = false;
      const op = await call(t.url, 'GET', `${created.headers.get('operation-location')}?wait=20`);
      expect(op.body.state).toBe('failed');
      expect(op.body.error.detail).toMatch(/not running within the set's timeout/);
      const set = (await api('GET', `/node-sets/${created.body.id}`)).body;
      expect(set.state).toBe('failed');
      expect(set.members.find((m: any) => m.cloud === 'flaky').step).toBe('destroyed');
      expect(await nodesOf('flaky')).toEqual([]);
    } finally {
      driver.destroyNode = destroy;
    }
  });
});
