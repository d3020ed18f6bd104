import type { Problem } from '../api/problem/problem';
import type { MemberRecord, MemberStep, NodeSetRecord, NodeSetState } from './node-set.model';

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
}

export interface NodeSetView {
  id: string;
  name: string;
  state: NodeSetState;
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

export function nodeSetView(set: NodeSetRecord, members: MemberRecord[]): NodeSetView {
  const counts: Record<string, number> = {};
  for (const m of members) counts[m.cloud] = (counts[m.cloud] ?? 0) + 1;
  return {
    id: set.id,
    name: set.name,
    state: set.state,
    operationId: set.operationId,
    createdAt: new Date(set.createdAt).toISOString(),
    updatedAt: new Date(set.updatedAt).toISOString(),
    deadline: new Date(set.deadline).toISOString(),
    counts,
    members: members.map((m) => ({
      index: m.idx,
      name: m.name,
      cloud: m.cloud,
      nodeId: m.nodeId,
      nodeState: m.nodeState,
      step: m.step,
      image: m.request.image,
      size: m.request.size,
      ...(m.error ? { error: m.error } : {}),
    })),
    ...(set.error ? { error: set.error } : {}),
  };
}

/** The path of a node set, for Location headers. */
export function nodeSetPath(id: string): string {
  return `/api/v1/node-sets/${encodeURIComponent(id)}`;
}
