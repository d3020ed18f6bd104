import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PeriodicPass } from '../cloud/periodic-pass';
import { CloudError } from '../cloud/driver/cloud-error';
import { ComputeService, NodeView } from '../compute/compute.service';
import type { OperationsSettings, Settings } from '../config/settings.schema';
import { REPLICA_ID } from '../store/store.module';
import { STATE_STORE } from '../store/state-store';
import type { OperationPatch, OperationRecord, StateStore } from '../store/state-store';
import { decide, goneProblem, outcomePatch, timeoutProblem, waitsForGone } from './operation-outcome';
import { OperationsService } from './operations.service';

/** Most running operations one replica holds at a time. */
const CLAIM_LIMIT = 1_000;

interface CloudPacing {
  /** Not before this time (epoch ms). */
  nextPollAt: number;
  intervalMs: number;
  lastError?: string;
}

/**
 * Finishes running operations on the service side. Each tick it claims (or renews its lease on) the
 * running operations that are its own or whose replica stopped renewing, then lists each cloud that
 * has any ONCE (all pages) and decides every operation of that cloud from that one listing, so the
 * load on a cloud does not grow with the number of waiting operations. A cloud whose listing fails
 * is polled with exponential backoff (doubling up to maxPollIntervalMs); deadlines still apply.
 */
@Injectable()
export class OperationWatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Operations');
  private readonly settings: OperationsSettings;
  private readonly pacing = new Map<string, CloudPacing>();
  /** Listings in a row each running operation's node was missing from, by operation id (this replica's). */
  private readonly missing = new Map<string, number>();
  private readonly passes: PeriodicPass;

  constructor(
    @Inject(STATE_STORE) private readonly store: StateStore,
    @Inject(REPLICA_ID) private readonly replica: string,
    private readonly compute: ComputeService,
    private readonly operations: OperationsService,
    @Inject(ConfigService) config: ConfigService,
  ) {
    this.settings = config.getOrThrow<Settings>('settings').operations;
    this.passes = new PeriodicPass(() => this.tick(), this.settings.pollIntervalMs, this.logger, 'watcher pass failed');
  }

  onApplicationBootstrap(): void {
    this.passes.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.passes.stop();
  }

  /** One pass; exposed for tests that drive the watcher step by step. */
  async tick(now = Date.now()): Promise<void> {
    const ops = await this.store.claimOperations(this.replica, now + this.settings.leaseMs, now, CLAIM_LIMIT);
    const byCloud = new Map<string, OperationRecord[]>();
    for (const op of ops) byCloud.set(op.cloud, [...(byCloud.get(op.cloud) ?? []), op]);
    const held = new Set(ops.map((op) => op.id));
    for (const id of this.missing.keys()) if (!held.has(id)) this.missing.delete(id);
    await Promise.all([...byCloud].map(([cloud, cloudOps]) => this.pollCloud(cloud, cloudOps, now)));
  }

  private async pollCloud(cloud: string, ops: OperationRecord[], now: number): Promise<void> {
    const pacing = this.pacing.get(cloud) ?? { nextPollAt: 0, intervalMs: this.settings.pollIntervalMs };
    this.pacing.set(cloud, pacing);
    if (now < pacing.nextPollAt) {
      await Promise.all(ops.filter((op) => now >= op.deadline).map((op) => this.timeOut(op, pacing.lastError)));
      return;
    }
    let nodes: Map<string, NodeView>;
    try {
      nodes = new Map((await this.compute.allNodesOfCloud(cloud)).map((n) => [n.id, n]));
      pacing.intervalMs = this.settings.pollIntervalMs;
      pacing.lastError = undefined;
      pacing.nextPollAt = now + pacing.intervalMs;
    } catch (error) {
      pacing.intervalMs = Math.min(pacing.intervalMs * 2, this.settings.maxPollIntervalMs);
      pacing.nextPollAt = Date.now() + pacing.intervalMs;
      pacing.lastError = CloudError.is(error) ? error.message : 'the cloud could not be listed';
      await Promise.all(ops.filter((op) => now >= op.deadline).map((op) => this.timeOut(op, pacing.lastError)));
      return;
    }
    await Promise.all(ops.map((op) => this.settle(op, nodes.get(op.target), now)));
  }

  /**
   * Decides one operation from its cloud's listing. A node missing from it (not for a destroy) may be
   * listed late (EC2 is eventually consistent), so only after goneAfterPasses listings in a row is it
   * asked for by id: one the cloud no longer has fails the operation now instead of at its deadline;
   * one the cloud still has is decided from that answer; any other answer waits for the next pass.
   */
  private async settle(op: OperationRecord, listed: NodeView | undefined, now: number): Promise<void> {
    if (listed || waitsForGone(op.kind)) {
      this.missing.delete(op.id);
      return this.apply(op, listed, now);
    }
    const passes = (this.missing.get(op.id) ?? 0) + 1;
    this.missing.set(op.id, passes);
    if (passes < this.settings.goneAfterPasses) return this.apply(op, undefined, now);
    try {
      const node = await this.compute.getNode(op.cloud, op.target);
      this.missing.delete(op.id); // listed late after all: the grace starts again
      return this.apply(op, node, now);
    } catch (error) {
      if (!CloudError.is(error) || error.kind !== 'not_found') return this.apply(op, undefined, now);
      this.missing.delete(op.id);
      await this.finish(op, { state: 'failed', nodeState: 'gone', error: JSON.stringify(goneProblem(op)) });
    }
  }

  private async apply(op: OperationRecord, node: NodeView | undefined, now: number): Promise<void> {
    const outcome = decide(op, node, now);
    if (outcome.state === 'running' && outcome.nodeState === op.nodeState) return;
    await this.finish(op, outcomePatch(outcome));
  }

  private async timeOut(op: OperationRecord, lastError?: string): Promise<void> {
    await this.finish(op, { state: 'failed', error: JSON.stringify(timeoutProblem(op, op.nodeState, lastError)) });
  }

  /** Records a change of the operation (while this replica holds it) and tells its waiters. */
  private async finish(op: OperationRecord, patch: Omit<OperationPatch, 'updatedAt'>): Promise<void> {
    const changed = await this.store.updateOperation(op.id, this.replica, { ...patch, updatedAt: Date.now() });
    if (changed) this.operations.announce(op.id, patch.state !== undefined && patch.state !== 'running');
  }
}
