import type { ConfigService } from '@nestjs/config';
import type { NodeView } from '../compute/compute.service';
import { NodeSightings } from '../compute/node-sightings';
import type { OperationPatch, OperationRecord, StateStore } from '../store/state-store';
import { OperationSightings } from './operation-sightings';
import { OperationsService } from './operations.service';
import { PendingOperations } from './pending-operations';

/**
 * OperationSightings on a fake store: which sightings complete an operation, that each completion is
 * one conditional write (a replica or the watcher that finished it first wins), and that the
 * in-memory index keeps what changed here while it was being refreshed from the store.
 */
describe('OperationSightings', () => {
  let rows: Map<string, OperationRecord>;
  let writes: Array<{ id: string; patch: OperationPatch }>;
  let pending: PendingOperations;
  let announced: Array<{ id: string; done: boolean }>;
  let sightings: NodeSightings;

  const op = (id: string, kind: OperationRecord['kind'], target: string, createdAt = 1_000): OperationRecord => ({
    id,
    kind,
    cloud: 'c1',
    target,
    state: 'running',
    createdAt,
    updatedAt: createdAt,
    deadline: createdAt + 600_000,
    nodeState: 'pending',
    result: null,
    error: null,
  });
  const node = (id: string, state: NodeView['state'], cloud = 'c1') => ({ id, cloud, state }) as NodeView;
  const track = (record: OperationRecord) => {
    rows.set(record.id, record);
    pending.add(record);
  };

  beforeEach(() => {
    rows = new Map();
    writes = [];
    announced = [];
    pending = new PendingOperations();
    const store = {
      // Conditional, as the real store: only a running operation changes.
      finishOperation: jest.fn(async (id: string, patch: OperationPatch) => {
        writes.push({ id, patch });
        const row = rows.get(id);
        if (!row || row.state !== 'running') return false;
        Object.assign(row, patch);
        return true;
      }),
      runningNodeOperations: jest.fn(async () => [...rows.values()].filter((r) => r.state === 'running')),
    } as unknown as StateStore;
    const operations = {
      pending,
      announce: (id: string, done = false) => {
        announced.push({ id, done });
        if (done) pending.remove(id);
      },
    } as unknown as OperationsService;
    const config = { getOrThrow: () => ({ operations: { pollIntervalMs: 1_000 } }) } as unknown as ConfigService;
    sightings = new NodeSightings();
    new OperationSightings(store, operations, sightings, config);
  });

  it('nothing waits: no promise, no write', () => {
    expect(sightings.seen([node('n1', 'running')], 2_000)).toBeUndefined();
    expect(writes).toEqual([]);
  });

  it('completes each kind at its own target state, and fails one whose node reached error', async () => {
    track(op('create', 'createNode', 'n1'));
    track(op('stop', 'stopNode', 'n2'));
    track(op('reboot', 'rebootNode', 'n3'));
    track(op('start', 'startNode', 'n4'));
    // Not the states they wait for: nothing is written.
    expect(
      sightings.seen([node('n1', 'pending'), node('n2', 'stopping'), node('n3', 'rebooting')], 2_000),
    ).toBeUndefined();
    await sightings.seen(
      [node('n1', 'running'), node('n2', 'stopped'), node('n3', 'running'), node('n4', 'error')],
      2_000,
    );
    expect(Object.fromEntries([...rows.values()].map((r) => [r.id, [r.state, r.nodeState]]))).toEqual({
      create: ['succeeded', 'running'],
      stop: ['succeeded', 'stopped'],
      reboot: ['succeeded', 'running'],
      start: ['failed', 'error'],
    });
    expect(JSON.parse(rows.get('create')!.result!)).toEqual({ id: 'n1', cloud: 'c1', state: 'running' });
    expect(JSON.parse(rows.get('start')!.error!)).toMatchObject({ type: 'urn:cloud-orchestrator:problem:node-failed' });
    expect(pending.size).toBe(0);
  });

  it('ignores a read sent before the operation began (it shows the node from before the write)', async () => {
    track(op('reboot', 'rebootNode', 'n1', 5_000));
    expect(sightings.seen([node('n1', 'running')], 4_999)).toBeUndefined();
    expect(rows.get('reboot')!.state).toBe('running');
    await sightings.seen([node('n1', 'running')], 5_000);
    expect(rows.get('reboot')!.state).toBe('succeeded');
  });

  it('a node of the same id on another cloud is another node', () => {
    track(op('create', 'createNode', 'n1'));
    expect(sightings.seen([node('n1', 'running', 'c2')], 2_000)).toBeUndefined();
  });

  it('two reads at once write once; a completion another replica made first is not announced', async () => {
    track(op('a', 'createNode', 'n1'));
    await Promise.all([sightings.seen([node('n1', 'running')], 2_000), sightings.seen([node('n1', 'running')], 2_000)]);
    expect(writes.map((w) => w.id)).toEqual(['a']);
    expect(announced).toEqual([{ id: 'a', done: true }]);

    track(op('b', 'createNode', 'n2'));
    rows.get('b')!.state = 'failed'; // decided elsewhere (the watcher, another replica) since
    await sightings.seen([node('n2', 'running')], 2_000);
    expect(rows.get('b')!.state).toBe('failed');
    expect(announced).toHaveLength(1);
    expect(pending.on('c1', 'n2')).toBeUndefined(); // dropped from the index: no more writes for it
  });

  it('a destroy settles the waiting operations as cancelled once the cloud accepted it, and reads nothing', async () => {
    track(op('create', 'createNode', 'n1'));
    track(op('stop', 'stopNode', 'n1'));
    const settle = await sightings.destroying('c1', 'n1');
    expect(rows.get('create')!.state).toBe('running'); // nothing decided before the destroy is sent
    await settle!();
    for (const id of ['create', 'stop']) {
      expect(rows.get(id)).toMatchObject({ state: 'failed' });
      expect(JSON.parse(rows.get(id)!.error!)).toMatchObject({
        type: 'urn:cloud-orchestrator:problem:operation-cancelled',
        status: 409,
      });
    }
    // No operation waits: nothing to settle.
    expect(await sightings.destroying('c1', 'n9')).toBeUndefined();
  });
});

describe('PendingOperations.refresh', () => {
  const pendingOp = (id: string, target: string) => ({
    id,
    kind: 'createNode' as const,
    cloud: 'c1',
    target,
    createdAt: 0,
  });

  it("replaces the index with the store's view but keeps what this process added or ended meanwhile", async () => {
    const pending = new PendingOperations();
    pending.add(pendingOp('ended-here', 'n1'));
    pending.add(pendingOp('ended-elsewhere', 'n2'));
    await pending.refresh(async () => {
      // While the store is read: one operation starts here, one ends here.
      pending.add(pendingOp('new-here', 'n3'));
      pending.remove('ended-here');
      return [pendingOp('ended-here', 'n1'), pendingOp('other-replica', 'n4')];
    });
    expect(['n1', 'n2', 'n3', 'n4'].map((n) => [...(pending.on('c1', n)?.keys() ?? [])])).toEqual([
      [],
      [],
      ['new-here'],
      ['other-replica'],
    ]);
    expect(pending.size).toBe(2);
  });
});
