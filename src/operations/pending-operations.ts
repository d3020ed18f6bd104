import type { OperationKind, OperationRecord } from '../store/state-store';
import { NODE_OPERATION_KINDS } from '../store/state-store';

/** What a sighting needs of a running node operation. */
export type PendingOperation = Pick<OperationRecord, 'id' | 'kind' | 'cloud' | 'target' | 'createdAt'>;

/**
 * The running node operations by cloud and node id, in memory, so every node the service reads can be
 * checked against them without a store query (a listing of 100 nodes: 100 map lookups, none at all
 * while nothing runs). Kept by this process: operations it records are added and the ones that end
 * here are removed at once; `refresh` replaces the rest from the store (operations started or ended by
 * another replica) without losing what changed here while the store was being read.
 */
export class PendingOperations {
  private readonly byCloud = new Map<string, Map<string, Map<string, PendingOperation>>>();
  private readonly byId = new Map<string, PendingOperation>();
  /** While a refresh reads the store: what this process added and removed meanwhile. */
  private refreshing?: { added: Map<string, PendingOperation>; removed: Set<string> };

  get size(): number {
    return this.byId.size;
  }

  /** The operations waiting on this node, or undefined. */
  on(cloud: string, nodeId: string): ReadonlyMap<string, PendingOperation> | undefined {
    return this.byCloud.get(cloud)?.get(nodeId);
  }

  add(op: PendingOperation): void {
    if (!isNodeKind(op.kind)) return;
    this.refreshing?.added.set(op.id, op);
    this.refreshing?.removed.delete(op.id);
    this.put(op);
  }

  remove(id: string): void {
    this.refreshing?.added.delete(id);
    this.refreshing?.removed.add(id);
    const op = this.byId.get(id);
    if (!op) return;
    this.byId.delete(id);
    const nodes = this.byCloud.get(op.cloud)!;
    const ops = nodes.get(op.target)!;
    ops.delete(id);
    if (!ops.size) nodes.delete(op.target);
    if (!nodes.size) this.byCloud.delete(op.cloud);
  }

  /** Replaces the index with the store's running operations, as `read` returns them. */
  async refresh(read: () => Promise<PendingOperation[]>): Promise<void> {
    const changes = { added: new Map<string, PendingOperation>(), removed: new Set<string>() };
    this.refreshing = changes;
    let stored: PendingOperation[];
    try {
      stored = await read();
    } finally {
      if (this.refreshing === changes) this.refreshing = undefined;
    }
    this.byCloud.clear();
    this.byId.clear();
    for (const op of stored) if (!changes.removed.has(op.id)) this.put(op);
    for (const op of changes.added.values()) this.put(op);
  }

  private put(op: PendingOperation): void {
    const entry: PendingOperation = {
      id: op.id,
      kind: op.kind,
      cloud: op.cloud,
      target: op.target,
      createdAt: op.createdAt,
    };
    this.byId.set(op.id, entry);
    let nodes = this.byCloud.get(op.cloud);
    if (!nodes) this.byCloud.set(op.cloud, (nodes = new Map<string, Map<string, PendingOperation>>()));
    let ops = nodes.get(op.target);
    if (!ops) nodes.set(op.target, (ops = new Map<string, PendingOperation>()));
    ops.set(op.id, entry);
  }
}

function isNodeKind(kind: OperationKind): boolean {
  return (NODE_OPERATION_KINDS as readonly string[]).includes(kind);
}
