import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ProblemException } from '../api/problem/problem.exception';
import { ComputeService } from '../compute/compute.service';
import { CursorScope, CursorSeal } from '../cursors/cursor-seal';
import { decodeCursor, encodeCursor, OperationsService } from '../operations/operations.service';
import { MemberObserver } from './member-observer';
import { NodeSetPlan, previewNodeSet } from './node-set-preview';
import { NodeSetRunner } from './node-set-runner';
import { NodeSetStore } from './node-set-store';
import { nodeSetView, NodeSetView } from './node-set-view';
import { MemberRecord, memberMark, MemberRequest, NodeSetRecord } from './node-set.model';

/** Longest set, in members after `count` expansion. */
export const MAX_MEMBERS = 1_000;
/** In operation records, the "cloud" of a node set operation (it spans clouds). */
export const ALL_CLOUDS = '*';

export interface NodeSetMemberSpec extends MemberRequest {
  cloud: string;
  name: string;
  count?: number;
}

export interface NodeSetSpec {
  name: string;
  nodes: NodeSetMemberSpec[];
  timeoutSeconds?: number;
}

export interface NodeSetPage {
  items: NodeSetView[];
  nextCursor?: string;
}

/**
 * Node sets as the API sees them: accepts a set (checked, expanded, stored with its members and its
 * operation in one transaction, then driven by the NodeSetRunner), reads, lists and deletes them.
 */
@Injectable()
export class NodeSetsService {
  private readonly store: NodeSetStore;

  constructor(
    private readonly runner: NodeSetRunner,
    private readonly compute: ComputeService,
    private readonly operations: OperationsService,
    private readonly observer: MemberObserver,
    private readonly seal: CursorSeal,
  ) {
    this.store = runner.store;
  }

  /**
   * Accepts a set. With a client token (from the Idempotency-Key), a set already made under it is
   * answered instead (a retry after a crash between storing the set and recording the key's answer).
   * Throws a 422 problem listing every problem when the set cannot be created as asked.
   */
  async create(
    spec: NodeSetSpec,
    caller: { scope: string; clientToken?: string },
    defaultTimeoutSeconds: number,
  ): Promise<NodeSetView> {
    if (caller.clientToken) {
      const existing = await this.store.findByToken(caller.scope, caller.clientToken);
      if (existing) return this.view(existing);
    }
    const expanded = expand(spec.nodes);
    const problems = this.check(expanded, requestedMembers(spec.nodes));
    if (problems.length) {
      throw new ProblemException(
        422,
        `the node set cannot be created: ${problems.length} problem(s), listed in errors`,
        {
          errors: problems,
        },
      );
    }
    const now = Date.now();
    const id = randomUUID();
    const timeoutMs = (spec.timeoutSeconds ?? defaultTimeoutSeconds) * 1000;
    const operation = this.operations.start('createNodeSet', ALL_CLOUDS, id, null);
    operation.deadline = now + timeoutMs;
    const set: NodeSetRecord = {
      id,
      name: spec.name,
      state: 'creating',
      scope: caller.scope,
      clientToken: caller.clientToken ?? null,
      operationId: operation.id,
      createdAt: now,
      updatedAt: now,
      deadline: now + timeoutMs,
      error: null,
    };
    const members: MemberRecord[] = expanded.map((m, idx) => ({
      setId: id,
      idx,
      cloud: m.cloud,
      name: m.name,
      request: pickRequest(m),
      mark: memberMark(id, idx),
      step: 'planned',
      nodeId: null,
      nodeState: null,
      error: null,
      updatedAt: now,
    }));
    await this.store.insert(set, members, operation, this.runner.lease());
    this.runner.wake();
    return nodeSetView(set, members);
  }

  /**
   * Checks a set without creating anything (dryRun): everything `create` checks, plus every reference
   * on its cloud, and the cost estimate. Throws the 422 problem listing every problem, or, when the
   * request has none but a cloud's catalogue could not be read, that cloud's error.
   */
  async preview(spec: NodeSetSpec): Promise<NodeSetPlan> {
    const expanded = expand(spec.nodes);
    const { plan, problems, unreadable } = await previewNodeSet(
      this.compute,
      spec.name,
      expanded,
      this.check(expanded, requestedMembers(spec.nodes)),
    );
    if (plan) return plan;
    // The request's own mistakes first (422); otherwise the failing cloud's answer (502/503/504).
    if (problems.length) throw invalidSet(problems);
    throw unreadable;
  }

  async get(id: string): Promise<NodeSetView> {
    const set = await this.store.get(id);
    if (!set) throw new ProblemException(404, `node set ${id} not found`);
    return this.view(set);
  }

  async list(limit: number, cursor?: string): Promise<NodeSetPage> {
    const scope: CursorScope = { listing: 'node-sets', selection: '' };
    const after = cursor ? decodeCursor(this.seal, scope, cursor) : undefined;
    const sets = await this.store.list(limit + 1, after);
    const items = sets.slice(0, limit);
    const last = items[items.length - 1];
    const withMembers = await Promise.all(
      items.map(async (set) => ({ set, members: await this.store.members(set.id) })),
    );
    return {
      items: await this.observer.views(withMembers),
      ...(sets.length > limit ? { nextCursor: encodeCursor(this.seal, scope, last.createdAt, last.id) } : {}),
    };
  }

