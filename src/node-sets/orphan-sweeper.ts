import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { CloudError } from '../cloud/driver/cloud-error';
import { ComputeService } from '../compute/compute.service';
import type { NodeSetsSettings, Settings } from '../config/settings.schema';
import { ProblemException } from '../api/problem/problem.exception';
import { NodeSetMemberGuard } from './member-guard';
import { NodeSetRunner } from './node-set-runner';
import { NODE_SET_METADATA_KEY, NodeSetState } from './node-set.model';

export interface Orphan {
  cloud: string;
  nodeId: string;
  name: string;
  state: string;
  /** The set id the node's mark names. */
  setId: string;
  /** That set's state; null when the service has no such set. */
  setState: NodeSetState | null;
  /** Why it belongs to no live set. */
  reason: string;
}

export interface OrphanReport {
  items: Orphan[];
  /** Clouds that could not be listed (their orphans are unknown). */
  errors: Array<{ cloud: string; detail: string }>;
}

/**
 * Finds nodes that carry this service's node set mark (metadata orchestrator-node-set) but belong to
 * no live set: the set is unknown, or `failed`/`deleted` (its rollback or delete is over), or `ready`
 * without this node among its members. Sets still creating, rolling back or deleting are skipped: their
 * nodes may not be recorded yet. With nodeSets.orphans.destroyAfterSeconds, an orphan seen that long
 * (by this process: a restart starts the grace again, erring on the side of keeping) is destroyed.
 */
@Injectable()
export class OrphanSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('NodeSets');
  private readonly settings: NodeSetsSettings['orphans'];
  private readonly firstSeen = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<unknown>;

  constructor(
    private readonly compute: ComputeService,
    private readonly runner: NodeSetRunner,
    private readonly guard: NodeSetMemberGuard,
    @Inject(ConfigService) config: ConfigService,
  ) {
    this.settings = config.getOrThrow<Settings>('settings').nodeSets.orphans;
  }

  onApplicationBootstrap(): void {
    if (!this.settings.destroyAfterSeconds) return;
    this.timer = setInterval(() => {
      this.sweeping ??= this.sweep()
        .catch((error: unknown) => this.logger.warn(`orphan sweep failed: ${(error as Error).message}`))
        .finally(() => (this.sweeping = undefined));
    }, this.settings.sweepIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  /** Every orphan on every cloud now; a cloud that cannot be listed is reported, the others answer. */
  async find(): Promise<OrphanReport> {
    const errors: OrphanReport['errors'] = [];
    const marked: Array<{ cloud: string; node: { id: string; name: string; state: string }; setId: string }> = [];
    await Promise.all(
      this.compute.listClouds().map(async ({ name: cloud }) => {
        try {
          for (const node of await this.compute.allNodesOfCloud(cloud)) {
            const setId = node.metadata[NODE_SET_METADATA_KEY];
            if (setId && node.state !== 'terminated') marked.push({ cloud, node, setId });
          }
        } catch (error) {
          errors.push({ cloud, detail: CloudError.is(error) ? error.message : 'the cloud could not be listed' });
        }
      }),
    );
    const states = await this.runner.store.setsById([...new Set(marked.map((m) => m.setId))]);
    const members = new Map<string, Set<string>>();
    const items: Orphan[] = [];
    for (const { cloud, node, setId } of marked) {
      const setState = states.get(setId) ?? null;
      let reason: string | undefined;
      if (!setState) reason = 'no node set with this id';
      else if (setState === 'failed' || setState === 'deleted') reason = `its node set is ${setState}`;
      else if (setState === 'ready') {
        if (!members.has(setId))
          members.set(
            setId,
            new Set((await this.runner.store.members(setId)).map((m) => `${m.cloud}\u0000${m.nodeId ?? ''}`)),
          );
        if (!members.get(setId)!.has(`${cloud}\u0000${node.id}`)) reason = 'not a member of its ready node set';
      }
      if (reason) items.push({ cloud, nodeId: node.id, name: node.name, state: node.state, setId, setState, reason });
    }
    items.sort((a, b) => a.cloud.localeCompare(b.cloud) || a.nodeId.localeCompare(b.nodeId));
    errors.sort((a, b) => a.cloud.localeCompare(b.cloud));
    return { items, errors };
  }

  /** One sweep: destroys orphans seen for the grace period; returns what it destroyed. */
  async sweep(now = Date.now()): Promise<Orphan[]> {
    const { items } = await this.find();
    const current = new Set(items.map(orphanKey));
    for (const key of this.firstSeen.keys()) if (!current.has(key)) this.firstSeen.delete(key);
    const destroyed: Orphan[] = [];
    for (const orphan of items) {
      const key = orphanKey(orphan);
      const seen = this.firstSeen.get(key) ?? now;
      this.firstSeen.set(key, seen);
      if (now - seen < this.settings.destroyAfterSeconds * 1000) continue;
      try {
        // The journal has the last word right before the destroy, as for a caller's destroyNode: the
        // listing this orphan came from is older than the set's latest step.
        await this.guard.destroyNode(orphan.cloud, orphan.nodeId);
        this.logger.warn(`orphan destroyed: cloud ${orphan.cloud} node ${orphan.nodeId} (${orphan.reason})`);
        destroyed.push(orphan);
        this.firstSeen.delete(key);
      } catch (error) {
        if (CloudError.is(error) && error.kind === 'not_found') this.firstSeen.delete(key);
        else if (error instanceof ProblemException) {
          this.firstSeen.delete(key);
          this.logger.warn(`orphan ${orphan.cloud}/${orphan.nodeId} kept: ${error.problem.detail}`);
        } else this.logger.warn(`orphan ${orphan.cloud}/${orphan.nodeId} not destroyed: ${(error as Error).message}`);
      }
    }
    return destroyed;
  }
}

function orphanKey(o: { cloud: string; nodeId: string }): string {
  return `${o.cloud}\u0000${o.nodeId}`;
}
