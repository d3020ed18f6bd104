import type { ConfigService } from '@nestjs/config';
import { CloudError } from '../cloud/driver/cloud-error';
import type { ComputeService, NodeView } from '../compute/compute.service';
import type { OperationPatch, OperationRecord, StateStore } from '../store/state-store';
import { OperationWatcher } from './operation-watcher';
import type { OperationsService } from './operations.service';

/**
 * The watcher's pacing per cloud, pass by pass on a fake clock (no timers run, nothing timed): a
 * cloud whose listing fails is listed at doubling intervals up to maxPollIntervalMs, the others every
 * pass, and a cloud that recovers is listed every pass again.
 */
describe('OperationWatcher backoff', () => {
  const POLL_MS = 1_000;
  const MAX_POLL_MS = 8_000;
  let ops: OperationRecord[];
  let patches: Array<{ id: string; patch: OperationPatch }>;
  let failing: Set<string>;
  let listings: Array<{ cloud: string; at: number }>;
  let watcher: OperationWatcher;

  const operation = (id: string, cloud: string, deadline = 1_000_000): OperationRecord => ({
    id,
    kind: 'createNode',
    cloud,
    target: `node-${id}`,
    state: 'running',
    createdAt: 0,
    updatedAt: 0,
    deadline,
    nodeState: null,
    result: null,
    error: null,
  });
  /** Runs the watcher's pass at `now` (the clock reads `now` during it), as its timer would. */
  const passAt = async (now: number) => {
    jest.setSystemTime(now);
    await watcher.tick(now);
  };
  /** The times at which `cloud` was listed. */
  const listedAt = (cloud: string) => listings.filter((l) => l.cloud === cloud).map((l) => l.at);

  beforeEach(() => {
    jest.useFakeTimers({ now: 0 });
    ops = [operation('op-a', 'flaky'), operation('op-b', 'steady')];
    patches = [];
    failing = new Set();
    listings = [];
    const store = {
      claimOperations: jest.fn(async () => ops.filter((op) => op.state === 'running')),
      updateOperation: jest.fn(async (id: string, _owner: string, patch: OperationPatch) => {
        patches.push({ id, patch });
        const op = ops.find((o) => o.id === id)!;
        Object.assign(op, patch);
        return true;
      }),
    } as unknown as StateStore;
    const compute = {
      allNodesOfCloud: jest.fn(async (cloud: string): Promise<NodeView[]> => {
        listings.push({ cloud, at: Date.now() });
        if (failing.has(cloud)) throw new CloudError('unavailable', `cloud "${cloud}": list nodes: HTTP 503`);
        // Still booting: the operations stay running, so every pass has something to poll for.
        return ops.filter((op) => op.cloud === cloud).map((op) => ({ id: op.target, state: 'pending' }) as NodeView);
      }),
    } as unknown as ComputeService;
    const operations = { announce: jest.fn() } as unknown as OperationsService;
    const config = {
      getOrThrow: () => ({ operations: { pollIntervalMs: POLL_MS, maxPollIntervalMs: MAX_POLL_MS, leaseMs: 30_000 } }),
    } as unknown as ConfigService;
    watcher = new OperationWatcher(store, 'replica-1', compute, operations, config);
  });
  afterEach(() => jest.useRealTimers());

  it('lists a failing cloud at doubling intervals up to the maximum, the healthy one every pass, and the recovered one every pass again', async () => {
    failing.add('flaky');
    // Passes every pollIntervalMs for 30 s: the flaky cloud fails for the first 22 s.
    for (let now = 0; now <= 30_000; now += POLL_MS) {
      if (now === 22_000) failing.delete('flaky');
      await passAt(now);
    }
    const flaky = listedAt('flaky');
    // Failed at 0, 2, 6, 14 (gaps 2, 4, 8 s), then the 8 s cap: 22 s, where it answers again,
    // and from then on every pass.
    expect(flaky).toEqual([0, 2_000, 6_000, 14_000, 22_000, ...range(23_000, 30_000, POLL_MS)]);
    const gaps = flaky.slice(1).map((at, i) => at - flaky[i]);
    expect(gaps.slice(0, 4)).toEqual([2_000, 4_000, 8_000, 8_000]);
    expect(new Set(gaps.slice(4))).toEqual(new Set([POLL_MS]));
    // The other cloud never waited for it.
    expect(listedAt('steady')).toEqual(range(0, 30_000, POLL_MS));
    // The operations are still running (their nodes still boot): nothing failed them.
    expect(ops.map((op) => op.state)).toEqual(['running', 'running']);
  });

  it('starts the backoff over after a recovery: the next failure waits one doubled interval, not the maximum', async () => {
    failing.add('flaky');
    for (let now = 0; now <= 14_000; now += POLL_MS) await passAt(now); // failed at 0, 2, 6, 14 s
    failing.delete('flaky');
    for (let now = 15_000; now <= 22_000; now += POLL_MS) await passAt(now); // 22 s: answers
    failing.add('flaky');
    for (let now = 23_000; now <= 30_000; now += POLL_MS) await passAt(now);
    expect(listedAt('flaky')).toEqual([0, 2_000, 6_000, 14_000, 22_000, 23_000, 25_000, 29_000]);
  });

  it("still fails an operation at its deadline while its cloud is backed off, naming the cloud's last error, without listing it", async () => {
    ops = [operation('op-a', 'flaky', 5_000)];
    failing.add('flaky');
    for (let now = 0; now <= 5_000; now += POLL_MS) await passAt(now);
    expect(listedAt('flaky')).toEqual([0, 2_000]); // backed off until 6 s
    expect(ops[0].state).toBe('failed');
    const failed = patches.find((p) => p.patch.state === 'failed')!;
    expect(failed.id).toBe('op-a');
    expect(JSON.parse(String(failed.patch.error))).toMatchObject({
      type: 'urn:cloud-orchestrator:problem:operation-timeout',
      cloud: 'flaky',
      detail: expect.stringContaining('last error listing the cloud: cloud "flaky": list nodes: HTTP 503'),
    });
  });
});

/** from, from + step, …, to (inclusive). */
function range(from: number, to: number, step: number): number[] {
  return Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);
}
