import { problemType, type Problem } from '../api/problem/problem';
import type { NodeState } from '../cloud/driver/compute-driver';
import type { NodeView } from '../compute/compute.service';
import type { OperationKind, OperationPatch, OperationRecord } from '../store/state-store';

/** The state each kind of operation waits for; a destroy waits for the node to be gone. */
const TARGET_STATE: Record<OperationKind, NodeState | 'gone'> = {
  createNode: 'running',
  startNode: 'running',
  rebootNode: 'running',
  stopNode: 'stopped',
  destroyNode: 'gone',
  // Node set operations are decided by the node set runner; these entries only complete the map.
  createNodeSet: 'running',
  deleteNodeSet: 'gone',
};

export type Outcome =
  | { state: 'succeeded'; nodeState: string | null; result: NodeView | null }
  | { state: 'failed'; nodeState: string | null; error: Problem }
  | { state: 'running'; nodeState: string | null };

/**
 * Decides a running operation from one listing of its cloud: done when the node reached the state
 * the kind waits for, failed when it reached `error` (or `terminated`, unless destroying) or the
 * deadline passed. A node missing from the listing is gone for a destroy; for the other kinds it is
 * waited for here (some clouds list a new node only after a moment): the watcher asks for it by id
 * after a few passes and fails the operation with {@link goneProblem} when its cloud no longer has it.
 */
export function decide(op: OperationRecord, node: NodeView | undefined, now: number): Outcome {
  const outcome = decideFromNode(op, node);
  if (outcome.state === 'running' && now >= op.deadline)
    return { state: 'failed', nodeState: outcome.nodeState, error: timeoutProblem(op, outcome.nodeState) };
  return outcome;
}

/** What the node alone says of the operation (no deadline): {@link decide} without the clock. */
export function decideFromNode(
  op: Pick<OperationRecord, 'kind' | 'cloud' | 'target'>,
  node: NodeView | undefined,
): Outcome {
  const target = TARGET_STATE[op.kind];
  const nodeState = node?.state ?? null;
  if (target === 'gone') {
    if (!node || node.state === 'terminated')
      return { state: 'succeeded', nodeState: node ? node.state : 'gone', result: null };
  } else if (node?.state === target) {
    return { state: 'succeeded', nodeState, result: node };
  }
  if (node && (node.state === 'error' || (node.state === 'terminated' && target !== 'gone'))) {
    return {
      state: 'failed',
      nodeState,
      error: {
        type: problemType('node-failed'),
        title: `Node reached ${node.state}`,
        status: 502,
        detail: `cloud "${op.cloud}": node ${op.target} is ${node.state} (${op.kind} waited for ${target})`,
        cloud: op.cloud,
      },
    };
  }
  return { state: 'running', nodeState };
}

/** The store's change for an outcome (without `updatedAt`). */
export function outcomePatch(outcome: Outcome): Omit<OperationPatch, 'updatedAt'> {
  return {
    state: outcome.state,
    nodeState: outcome.nodeState,
    ...(outcome.state === 'succeeded' && outcome.result ? { result: JSON.stringify(outcome.result) } : {}),
    ...(outcome.state === 'failed' ? { error: JSON.stringify(outcome.error) } : {}),
  };
}

/** True when the kind waits for its node to be gone (a node missing from the listing is then its success). */
export function waitsForGone(kind: OperationKind): boolean {
  return TARGET_STATE[kind] === 'gone';
}

/**
 * The node an operation waits for no longer exists at its cloud (destroyed by a DELETE here or
 * outside the service while the operation waited): 409, the node's state conflicts with the
 * operation, which can never finish; not a 502, since the cloud answered truthfully.
 */
export function goneProblem(op: OperationRecord): Problem {
  return {
    type: problemType('node-gone'),
    title: 'Node gone from its cloud',
    status: 409,
    detail: `cloud "${op.cloud}": node ${op.target} is gone from its cloud (destroyed while ${op.kind} waited for ${TARGET_STATE[op.kind]})`,
    cloud: op.cloud,
  };
}

/**
 * The caller destroyed the operation's node through this service (destroyNode) before it reached the
 * state the operation waits for: the operation was cancelled by that request. AIP-151 ends a cancelled
 * operation done with an error (google.rpc.Code CANCELLED); its HTTP form here is 409, as for
 * node-gone (the node's state conflicts with the operation, which can never finish; CANCELLED's own
 * mapping, 499, is no HTTP status). `nodeState` is the state the service last saw the node in.
 */
export function cancelledProblem(
  op: Pick<OperationRecord, 'kind' | 'cloud' | 'target'>,
  nodeState: string | null,
): Problem {
  return {
    type: problemType('operation-cancelled'),
    title: 'Cancelled: its node was destroyed',
    status: 409,
    detail:
      `cloud "${op.cloud}": node ${op.target} was destroyed through this service (destroyNode) while ${op.kind} waited for ${TARGET_STATE[op.kind]}` +
      (nodeState ? ` (last seen ${nodeState})` : ''),
    cloud: op.cloud,
  };
}

export function timeoutProblem(op: OperationRecord, nodeState: string | null, lastError?: string): Problem {
  const seconds = Math.round((op.deadline - op.createdAt) / 1000);
  const target = TARGET_STATE[op.kind];
  return {
    type: problemType('operation-timeout'),
    title: 'Operation timed out',
    status: 504,
    detail:
      `cloud "${op.cloud}": node ${op.target} did not reach ${target} within ${seconds} s` +
      (nodeState ? ` (last seen ${nodeState})` : '') +
      (lastError ? `; last error listing the cloud: ${lastError}` : ''),
    cloud: op.cloud,
  };
}
