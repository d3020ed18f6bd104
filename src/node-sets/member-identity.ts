import type { ComputeService, NodeView } from '../compute/compute.service';
import { NODE_SET_METADATA_KEY } from './node-set.model';

/**
 * Whether the node a cloud has under a member's id is that member. The id alone does not say: clouds
 * may hand a destroyed node's id to a later, unrelated node (and a restarted one may start its ids
 * over). Every member is created with its set's mark (metadata `orchestrator-node-set` = the set id),
 * so a node without that mark is a stranger: the member is gone, and the stranger is neither held
 * nor destroyed as the member. A cloud that keeps no metadata got no mark, so there the id is all
 * there is.
 */
export function isMemberNode(
  compute: ComputeService,
  member: { cloud: string; setId: string },
  node: NodeView,
): boolean {
  if (!compute.getCloud(member.cloud).capabilities.metadata) return true;
  return node.metadata?.[NODE_SET_METADATA_KEY] === member.setId;
}
