import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KyselyStateStore } from '../../../store/kysely-state-store';
import { DummyIdSequence } from './dummy-id-sequence';

/** The dummy clouds' node numbers on a real SQLite file, opened as separate processes would. */
describe('DummyIdSequence (SQLite file)', () => {
  let dir: string;
  const opened: KyselyStateStore[] = [];
  const open = async () => {
    const store = new KyselyStateStore({ path: join(dir, 'state.db') });
    await store.migrate();
    opened.push(store);
    return store;
  };
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'dummy-seq-'))));
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('issues every number once across two stores on one file, above the demo range and the floor', async () => {
    const second = (await open()).db;
    const [a, b] = [new DummyIdSequence((await open()).db, 'c'), new DummyIdSequence(second, 'c')];
    expect(await a.seed(3)).toBe(3);
    expect(await b.seed(3)).toBe(3);
    const numbers = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).issue(0)));
    expect([...numbers].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 4));
    expect(await a.issue(100)).toBe(101);
    expect(await b.issue(0)).toBe(102);
    // Another cloud's numbers are its own.
    expect(await new DummyIdSequence(second, 'other').issue(0)).toBe(1);
  });

  it('grows the demo range only while no number past it was issued', async () => {
    const db = (await open()).db;
    const first = new DummyIdSequence(db, 'c');
    expect(await first.seed(2)).toBe(2);
    expect(await first.seed(3)).toBe(3); // nothing issued yet: demo-3 keeps node-000003
    expect(await first.issue(3)).toBe(4);
    expect(await first.seed(5)).toBe(3); // node-000004 named another node: demo-4, demo-5 take new numbers
    expect(await first.seed(2)).toBe(2);
    expect(await first.issue(0)).toBe(5);
  });

  it('on a store that has records from before, continues past every dummy id they name for that cloud', async () => {
    const db = (await open()).db;
    const now = Date.now();
    const op = (id: string, cloud: string, target: string) => ({
      id,
      kind: 'createNode',
      cloud,
      target,
      state: 'succeeded',
      created_at: now,
      updated_at: now,
      deadline: now,
      lease_until: 0,
    });
    await db
      .insertInto('operations')
      .values([
        op('1', 'c', 'node-000009'),
        op('2', 'c', 'node-000010'),
        op('3', 'c', 'node-1000002'),
        op('4', 'other', 'node-002000'),
        op('5', 'c', 'i-0abc'),
      ])
      .execute();
    await (db as any)
      .insertInto('node_set_members')
      .values({
        set_id: 's',
        idx: 0,
        cloud: 'c',
        name: 'm',
        request: '{}',
        mark: 's',
        step: 'created',
        node_id: 'node-1000005',
        updated_at: now,
      })
      .execute();
    const sequence = new DummyIdSequence(db, 'c');
    expect(await sequence.seed(3)).toBe(3);
    expect(await sequence.issue(0)).toBe(1_000_006);
  });
});
