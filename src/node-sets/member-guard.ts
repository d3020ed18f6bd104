import { Injectable } from '@nestjs/common';
import { CloudError } from '../cloud/driver/cloud-error';
import { ComputeService, NodeView } from '../compute/compute.service';
import { isMemberNode } from './member-identity';
import { NodeSetRunner } from './node-set-runner';
import { NodeSetStore } from './node-set-store';
import { NODE_SET_METADATA_KEY } from './node-set.model';
import { memberProblem } from './node-set-problems';

/**
 * destroyNode on a node that belongs to a live node set (`creating` or `ready`) is a 409: destroying
 * one member behind the set's back breaks its all-or-nothing promise; the set is deleted as a whole.
 * The set's journal in the store names the member, and the node's mark confirms it is that member (a
 * mark alone is not enough: orphans carry one too). Reboot, stop and start stay allowed; members of a set rolling back,
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
   * Throws the 409 when the journal records `nodeId` as a member of a live set on `cloud` and the node
   * carries that set's mark (a node that only has a member's id, as a cloud that reuses ids can give
   * it, is not the member). While a set on that cloud has a create sent and not yet answered, the
   * node may be that member before the journal knows its id: its mark naming that set holds it too.
   * The node is read only when the journal names a candidate.
   */
  async refuseMember(cloud: string, nodeId: string): Promise<void> {
    const candidates = await this.store.liveMembersFor(cloud, nodeId);
    if (!candidates.length) return;
    let node: NodeView;
    try {
      node = await this.compute.getNode(cloud, nodeId);
    } catch (error) {
      if (CloudError.is(error) && error.kind === 'not_found') return; // the destroy answers the 404
      throw error;
    }
    const recorded = candidates.find(
      (m) => m.nodeId === nodeId && isMemberNode(this.compute, { cloud, setId: m.setId }, node),
    );
    if (recorded) throw memberProblem(cloud, nodeId, recorded.setId, recorded.name);
    const mark = node.metadata?.[NODE_SET_METADATA_KEY];
    const member = candidates.find((m) => m.nodeId === null && mark !== undefined && m.setId === mark);
    if (member) throw memberProblem(cloud, nodeId, member.setId, `${member.name} (its create is being answered)`);
  }
}
