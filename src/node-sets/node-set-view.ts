import type { Problem } from '../api/problem/problem';
import type { MemberRecord, MemberStep, NodeSetRecord, NodeSetViewState } from './node-set.model';

export interface NodeSetMemberView {
  /** Position in the set (0-based, in request order after `count` expansion). */
  index: number;
  name: string;
  cloud: string;
  /** The node's id in its cloud once the cloud answered the create; null before. */
  nodeId: string | null;
  /** The node's state as last seen (running, pending, error, ...); null before the create answered. */
  nodeState: string | null;
  step: MemberStep;
  image: string;
  size: string;
  /** The last error met on this member (a refused create, a destroy being retried); absent when none. */
  error?: string;
  /** Why `nodeState` is `unknown`: the member's cloud could not be read. Absent otherwise. */
  nodeStateError?: string;
}

/**
 * A member as its cloud shows it at read time: its state, `gone` when the cloud no longer has it,
 * or `unknown` with the error when the cloud could not be read.
 */
export interface MemberSighting {
  nodeState: string;
  error?: string;
}

/** States of members that make a ready set no longer whole. */
const LOST_STATES = new Set(['gone', 'terminated', 'error']);

export interface NodeSetView {
  id: string;
  name: string;
  state: NodeSetViewState;
  /** The operation following the set now (its create, then its delete). */
  operationId: string;
  createdAt: string;
  updatedAt: string;
  /** When a set still creating fails with a timeout. */
  deadline: string;
  /** Members per cloud. */
  counts: Record<string, number>;
  members: NodeSetMemberView[];
  /** Why the set failed (RFC 9457 problem naming the member, its cloud and the cause). */
  error?: Problem;
}

/**
 * The set as the API shows it: the journal's record, with the members' states as seen in their
 * clouds when `seen` is given (by member index). A `ready` set with a member gone, terminated or in
 * error is `degraded`: it is no longer whole (its journal still says ready; DELETE destroys the rest).
 */
export function nodeSetView(
  set: NodeSetRecord,
  members: MemberRecord[],
  seen?: ReadonlyMap<number, MemberSighting>,
): NodeSetView {
  const counts: Record<string, number> = {};
  for (const m of members) counts[m.cloud] = (counts[m.cloud] ?? 0) + 1;
  const lost = [...(seen?.values() ?? [])].some((s) => LOST_STATES.has(s.nodeState));
  return {
    id: set.id,
    name: set.name,
    state: set.state === 'ready' && lost ? 'degraded' : set.state,
    operationId: set.operationId,
    createdAt: new Date(set.createdAt).toISOString(),
    updatedAt: new Date(set.updatedAt).toISOString(),
    deadline: new Date(set.deadline).toISOString(),
    counts,
    members: members.map((m) => {
      const sighting = seen?.get(m.idx);
      return {
        index: m.idx,
        name: m.name,
        cloud: m.cloud,
        nodeId: m.nodeId,
        nodeState: sighting ? sighting.nodeState : m.nodeState,
        step: m.step,
        image: m.request.image,
        size: m.request.size,
        ...(m.error ? { error: m.error } : {}),
        ...(sighting?.error ? { nodeStateError: sighting.error } : {}),
      };
    }),
    ...(set.error ? { error: set.error } : {}),
  };
}

/** The path of a node set, for Location headers. */
export function nodeSetPath(id: string): string {
  return `/api/v1/node-sets/${encodeURIComponent(id)}`;
}
