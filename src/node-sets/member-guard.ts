import { Injectable } from '@nestjs/common';
import { CloudError } from '../cloud/driver/cloud-error';
import { ComputeService } from '../compute/compute.service';
import { NodeSetRunner } from './node-set-runner';
import { NodeSetStore } from './node-set-store';
import { NODE_SET_METADATA_KEY } from './node-set.model';
import { memberProblem } from './node-set-problems';

/**
 * destroyNode on a node that belongs to a live node set (`creating` or `ready`) is a 409: destroying
 * one member behind the set's back breaks its all-or-nothing promise; the set is deleted as a whole.
 * The set's journal in the store decides, not the node's metadata mark (which a cloud may not keep
 * and which orphans also carry). Reboot, stop and start stay allowed; members of a set rolling back,
 * failed, deleting or deleted are not held.
 */
@Injectable()
export class NodeSetMemberGuard {
  private readonly store: NodeSetStore;

  constructor(
    runner: NodeSetRunner,
    private readonly compute: ComputeService,
  ) {
    this.store = runner.store;
  }

  /** Destroys a node unless a live set holds it (409 `node-set-member`, naming the set). */
  async destroyNode(cloud: string, nodeId: string): Promise<void> {
    await this.refuseMember(cloud, nodeId);
    await this.compute.destroyNode(cloud, nodeId);
  }

  /**
   * Throws the 409 when the journal records `nodeId` as a member of a live set on `cloud`. While a
   * set on that cloud has a create sent and not yet answered, the node may be that member before the
   * journal knows its id: only then is the node read, and its mark naming that set holds it too.
   */
  async refuseMember(cloud: string, nodeId: string): Promise<void> {
    const candidates = await this.store.liveMembersFor(cloud, nodeId);
    const recorded = candidates.find((m) => m.nodeId === nodeId);
    if (recorded) throw memberProblem(cloud, nodeId, recorded.setId, recorded.name);
    const pending = new Map(candidates.map((m) => [m.setId, m]));
    if (!pending.size) return;
    let mark: string | undefined;
    try {
      mark = (await this.compute.getNode(cloud, nodeId)).metadata?.[NODE_SET_METADATA_KEY];
    } catch (error) {
      if (CloudError.is(error) && error.kind === 'not_found') return; // the destroy answers the 404
      throw error;
    }
    const member = mark === undefined ? undefined : pending.get(mark);
    if (member) throw memberProblem(cloud, nodeId, member.setId, `${member.name} (its create is being answered)`);
  }
}
