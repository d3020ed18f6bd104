import type { Problem } from '../api/problem/problem';
import type { OperationKind, OperationRecord, OperationState } from '../store/state-store';

/** An operation as the API shows it (Google AIP-151: a long-running operation with done/result/error). */
export interface OperationView {
  id: string;
  kind: OperationKind;
  cloud: string;
  /** The node id the operation acts on. */
  target: string;
  state: OperationState;
  done: boolean;
  /** The node's state as last seen by the service (its watcher, or a read or write that saw the node end the operation). */
  nodeState: string | null;
  createdAt: string;
  updatedAt: string;
  /** When a still-running operation fails with a timeout (the cloud's waitTimeoutMs after createdAt). */
  deadline: string;
  /** The node once the operation succeeded (absent for destroyNode). */
  result?: Record<string, unknown>;
  /** Why it failed, as an RFC 9457 problem. */
  error?: Problem;
}

export function operationView(op: OperationRecord): OperationView {
  return {
    id: op.id,
    kind: op.kind,
    cloud: op.cloud,
    target: op.target,
    state: op.state,
    done: op.state !== 'running',
    nodeState: op.nodeState,
    createdAt: new Date(op.createdAt).toISOString(),
    updatedAt: new Date(op.updatedAt).toISOString(),
    deadline: new Date(op.deadline).toISOString(),
    ...(op.result ? { result: JSON.parse(op.result) as Record<string, unknown> } : {}),
    ...(op.error ? { error: JSON.parse(op.error) as Problem } : {}),
  };
}

/** The path of an operation, for Operation-Location headers. */
export function operationPath(id: string): string {
  return `/api/v1/operations/${encodeURIComponent(id)}`;
}
