import { problemType, type Problem } from '../api/problem/problem';
import type { NodeState } from '../cloud/driver/compute-driver';
import type { NodeView } from '../compute/compute.service';
import type { OperationKind, OperationRecord } from '../store/state-store';

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
  if (now >= op.deadline) return { state: 'failed', nodeState, error: timeoutProblem(op, nodeState) };
  return { state: 'running', nodeState };
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