  /**
   * Starts destroying every member of a ready or failed set (an operation). A set already deleting or
   * deleted answers as it is, with its delete operation; one still creating or rolling back is a 409.
   */
  async delete(id: string): Promise<NodeSetView> {
    const operation = this.operations.start('deleteNodeSet', ALL_CLOUDS, id, null);
    const { started, set } = await this.store.startDelete(id, operation, this.runner.lease());
    if (!set) throw new ProblemException(404, `node set ${id} not found`);
    if (started) {
      this.runner.wake();
      return this.view(set);
    }
    if (set.state === 'deleting' || set.state === 'deleted') return this.view(set);
    throw new ProblemException(
      409,
      `node set ${id} is ${set.state}: it can be deleted once it is ready or failed (follow operation ${set.operationId})`,
    );
  }

  /** The set with its members as their clouds show them now when it is ready (see MemberObserver). */
  private async view(set: NodeSetRecord): Promise<NodeSetView> {
    return this.observer.view(set, await this.store.members(set.id));
  }

  /** Every problem the set has that no cloud needs to be asked about (clouds, names, capabilities). */
  private check(
    members: Array<NodeSetMemberSpec & { field: string }>,
    requested: number,
  ): Array<{ field: string; message: string }> {
    const problems: Array<{ field: string; message: string }> = [];
    if (requested > MAX_MEMBERS)
      problems.push({
        field: 'nodes',
        message: `a set has at most ${MAX_MEMBERS} members (asked for ${requested})`,
      });
    const clouds = new Map(this.compute.listClouds().map((c) => [c.name, c]));
    const names = new Map<string, string>();
    for (const m of members) {
      const cloud = clouds.get(m.cloud);
      if (!cloud) {
        problems.push({
          field: `${m.field}.cloud`,
          message: `no cloud named "${m.cloud}" is configured (clouds: ${[...clouds.keys()].join(', ')})`,
        });
        continue;
      }
      const key = `${m.cloud}\u0000${m.name}`;
      if (names.has(key))
        problems.push({
          field: `${m.field}.name`,
          message: `"${m.name}" on cloud "${m.cloud}" is also ${names.get(key)}`,
        });
      else names.set(key, m.field);
      if (m.userData !== undefined && !cloud.capabilities.userData)
        problems.push({
          field: `${m.field}.userData`,
          message: `cloud "${m.cloud}" (${cloud.engine}) cannot take user data`,
        });
      if (m.metadata && Object.keys(m.metadata).length && !cloud.capabilities.metadata)
        problems.push({
          field: `${m.field}.metadata`,
          message: `cloud "${m.cloud}" (${cloud.engine}) cannot take node metadata`,
        });
      if (m.keyName !== undefined && !cloud.capabilities.keyPairs)
        problems.push({
          field: `${m.field}.keyName`,
          message: `cloud "${m.cloud}" (${cloud.engine}) has no key pairs`,
        });
      if (m.location !== undefined && !cloud.capabilities.locations)
        problems.push({
          field: `${m.field}.location`,
          message: `cloud "${m.cloud}" (${cloud.engine}) has no locations`,
        });
    }
    return problems;
  }
}

/** How many members the entries ask for once `count` is applied (expand stops just past the limit). */
function requestedMembers(nodes: NodeSetMemberSpec[]): number {
  return nodes.reduce((sum, node) => sum + (node.count ?? 1), 0);
}

/**
 * One entry per node: an entry with `count` N becomes N members named `<name>-1` ... `<name>-N`, in order;
 * each keeps the field path of the entry it came from (for problems).
 */
export function expand(nodes: NodeSetMemberSpec[]): Array<NodeSetMemberSpec & { field: string }> {
  const out: Array<NodeSetMemberSpec & { field: string }> = [];
  nodes.forEach((node, i) => {
    const field = `nodes[${i}]`;
    if (node.count === undefined) {
      out.push({ ...node, field });
      return;
    }
    for (let n = 1; n <= node.count && out.length <= MAX_MEMBERS; n++)
      out.push({ ...node, name: `${node.name}-${n}`, field });
  });
  return out;
}

function invalidSet(problems: Array<{ field: string; message: string }>): ProblemException {
  return new ProblemException(422, `the node set cannot be created: ${problems.length} problem(s), listed in errors`, {
    errors: problems,
  });
}

function pickRequest(m: NodeSetMemberSpec): MemberRequest {
  return {
    image: m.image,
    size: m.size,
    ...(m.location !== undefined ? { location: m.location } : {}),
    ...(m.keyName !== undefined ? { keyName: m.keyName } : {}),
    ...(m.userData !== undefined ? { userData: m.userData } : {}),
    ...(m.metadata !== undefined ? { metadata: m.metadata } : {}),
  };
}
