/**
 * The in-memory dummy cloud (the quick start's) across restarts on one store: its nodes are lost with
 * the process, but the store keeps the operations, Idempotency-Key answers and node set members that
 * name their ids. A new process must never give one of those ids to a new node, or a replayed key,
 * an operation or a member would come to name a different machine. The newcomer trial's scenario:
 * three creates (one keyed) and a node set, restart, three plain creates, the keyed create again;
 * then a restart with more demo nodes. Runs on a SQLite file, and on PostgreSQL under
 * test/exactly-once/run-postgres.sh (a cloud name of its own per run, as that database is shared).
 */
import { randomUUID } from 'node:crypto';
import { call, startApp, TestApp } from '../support/app';
import { expectProblem } from '../support/problem';
import { storeUnderTest } from './store-under-test';

const store = storeUnderTest();
jest.setTimeout(60_000);

describe(`dummy node ids across restarts (in-memory dummy cloud, ${store.label})`, () => {
  const run = randomUUID().slice(0, 8);
  const cloud = `r${run}`;
  const settings = (nodes: number) => ({
    state: store.state,
    rateLimit: { enabled: false },
    nodeSets: { pollIntervalMs: 50, leaseMs: 5_000, retryBackoffMs: 50 },
    clouds: { [cloud]: { engine: 'dummy', default: true, extraParams: { nodes, transitionMs: 50 } } },
  });
  let t: TestApp | undefined;
  const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    call(t!.url, method, `/api/v1${path}`, body, headers);
  const keyed = { name: `${run}-keyed`, image: 'img-debian-12', size: 'small' };
  const idempotencyKey = `"${run}-k-17971"`;
  const create = async (name: string, headers: Record<string, string> = {}) => {
    const res = await api('POST', `/clouds/${cloud}/nodes`, { ...keyed, name }, headers);
    expect(res.status).toBe(202);
    return res;
  };
  const demoIds = async () =>
    ((await api('GET', `/clouds/${cloud}/nodes?name=demo-*`)).body.items as Array<{ id: string; name: string }>)
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((n) => n.id);
  const waitDone = async (location: string) => {
    for (;;) {
      const op = await call(t!.url, 'GET', `${location}?wait=20`);
      if (op.body.done) return op.body;
    }
  };

  afterAll(async () => {
    await t?.close();
    store.cleanup();
  });

  it('never gives an id a previous process issued to a new node: replays, operations and members keep naming theirs', async () => {
    // First process: the demo nodes, three creates (the second keyed) and a one-member node set.
    t = await startApp(settings(3));
    const demo = await demoIds();
    expect(demo).toEqual(['node-000001', 'node-000002', 'node-000003']);
    const first = [(await create(`${run}-a`)).body.id];
    const original = await create(keyed.name, { 'idempotency-key': idempotencyKey });
    first.push(original.body.id, (await create(`${run}-c`)).body.id);
    const set = await api('POST', '/node-sets', {
      name: `${run}-set`,
      nodes: [{ cloud, name: `${run}-member`, image: 'img-debian-12', size: 'small' }],
    });
    expect(set.status).toBe(202);
    const setOp = await waitDone(set.headers.get('operation-location')!);
    expect(setOp.state).toBe('succeeded');
    const memberId: string = setOp.result.members[0].nodeId;
    const issuedBefore = [...first, memberId];
    expect(new Set([...demo, ...issuedBefore]).size).toBe(demo.length + issuedBefore.length);
    await t.close();

    // Second process on the same store: the in-memory nodes are gone, the records are not.
    t = await startApp(settings(3));
    expect(await demoIds()).toEqual(demo);
    const later: string[] = [];
    for (const name of ['x', 'y', 'z']) later.push((await create(`${run}-${name}`)).body.id);
    for (const id of later) expect([...demo, ...issuedBefore]).not.toContain(id);

    // The replay answers as the first time, naming the keyed node: gone with the old process, not another.
    const replay = await create(keyed.name, { 'idempotency-key': idempotencyKey });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.headers.get('location')).toBe(original.headers.get('location'));
    expect(replay.headers.get('location')).toMatch(new RegExp(`/${original.body.id}$`));
    expectProblem(await call(t.url, 'GET', replay.headers.get('location')!), 404);
    const replayedOp = (await call(t.url, 'GET', replay.headers.get('operation-location')!)).body;
    expect(replayedOp).toMatchObject({ kind: 'createNode', target: original.body.id });

    // The member reads gone; no node of the new process carries its id.
    const member = (await api('GET', `/node-sets/${setOp.result.id}`)).body.members[0];
    expect(member).toMatchObject({ nodeId: memberId, nodeState: 'gone' });
    expectProblem(await api('GET', `/clouds/${cloud}/nodes/${memberId}`), 404);

    // Every createNode operation of this cloud names a node of its own, with the name it was created under.
    const ops = (await api('GET', `/operations?cloud=${cloud}&limit=1000`)).body.items as Array<{
      kind: string;
      target: string;
      result?: { name: string };
    }>;
    const creates = ops.filter((o) => o.kind === 'createNode');
    expect(creates).toHaveLength(first.length + later.length);
    expect(new Set(creates.map((o) => o.target)).size).toBe(creates.length);
    expect(creates.map((o) => o.target).sort()).toEqual([...first, ...later].sort());
    await t.close();

    // Third process with more demo nodes: demo-1..3 keep their ids, demo-4 and demo-5 take ids no one had.
    t = await startApp(settings(5));
    const grown = await demoIds();
    expect(grown.slice(0, 3)).toEqual(demo);
    expect(grown).toHaveLength(5);
    for (const id of grown.slice(3)) expect([...issuedBefore, ...later]).not.toContain(id);
    const after = (await create(`${run}-after`)).body.id;
    expect([...grown, ...issuedBefore, ...later]).not.toContain(after);
    await t.close();
    t = undefined;
  });
});
