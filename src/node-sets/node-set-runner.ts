import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { bulkhead, BulkheadPolicy } from 'cockatiel';
import { problemType, type Problem } from '../api/problem/problem';
import { PeriodicPass } from '../cloud/periodic-pass';
import { CloudError, type CloudErrorKind } from '../cloud/driver/cloud-error';
import { ComputeService, NodeView } from '../compute/compute.service';
import { DEFAULT_MAX_CONCURRENT_CREATES, NodeSetsSettings, Settings } from '../config/settings.schema';
import { OperationsService } from '../operations/operations.service';
import { REPLICA_ID } from '../store/store.module';
import { STATE_STORE } from '../store/state-store';
import type { StateStore } from '../store/state-store';
import { NodeSetStore } from './node-set-store';
import { nodeSetView } from './node-set-view';
import { isMemberNode } from './member-identity';
import { MemberRecord, NODE_SET_METADATA_KEY, NodeSetRecord } from './node-set.model';

/** Most active sets one replica drives at a time. */
const CLAIM_LIMIT = 200;
/** Passes a created member may be missing from its cloud's listing (clouds that list late) before it is looked up. */
const GONE_AFTER_POLLS = 10;
/** Create failures after which the node may exist (the create may have reached the cloud). */
const UNCERTAIN = new Set<CloudErrorKind>(['outcome_unknown', 'timeout', 'unavailable', 'circuit_open']);

interface CloudBackoff {
  until: number;
  delayMs: number;
}

/**
 * Drives node sets from their journal. Each tick it claims (or renews its lease on) the active sets
 * that are its own or whose replica stopped renewing, and advances each one step: creates for members
 * not yet sent (bounded per cloud by maxConcurrentCreates, a cockatiel bulkhead), one listing per cloud
 * to see members reach `running`, and on any failure the rollback: every member that has or may have a
 * node is destroyed and waited for until gone. A member whose create was sent but never recorded
 * (`creating` after a crash) is looked up in its cloud by its mark: adopted while creating, destroyed
 * while rolling back. A cloud that fails during rollback is retried with doubling backoff; the others
 * go on. Everything the runner writes is fenced by the set's lease (see NodeSetStore).
 */
