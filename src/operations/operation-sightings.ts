import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PeriodicPass } from '../cloud/periodic-pass';
import type { NodeView } from '../compute/compute.service';
import { NodeObserver, NodeSightings } from '../compute/node-sightings';
import type { OperationsSettings, Settings } from '../config/settings.schema';
import { STATE_STORE } from '../store/state-store';
import type { OperationRecord, StateStore } from '../store/state-store';
import { cancelledProblem, decideFromNode, Outcome, outcomePatch } from './operation-outcome';
import { OperationsService } from './operations.service';
import type { PendingOperation } from './pending-operations';

type FinalOutcome = Exclude<Outcome, { state: 'running' }>;

/**
 * Completes operations from what the service itself sees, so an operation never contradicts an
 * answer the service gave: a getNode, listNodes or listAllNodes answer, or a write's answer (createNode
 * after a cut-off attempt, reboot, start, stop), that shows a node in the state an operation waits for
 * (or in `error`) finishes that operation before the answer is sent, instead of at the watcher's next
 * pass. Reads are checked against an in-memory index of the running node operations (no store query
 * per node or per request); the store is written only when an operation ends, conditionally (only if
 * still running), so replicas sharing the store and the watcher never decide one operation twice. The
 * index is refreshed from the store every pollIntervalMs for the operations other replicas start.
 *
 * A destroyNode through the service settles the operations still waiting on its node: once the cloud
 * accepted the destroy they end cancelled by it (409 operation-cancelled). Still waiting means no read
 * through the service and no watcher pass saw the node in the state they wait for (either would have
 * finished them), so the service cannot say they succeeded; the node is not read again before the
 * destroy, which stays one cloud call (on EC2 a read of a node launched a moment ago can take
 * several NotFound retries).
 */
@Injectable()
export class OperationSightings implements NodeObserver, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Operations');
  private readonly settings: OperationsSettings;
  /** Completions being written, by operation id: a second sighting meanwhile waits for the same write. */
  private readonly finishing = new Map<string, Promise<void>>();
  /** The index refresh: the running operations other replicas started, every pollIntervalMs. */
  private readonly refreshes: PeriodicPass;

  constructor(
    @Inject(STATE_STORE) private readonly store: StateStore,
    private readonly operations: OperationsService,
    sightings: NodeSightings,
    @Inject(ConfigService) config: ConfigService,
  ) {
    this.settings = config.getOrThrow<Settings>('settings').operations;
    sightings.register(this);
    this.refreshes = new PeriodicPass(
      () => this.operations.pending.refresh(() => this.store.runningNodeOperations()),
      this.settings.pollIntervalMs,
      this.logger,
      'reading the running operations failed',
    );
  }

  onApplicationBootstrap(): void {
    this.refreshes.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.refreshes.stop();
    await Promise.all(this.finishing.values());
  }

  seen(nodes: readonly NodeView[], readAt: number): Promise<void> | undefined {
    const pending = this.operations.pending;
    if (!pending.size) return undefined;
    let work: Promise<void>[] | undefined;
    for (const node of nodes) {
      const ops = pending.on(node.cloud, node.id);
      if (!ops) continue;
      for (const op of ops.values()) {
        // A read sent before the write this operation follows shows the node from before it (a reboot
        // would look done while the node still runs).
        if (readAt < op.createdAt) continue;
        const outcome = decideFromNode(op, node);
        if (outcome.state !== 'running') (work ??= []).push(this.finish(op, outcome));
      }
    }
    return work && Promise.all(work).then(() => undefined);
  }

  /** The operations waiting on a node about to be destroyed, and how to settle them once it is. */
  async destroying(cloud: string, nodeId: string): Promise<(() => Promise<void>) | undefined> {
    let ops: OperationRecord[];
    try {
      // The store, not the index: an operation another replica started a moment ago counts too.
      ops = (await this.store.runningNodeOperations({ cloud, target: nodeId })).filter(
        (op) => op.kind !== 'destroyNode',
      );
    } catch (error) {
      this.logger.warn(`reading the operations of node ${nodeId} before destroying it failed: ${message(error)}`);
      return undefined;
    }
    if (!ops.length) return undefined;
    return async () => {
      await Promise.all(
        ops.map((op) =>
          this.finish(op, { state: 'failed', nodeState: op.nodeState, error: cancelledProblem(op, op.nodeState) }),
        ),
      );
    };
  }

  /** Ends an operation in the store if it still runs there; never rejects (the watcher decides it otherwise). */
  private finish(op: PendingOperation, outcome: FinalOutcome): Promise<void> {
    const already = this.finishing.get(op.id);
    if (already) return already;
    const write = this.store
      .finishOperation(op.id, { ...outcomePatch(outcome), updatedAt: Date.now() })
      .then((changed) => {
        if (changed) this.operations.announce(op.id, true);
        else this.operations.pending.remove(op.id); // decided elsewhere first
      })
      .catch((error: unknown) =>
        this.logger.warn(`recording operation ${op.id} as ${outcome.state} failed: ${message(error)}`),
      )
      .finally(() => this.finishing.delete(op.id));
    this.finishing.set(op.id, write);
    return write;
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
