import type { Kysely } from 'kysely';

/**
 * The service's durable state behind one interface: Idempotency-Key records and operations.
 * Implemented once over SQLite (embedded, the default) and PostgreSQL (shared by replicas); every
 * method is one transaction. Times are epoch milliseconds.
 */

export const STATE_STORE = Symbol('STATE_STORE');

/** A response as first answered, replayed byte for byte for the same key. */
export interface StoredResponse {
  status: number;
  /** Only the headers that describe the result (Location, Operation-Location, Content-Type). */
  headers: Record<string, string>;
  body: string;
}

export interface KeyClaim {
  /** Who asked (API key name or "anonymous") and the key they sent: together the record's identity. */
  scope: string;
  key: string;
  /** Hash of method, path and body: a different request under the same key is refused. */
  fingerprint: string;
  /** This replica's id; the claim is its until leaseUntil. */
  owner: string;
  leaseUntil: number;
  expiresAt: number;
  now: number;
}

export type KeyClaimResult =
  /** Ours to execute. `recovering`: an earlier attempt was cut off (crash, cloud failure) and may have reached the cloud. */
  | { outcome: 'execute'; recovering: boolean }
  | { outcome: 'replay'; response: StoredResponse }
  | { outcome: 'mismatch' }
  | { outcome: 'in_flight'; leaseUntil: number };

export type OperationState = 'running' | 'succeeded' | 'failed';
export type NodeOperationKind = 'createNode' | 'rebootNode' | 'startNode' | 'stopNode' | 'destroyNode';
/** Node set operations are driven by the node set runner, not by the node operation watcher. */
export type OperationKind = NodeOperationKind | 'createNodeSet' | 'deleteNodeSet';
export const NODE_OPERATION_KINDS: readonly NodeOperationKind[] = [
  'createNode',
  'rebootNode',
  'startNode',
  'stopNode',
  'destroyNode',
];

export interface OperationRecord {
  id: string;
  kind: OperationKind;
  cloud: string;
  /** The node the operation acts on. */
  target: string;
  state: OperationState;
  createdAt: number;
  updatedAt: number;
  /** When a running operation fails with a timeout (createdAt + the cloud's waitTimeoutMs). */
  deadline: number;
  /** The node's state as last seen by the service. */
  nodeState: string | null;
  /** JSON: the node when succeeded (absent for destroy). */
  result: string | null;
  /** JSON: an RFC 9457 problem when failed. */
  error: string | null;
}

export interface OperationPatch {
  state?: OperationState;
  nodeState?: string | null;
  result?: string | null;
  error?: string | null;
  updatedAt: number;
}

export interface OperationQuery {
  cloud?: string;
  state?: OperationState;
  limit: number;
  /** Continue after this (createdAt, id), newest first. */
  after?: { createdAt: number; id: string };
}

export interface StateStore {
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * The query builder over the same database, for modules that keep their own tables (node sets, the
   * dummy cloud's persisted nodes); their tables come from the same versioned migrations.
   */
  readonly db: Kysely<any>;
  /** Applies pending versioned migrations (once per store, safe with replicas booting at once). */
  migrate(): Promise<void>;
  /** A trivial round trip, for readiness. */
  ping(): Promise<void>;
  /**
   * A secret key of this service by name (32 random bytes, made by the first replica that asks and
   * kept in the store), so every replica sharing the store and every restart use the same one.
   */
  serviceKey(name: string): Promise<Buffer>;
  close(): Promise<void>;

  /** Claims a key for execution, or says why not (replay, mismatch, still in flight). Atomic. */
  claimKey(claim: KeyClaim): Promise<KeyClaimResult>;
  /**
   * Ends an attempt that failed. `forget`: nothing reached the cloud (a 4xx), so the key is free again
   * for any request; otherwise the key stays bound to this request and the next claim recovers.
   */
  releaseKey(scope: string, key: string, owner: string, forget: boolean): Promise<void>;
  /**
   * Records an accepted write in one transaction: the key's answer (when a key was sent) and the
   * operation it started (when it started one).
   */
  recordWrite(write: {
    key?: { scope: string; key: string; owner: string; response: StoredResponse };
    operation?: OperationRecord;
  }): Promise<void>;
  /** Deletes keys past their expiry; returns how many. */
  purgeExpiredKeys(now: number): Promise<number>;

  getOperation(id: string): Promise<OperationRecord | undefined>;
  listOperations(query: OperationQuery): Promise<OperationRecord[]>;
  /**
   * Takes (or renews) the lease on running node operations (NODE_OPERATION_KINDS) that are this owner's or whose lease ran out
   * (their replica died), and returns them. With PostgreSQL, rows are claimed with FOR UPDATE SKIP
   * LOCKED, so two replicas never take the same one.
   */
  claimOperations(owner: string, leaseUntil: number, now: number, limit: number): Promise<OperationRecord[]>;
  /** Updates a running operation this owner holds; false when it is no longer running or no longer ours. */
  updateOperation(id: string, owner: string, patch: OperationPatch): Promise<boolean>;
  /**
   * Finishes a running operation whoever holds its lease (the service saw its node reach the state it
   * waits for, or destroyed that node); false when it is no longer running (another replica, or the
   * watcher, decided it first). `patch.state` must not be `running`.
   */
  finishOperation(id: string, patch: OperationPatch): Promise<boolean>;
  /** Running node operations (NODE_OPERATION_KINDS), all of them or those acting on one node. */
  runningNodeOperations(on?: { cloud: string; target: string }): Promise<OperationRecord[]>;
}