@Injectable()
export class NodeSetRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('NodeSets');
  readonly store: NodeSetStore;
  private readonly settings: NodeSetsSettings;
  private readonly cloudSettings: Settings['clouds'];
  /** How long a created member may be missing from its cloud's listing before it is asked for by id. */
  private readonly goneAfterMs: number;
  /** Cloud calls in flight, by `setId:index`: a member is never sent two calls at once. */
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly advancing = new Map<string, Promise<void>>();
  private readonly limits = new Map<string, BulkheadPolicy>();
  private readonly backoff = new Map<string, CloudBackoff>();
  private readonly passes: PeriodicPass;

  constructor(
    @Inject(STATE_STORE) stateStore: StateStore,
    @Inject(REPLICA_ID) private readonly replica: string,
    private readonly compute: ComputeService,
    private readonly operations: OperationsService,
    @Inject(ConfigService) config: ConfigService,
  ) {
    const settings = config.getOrThrow<Settings>('settings');
    this.settings = settings.nodeSets;
    this.cloudSettings = settings.clouds;
    this.store = new NodeSetStore(stateStore);
    this.goneAfterMs = GONE_AFTER_POLLS * this.settings.pollIntervalMs;
    this.passes = new PeriodicPass(
      () => this.tick(),
      this.settings.pollIntervalMs,
      this.logger,
      'node set pass failed',
    );
  }

  onApplicationBootstrap(): void {
    this.passes.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.passes.stop();
    await Promise.allSettled([...this.advancing.values()]);
  }

  /** The lease a replica takes on a set it starts driving now. */
  lease(): { owner: string; until: number } {
    return { owner: this.replica, until: Date.now() + this.settings.leaseMs };
  }

  /** Runs a pass now (a set was just created or a delete started), without waiting for it. */
  wake(): void {
    this.passes.wake();
  }

  /** One pass: claim, then advance every claimed set not already advancing. Exposed for tests. */
  async tick(now = Date.now()): Promise<void> {
    const sets = await this.store.claim(this.replica, now + this.settings.leaseMs, now, CLAIM_LIMIT);
    for (const set of sets) {
      if (this.advancing.has(set.id)) continue;
      const run = this.advance(set)
        .catch((error: unknown) => this.logger.warn(`node set ${set.id}: pass failed: ${(error as Error).message}`))
        .finally(() => this.advancing.delete(set.id));
      this.advancing.set(set.id, run);
    }
  }

  private async advance(set: NodeSetRecord): Promise<void> {
    const members = await this.store.members(set.id);
    if (set.state === 'creating') await this.advanceCreate(set, members);
    else await this.advanceRemoval(set, members);
  }

  // ---- creating ------------------------------------------------------------------------------

  private async advanceCreate(set: NodeSetRecord, members: MemberRecord[]): Promise<void> {
    for (const m of members) {
      if ((m.step === 'planned' || m.step === 'creating') && !this.busy(m)) this.launchCreate(set, m);
    }
    const waiting = members.filter((m) => m.step === 'created' && !this.busy(m));
    for (const [cloud, cloudMembers] of byCloud(waiting)) {
      let nodes: Map<string, NodeView>;
      try {
        nodes = new Map((await this.compute.allNodesOfCloud(cloud)).map((n) => [n.id, n]));
      } catch {
        continue; // the deadline still applies
      }
      for (const m of cloudMembers) {
        const listed = nodes.get(m.nodeId!);
        // A node under the member's id without its set's mark is not the member (clouds reuse ids).
        const node = listed && isMemberNode(this.compute, m, listed) ? listed : undefined;
        if (!node) {
          // Some clouds list a new node only after a moment; one missing for longer is asked for by
          // id, and one its cloud no longer has (destroyed outside the set) fails the set now, not
          // at its timeout.
          if (Date.now() - m.updatedAt < this.goneAfterMs || !(await this.isGone(m))) continue;
          await this.updateMember(set, m, { step: 'failed', nodeState: 'gone' }, 'node_gone', m.nodeId!);
          await this.fail(set, m, `node ${m.nodeId} is gone from its cloud (destroyed outside the set)`, 502);
          return;
        }
        if (node.state === 'running') {
          if (await this.updateMember(set, m, { step: 'running', nodeState: 'running' }, 'running'))
            Object.assign(m, { step: 'running', nodeState: 'running' });
        } else if (node.state === 'error' || node.state === 'terminated') {
          await this.updateMember(set, m, { step: 'failed', nodeState: node.state }, 'node_failed', node.state);
          await this.fail(set, m, `node ${node.id} reached ${node.state} instead of running`, 502);
          return;
        } else if (node.state !== m.nodeState) {
          await this.updateMember(set, m, { nodeState: node.state }, 'node_state', node.state);
        }
      }
    }
    if (members.every((m) => m.step === 'running')) {
      // Ready only if every member's `running` is recorded (checked under the set's lock), and the
      // operation's result is the set as that transaction leaves it: what GET reads right after.
      if (
        await this.store.transition(this.replica, set.id, ['creating'], 'ready', {
          when: (recorded) => recorded.every((m) => m.step === 'running'),
          end: { state: 'succeeded', result: nodeSetView },
        })
      )
        this.operations.announce(set.operationId);
      return;
    }
    if (Date.now() >= set.deadline) {
      const late = members.find((m) => m.step !== 'running')!;
      const seconds = Math.round((set.deadline - set.createdAt) / 1000);
      await this.fail(
        set,
        late,
        `not running within the set's timeout of ${seconds} s (step ${late.step}${late.nodeState ? `, last seen ${late.nodeState}` : ''})`,
        504,
      );
    }
  }

  /**
   * True when the member's cloud answers that its node does not exist, or has under its id a node
   * without the set's mark (another node); false on any other answer.
   */
  private async isGone(m: MemberRecord): Promise<boolean> {
    try {
      return !isMemberNode(this.compute, m, await this.compute.getNode(m.cloud, m.nodeId!));
    } catch (error) {
      return CloudError.is(error) && error.kind === 'not_found';
    }
  }

  private launchCreate(set: NodeSetRecord, m: MemberRecord): void {
    this.track(m, async () => {
      // A member is `creating` in the journal before its create can leave: after a crash, that step
      // says "look for it in the cloud by its mark" instead of "create it".
      if (m.step === 'planned' && !(await this.updateMember(set, m, { step: 'creating' }, 'create_sent'))) return;
      const recovering = m.step === 'creating';
      let node: NodeView;
      try {
        node = await this.limit(m.cloud).execute(async () => {
          // Queued creates of a set that has started rolling back are never sent.
          const now = await this.store.get(set.id);
          if (now?.state !== 'creating') throw new Cancelled();
          return this.compute.createNode(m.cloud, this.createRequest(set, m), recovering);
        });
      } catch (error) {
        if (error instanceof Cancelled) {
          // Not sent now; an earlier attempt (recovering) may have been: the rollback looks it up.
          if (!recovering) await this.updateMember(set, m, { step: 'cancelled' }, 'cancelled');
          return;
        }
        const cause = describe(error);
        const mayExist = CloudError.is(error) && UNCERTAIN.has(error.kind);
        await this.updateMember(
          set,
          m,
          mayExist ? { error: cause } : { step: 'failed', error: cause },
          mayExist ? 'create_uncertain' : 'create_refused',
          cause,
        );
        await this.fail(set, m, `create ${mayExist ? 'failed' : 'refused'}: ${cause}`, statusOf(error));
        return;
      }
      await this.updateMember(
        set,
        m,
        { step: node.state === 'running' ? 'running' : 'created', nodeId: node.id, nodeState: node.state, error: null },
        recovering ? 'adopted' : 'created',
        node.id,
      );
    });
  }

  private createRequest(set: NodeSetRecord, m: MemberRecord) {
    const metadataOk = this.compute.getCloud(m.cloud).capabilities.metadata;
    return {
      name: m.name,
      ...m.request,
      ...(metadataOk ? { metadata: { ...(m.request.metadata ?? {}), [NODE_SET_METADATA_KEY]: set.id } } : {}),
      clientToken: m.mark,
    };
  }

  /** Ends the create phase: the set rolls back, and its error names the member, its cloud and the cause. */
  private async fail(set: NodeSetRecord, m: MemberRecord, cause: string, status: number): Promise<void> {
    const error: Problem = {
      type: problemType('node-set-member-failed'),
      title: 'A member of the node set failed; the set was rolled back',
      status,
      detail: `member "${m.name}" on cloud "${m.cloud}": ${cause}`,
      cloud: m.cloud,
      member: m.name,
    };
    if (await this.store.transition(this.replica, set.id, ['creating'], 'rolling_back', { error })) {
      this.logger.warn(`node set ${set.id}: rolling back: ${error.detail}`);
      this.operations.announce(set.operationId);
      this.wake();
    }
  }

  // ---- rolling back and deleting --------------------------------------------------------------

  private async advanceRemoval(set: NodeSetRecord, members: MemberRecord[]): Promise<void> {
    const now = Date.now();
    const open = members.filter((m) => !isSettled(m));
    await Promise.all(
      [...byCloud(open.filter((m) => !this.busy(m)))].map(async ([cloud, cloudMembers]) => {
        const pause = this.backoff.get(cloud);
        if (pause && now < pause.until) return;
        try {
          await this.removeOnCloud(set, cloud, cloudMembers);
          this.backoff.delete(cloud);
        } catch (error) {
          // A cloud that is down does not hold up the others; this one is retried with backoff.
          const delayMs = Math.min(
            pause ? pause.delayMs * 2 : this.settings.retryBackoffMs,
            this.settings.maxRetryBackoffMs,
          );
          this.backoff.set(cloud, { until: Date.now() + delayMs, delayMs });
          const cause = describe(error);
          this.logger.warn(
            `node set ${set.id}: cloud ${cloud}: rollback step failed, retrying in ${delayMs} ms: ${cause}`,
          );
          for (const m of cloudMembers) {
            if (m.error !== cause) await this.updateMember(set, m, { error: cause }, 'retry', cause);
          }
        }
      }),
    );
    const after = await this.store.members(set.id);
    if (after.every(isSettled) && !after.some((m) => this.busy(m))) {
      const ended =
        set.state === 'deleting'
          ? await this.store.transition(this.replica, set.id, ['deleting'], 'deleted', {
              when: (recorded) => recorded.every(isSettled),
              end: { state: 'succeeded', result: nodeSetView },
            })
          : await this.store.transition(this.replica, set.id, ['rolling_back'], 'failed', {
              when: (recorded) => recorded.every(isSettled),
              end: { state: 'failed', error: set.error ?? undefined },
            });
      if (ended) this.operations.announce(set.operationId);
    }
  }

  /** One cloud's part of a rollback or delete: throws on the first cloud failure (the caller backs off). */
  private async removeOnCloud(set: NodeSetRecord, cloud: string, members: MemberRecord[]): Promise<void> {
    for (const m of members) {
      if (m.step === 'planned') {
        await this.updateMember(set, m, { step: 'cancelled' }, 'cancelled');
      } else if (m.step === 'creating') {
        // Sent but never recorded: the cloud knows by the mark whether it made the node.
        const found = await this.compute.findNodeByClientToken(cloud, m.mark, m.name);
        if (found) {
          await this.updateMember(set, m, { nodeId: found.id, nodeState: found.state }, 'adopted', found.id);
          await this.destroy(set, { ...m, nodeId: found.id });
        } else
          await this.updateMember(set, m, { step: 'cancelled' }, 'cancelled', 'not found in the cloud by its mark');
      } else if (m.nodeId && m.step !== 'destroying') {
        await this.destroy(set, m);
      }
    }
    const destroying = (await this.store.members(set.id)).filter((m) => m.cloud === cloud && m.step === 'destroying');
    if (!destroying.length) return;
    const nodes = new Map((await this.compute.allNodesOfCloud(cloud)).map((n) => [n.id, n]));
    for (const m of destroying) {
      const listed = nodes.get(m.nodeId!);
      const node = listed && isMemberNode(this.compute, m, listed) ? listed : undefined;
      if (!node || node.state === 'terminated')
        await this.updateMember(
          set,
          m,
          { step: 'destroyed', nodeState: node ? 'terminated' : 'gone', error: null },
          'destroyed',
        );
      else if (node.state !== m.nodeState)
        await this.updateMember(set, m, { nodeState: node.state }, 'node_state', node.state);
    }
  }

  /**
   * Destroys the member's node, after reading it: a node under its id without the set's mark is
   * another node (clouds reuse ids), which is left alone while the member is recorded as gone.
   */
  private async destroy(set: NodeSetRecord, m: MemberRecord): Promise<void> {
    try {
      const node = await this.compute.getNode(m.cloud, m.nodeId!);
      if (!isMemberNode(this.compute, m, node)) {
        await this.updateMember(
          set,
          m,
          { step: 'destroyed', nodeState: 'gone', error: null },
          'destroyed',
          `gone: node ${node.id} carries no mark of this set (another node with the member's id), left alone`,
        );
        return;
      }
      await this.compute.destroyNode(m.cloud, m.nodeId!);
    } catch (error) {
      if (CloudError.is(error) && error.kind === 'not_found') {
        await this.updateMember(
          set,
          m,
          { step: 'destroyed', nodeState: 'gone', error: null },
          'destroyed',
          'already gone',
        );
        return;
      }
      throw error;
    }
    await this.updateMember(set, m, { step: 'destroying', error: null }, 'destroy_sent', m.nodeId!);
  }

  // ---- helpers --------------------------------------------------------------------------------

  private updateMember(
    set: NodeSetRecord,
    m: MemberRecord,
    patch: Parameters<NodeSetStore['updateMember']>[3],
    step: string,
    detail?: string,
  ): Promise<boolean> {
    return this.store.updateMember(this.replica, set.id, m.idx, patch, { step, detail });
  }

  private busy(m: MemberRecord): boolean {
    return this.inflight.has(`${m.setId}:${m.idx}`);
  }

  private track(m: MemberRecord, work: () => Promise<void>): void {
    const key = `${m.setId}:${m.idx}`;
    const run = work()
      .catch((error: unknown) => this.logger.warn(`node set ${m.setId} member ${m.idx}: ${(error as Error).message}`))
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, run);
  }

  private limit(cloud: string): BulkheadPolicy {
    let policy = this.limits.get(cloud);
    if (!policy) {
      const max = this.cloudSettings[cloud]?.maxConcurrentCreates ?? DEFAULT_MAX_CONCURRENT_CREATES;
      policy = bulkhead(max, Number.MAX_SAFE_INTEGER);
      this.limits.set(cloud, policy);
    }
    return policy;
  }
}

class Cancelled extends Error {}

/** Nothing more to do for this member in a rollback or delete. */
function isSettled(m: MemberRecord): boolean {
  return m.step === 'destroyed' || m.step === 'cancelled' || (m.step === 'failed' && !m.nodeId);
}

function byCloud(members: MemberRecord[]): Map<string, MemberRecord[]> {
  const map = new Map<string, MemberRecord[]>();
  for (const m of members) map.set(m.cloud, [...(map.get(m.cloud) ?? []), m]);
  return map;
}

function describe(error: unknown): string {
  if (CloudError.is(error)) return `${error.kind}: ${error.message}`;
  if (error instanceof Error && 'getStatus' in error) return error.message;
  return 'unexpected error (see the service log)';
}

function statusOf(error: unknown): number {
  if (!CloudError.is(error)) return 502;
  if (error.kind === 'timeout' || error.kind === 'outcome_unknown') return 504;
  if (error.kind === 'invalid_reference' || error.kind === 'invalid_request') return 422;
  return 502;
}
