import { SERVICE_METADATA_PREFIX } from '../cloud/driver/compute-driver';
import type { Problem } from '../api/problem/problem';

/**
 * A node set's life: `creating` until every member runs (`ready`), or until one fails, when every
 * member already created is destroyed (`rolling_back`, then `failed`). DELETE moves a ready or failed
 * set through `deleting` to `deleted`.
 */
export const NODE_SET_STATES = ['creating', 'ready', 'rolling_back', 'failed', 'deleting', 'deleted'] as const;
export type NodeSetState = (typeof NODE_SET_STATES)[number];
/**
 * The states a read shows: the journal's, plus `degraded` for a ready set with a member gone from its
 * cloud, terminated or in error (computed at read time from the clouds, never stored).
 */
export const NODE_SET_VIEW_STATES = [...NODE_SET_STATES, 'degraded'] as const;
export type NodeSetViewState = (typeof NODE_SET_VIEW_STATES)[number];
/** The states the runner drives; the others are at rest. */
export const ACTIVE_SET_STATES: readonly NodeSetState[] = ['creating', 'rolling_back', 'deleting'];
/**
 * The states in which a set keeps its members: destroying one of them alone would break the set's
 * all-or-nothing promise. In the others the runner is destroying them, or has.
 */
export const LIVE_SET_STATES: readonly NodeSetState[] = ['creating', 'ready'];

/**
 * Where one member's step stands (the journal records every change):
 * planned (nothing sent), creating (create sent, no answer recorded: the node may exist),
 * created (the cloud answered with a node), running, failed (refused or reached error/terminated),
 * destroying (destroy sent), destroyed (gone from its cloud), cancelled (never created, rolled back).
 */
export const MEMBER_STEPS = [
  'planned',
  'creating',
  'created',
  'running',
  'failed',
  'destroying',
  'destroyed',
  'cancelled',
] as const;
export type MemberStep = (typeof MEMBER_STEPS)[number];

/** What the caller asked for one member (after `count` expansion). */
export interface MemberRequest {
  image: string;
  size: string;
  location?: string;
  keyName?: string;
  userData?: string;
  metadata?: Record<string, string>;
}

export interface NodeSetRecord {
  id: string;
  name: string;
  state: NodeSetState;
  /** The caller (API key name or "anonymous") whose Idempotency-Key made it, with that key's mark. */
  scope: string;
  clientToken: string | null;
  /** The operation now following the set: the create's, then the delete's. */
  operationId: string;
  createdAt: number;
  updatedAt: number;
  /** When a set still creating fails with a timeout (epoch ms). */
  deadline: number;
  /** Why the set failed (an RFC 9457 problem), kept through rollback and delete. */
  error: Problem | null;
}

export interface MemberRecord {
  setId: string;
  idx: number;
  cloud: string;
  name: string;
  request: MemberRequest;
  /** The mark the member carries in its cloud (the create's client token): the set id and the member's index. */
  mark: string;
  step: MemberStep;
  nodeId: string | null;
  nodeState: string | null;
  /** The last error met on this member (a refused create, a failed destroy being retried). */
  error: string | null;
  updatedAt: number;
}

/** The metadata key every member carries with its set's id, so the orphan sweep can find it. */
export const NODE_SET_METADATA_KEY = `${SERVICE_METADATA_PREFIX}node-set`;

/** A member's mark: unique per set and member, at most 64 characters of [A-Za-z0-9-] (fits every cloud's token rules). */
export function memberMark(setId: string, idx: number): string {
  return `ns-${setId}-${idx}`;
}
