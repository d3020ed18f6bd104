import type { Kysely, Transaction } from 'kysely';
import type { Problem } from '../api/problem/problem';
import { operationRow } from '../store/kysely-state-store';
import type { OperationRecord, StateStore } from '../store/state-store';
import {
  ACTIVE_SET_STATES,
  LIVE_SET_STATES,
  MemberRecord,
  MemberRequest,
  MemberStep,
  NodeSetRecord,
  NodeSetState,
} from './node-set.model';

interface SetRow {
  id: string;
  name: string;
  state: string;
  scope: string;
  client_token: string | null;
  operation_id: string;
  created_at: number;
  updated_at: number;
  deadline: number;
  error: string | null;
  lease_owner: string | null;
  lease_until: number;
}

interface MemberRow {
  set_id: string;
  idx: number;
  cloud: string;
  name: string;
  request: string;
  mark: string;
  step: string;
  node_id: string | null;
  node_state: string | null;
  error: string | null;
  updated_at: number;
}

export interface MemberPatch {
  step?: MemberStep;
  nodeId?: string | null;
  nodeState?: string | null;
  error?: string | null;
}

/** How a set's operation ends, written in the transaction that ends the set. */
export interface OperationEnd {
  state: 'succeeded' | 'failed';
  /**
   * The operation's result (AIP-151: the resource as it was when the operation finished), built from
   * the set and its members as this same transaction leaves them: the record a GET reads right after.
   */
  result?: (set: NodeSetRecord, members: MemberRecord[]) => unknown;
  error?: Problem;
}

/**
 * The node set journal in the state store (tables node_sets, node_set_members, node_set_journal;
 * migration 0002). Every change to a set or a member appends a journal row in the same transaction,
 * and every change made by the runner is fenced by the set's lease: a replica that lost its lease
 * (it stalled and another took over) changes nothing. PostgreSQL locks the set row for the fence.
 */
export class NodeSetStore {
  private readonly db: Kysely<any>;
  private readonly postgres: boolean;

  constructor(store: StateStore) {
    this.db = store.db;
    this.postgres = store.dialect === 'postgres';
  }

  /** Stores a new set, its members and its operation in one transaction (with the lease of its creator). */
  async insert(
    set: NodeSetRecord,
    members: MemberRecord[],
    operation: OperationRecord,
    lease: { owner: string; until: number },
  ): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('node_sets')
        .values({ ...setRow(set), lease_owner: lease.owner, lease_until: lease.until })
        .execute();
      // Batches keep each statement under SQLite's bound-parameter limit.
      for (let i = 0; i < members.length; i += 50) {
        await tx
          .insertInto('node_set_members')
          .values(members.slice(i, i + 50).map(memberRow))
          .execute();
      }
      await tx.insertInto('operations').values(operationRow(operation)).execute();
      await this.append(tx, set.id, null, 'set_created', `${members.length} members`, set.createdAt);
    });
  }

  async get(id: string): Promise<NodeSetRecord | undefined> {
    const row = await this.db.selectFrom('node_sets').selectAll().where('id', '=', id).executeTakeFirst();
    return row && fromSetRow(row as SetRow);
  }

  async findByToken(scope: string, clientToken: string): Promise<NodeSetRecord | undefined> {
    const row = await this.db
      .selectFrom('node_sets')
      .selectAll()
      .where('scope', '=', scope)
      .where('client_token', '=', clientToken)
      .executeTakeFirst();
    return row && fromSetRow(row as SetRow);
  }

  /** Newest first, continuing after (createdAt, id). */
  async list(limit: number, after?: { createdAt: number; id: string }): Promise<NodeSetRecord[]> {
    let select = this.db.selectFrom('node_sets').selectAll();
    if (after) {
      select = select.where((eb) =>
        eb.or([
          eb('created_at', '<', after.createdAt),
          eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)]),
        ]),
      );
    }
    const rows = await select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => fromSetRow(r as SetRow));
  }

  async members(setId: string): Promise<MemberRecord[]> {
    return this.membersIn(this.db, setId);
  }

  private async membersIn(db: Kysely<any>, setId: string): Promise<MemberRecord[]> {
    const rows = await db
      .selectFrom('node_set_members')
      .selectAll()
      .where('set_id', '=', setId)
      .orderBy('idx')
      .execute();
    return rows.map((r) => fromMemberRow(r as MemberRow));
  }

  /** Members of every set, for the orphan sweep: set id, cloud and node id of those that may have a node. */
  async setsById(ids: string[]): Promise<Map<string, NodeSetState>> {
    const found = new Map<string, NodeSetState>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.db
        .selectFrom('node_sets')
        .select(['id', 'state'])
        .where('id', 'in', ids.slice(i, i + 500))
        .execute();
      for (const row of rows as Array<{ id: string; state: NodeSetState }>) found.set(row.id, row.state);
    }
    return found;
  }

  /**
   * Members of sets still `creating` or `ready` on `cloud` that are node `nodeId`, or whose create was
   * sent and not yet answered (step `creating`, no node id: the node may be `nodeId` and not recorded
   * yet). One statement, so both come from the same moment. Sets rolling back, failed, deleting or
   * deleted are not asked about: their members are being (or were) destroyed anyway.
   */
  async liveMembersFor(
    cloud: string,
    nodeId: string,
  ): Promise<Array<{ setId: string; setState: NodeSetState; idx: number; name: string; nodeId: string | null }>> {
    const rows = await this.db
      .selectFrom('node_set_members as m')
      .innerJoin('node_sets as s', 's.id', 'm.set_id')
      .select(['m.set_id', 's.state', 'm.idx', 'm.name', 'm.node_id'])
      .where('m.cloud', '=', cloud)
      .where('s.state', 'in', [...LIVE_SET_STATES])
      .where((eb) =>
        eb.or([eb('m.node_id', '=', nodeId), eb.and([eb('m.node_id', 'is', null), eb('m.step', '=', 'creating')])]),
      )
      .orderBy('m.set_id')
      .orderBy('m.idx')
      .execute();
    return (
      rows as Array<{ set_id: string; state: NodeSetState; idx: number; name: string; node_id: string | null }>
    ).map((r) => ({ setId: r.set_id, setState: r.state, idx: Number(r.idx), name: r.name, nodeId: r.node_id }));
  }

  /**
   * Takes (or renews) the lease on active sets that are this owner's or whose lease ran out. PostgreSQL:
   * FOR UPDATE SKIP LOCKED, so two replicas never take the same set; SQLite has one writer at a time.
   */
  async claim(owner: string, leaseUntil: number, now: number, limit: number): Promise<NodeSetRecord[]> {
    return this.db.transaction().execute(async (tx) => {
      let claimable = tx
        .selectFrom('node_sets')
        .select('id')
        .where('state', 'in', [...ACTIVE_SET_STATES])
        .where((eb) => eb.or([eb('lease_owner', '=', owner), eb('lease_until', '<', now)]))
        .orderBy('created_at')
        .limit(limit);
      if (this.postgres) claimable = claimable.forUpdate().skipLocked();
      const ids = (await claimable.execute()).map((r) => r.id as string);
      if (!ids.length) return [];
      const rows = await tx
        .updateTable('node_sets')
        .set({ lease_owner: owner, lease_until: leaseUntil })
        .where('id', 'in', ids)
        .returningAll()
        .execute();
      return rows.map((r) => fromSetRow(r as SetRow));
    });
  }

  /** Changes one member (and journals the step) while `owner` holds the set; false when it does not. */
  async updateMember(
    owner: string,
    setId: string,
    idx: number,
    patch: MemberPatch,
    journal: { step: string; detail?: string },
  ): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      if (!(await this.holds(tx, owner, setId))) return false;
      const now = Date.now();
      const set: Partial<MemberRow> = { updated_at: now };
      if (patch.step !== undefined) set.step = patch.step;
      if (patch.nodeId !== undefined) set.node_id = patch.nodeId;
      if (patch.nodeState !== undefined) set.node_state = patch.nodeState;
      if (patch.error !== undefined) set.error = patch.error;
      await tx.updateTable('node_set_members').set(set).where('set_id', '=', setId).where('idx', '=', idx).execute();
      await this.append(tx, setId, idx, journal.step, journal.detail ?? null, now);
      return true;
    });
  }

  /**
   * Moves a set `owner` holds from one of `from` to `to` (recording `error` when given) and, when the
   * move ends the set's work, ends its operation in the same transaction. `when` is checked against the
   * members as recorded, under the set's lock: a set turns `ready` only once every member's final state
   * is in the store. False when not held, not in `from`, or `when` says no.
   */
  async transition(
    owner: string,
    setId: string,
    from: NodeSetState[],
    to: NodeSetState,
    options: { error?: Problem; end?: OperationEnd; when?: (members: MemberRecord[]) => boolean } = {},
  ): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const row = await this.lockSet(tx, setId);
      if (!row || row.lease_owner !== owner || !from.includes(row.state as NodeSetState)) return false;
      if (options.when && !options.when(await this.membersIn(tx, setId))) return false;
      const now = Date.now();
      await tx
        .updateTable('node_sets')
        .set({
          state: to,
          updated_at: now,
          ...(options.error ? { error: JSON.stringify(options.error) } : {}),
          ...(ACTIVE_SET_STATES.includes(to) ? {} : { lease_owner: null, lease_until: 0 }),
        })
        .where('id', '=', setId)
        .execute();
      await this.append(tx, setId, null, `set_${to}`, options.error?.detail ?? null, now);
      if (options.end) {
        const result = options.end.result;
        const set = result && fromSetRow((await this.lockSet(tx, setId))!);
        const value = set && result(set, await this.membersIn(tx, setId));
        await this.endOperation(tx, row.operation_id, { ...options.end, result: value }, now);
      }
      return true;
    });
  }

  /**
   * Starts deleting a set at rest (ready or failed): state `deleting`, a new operation, one transaction.
   * Answers the set as it is afterwards; `started` false when it was not at rest (nothing changed).
   */
  async startDelete(
    setId: string,
    operation: OperationRecord,
    lease: { owner: string; until: number },
  ): Promise<{ started: boolean; set?: NodeSetRecord }> {
    return this.db.transaction().execute(async (tx) => {
      const row = await this.lockSet(tx, setId);
      if (!row) return { started: false };
      if (row.state !== 'ready' && row.state !== 'failed') return { started: false, set: fromSetRow(row) };
      const now = Date.now();
      await tx.insertInto('operations').values(operationRow(operation)).execute();
      await tx
        .updateTable('node_sets')
        .set({
          state: 'deleting',
          operation_id: operation.id,
          updated_at: now,
          lease_owner: lease.owner,
          lease_until: lease.until,
        })
        .where('id', '=', setId)
        .execute();
      await this.append(tx, setId, null, 'set_deleting', null, now);
      return {
        started: true,
        set: fromSetRow({ ...row, state: 'deleting', operation_id: operation.id, updated_at: now }),
      };
    });
  }

  /** The journal of one set, oldest first (for tests and diagnosis). */
  async journal(
    setId: string,
  ): Promise<Array<{ seq: number; idx: number | null; step: string; detail: string | null }>> {
    return await this.db
      .selectFrom('node_set_journal')
      .select(['seq', 'idx', 'step', 'detail'])
      .where('set_id', '=', setId)
      .orderBy('seq')
      .execute();
  }

  private async holds(tx: Transaction<any>, owner: string, setId: string): Promise<boolean> {
    const row = await this.lockSet(tx, setId);
    return !!row && row.lease_owner === owner && ACTIVE_SET_STATES.includes(row.state as NodeSetState);
  }

  private async lockSet(tx: Transaction<any>, setId: string): Promise<SetRow | undefined> {
    let select = tx.selectFrom('node_sets').selectAll().where('id', '=', setId);
    if (this.postgres) select = select.forUpdate();
    return (await select.executeTakeFirst()) as SetRow | undefined;
  }

  private async endOperation(
    tx: Transaction<any>,
    id: string,
    end: Omit<OperationEnd, 'result'> & { result?: unknown },
    now: number,
  ): Promise<void> {
    await tx
      .updateTable('operations')
      .set({
        state: end.state,
        updated_at: now,
        ...(end.result !== undefined ? { result: JSON.stringify(end.result) } : {}),
        ...(end.error ? { error: JSON.stringify(end.error) } : {}),
      })
      .where('id', '=', id)
      .where('state', '=', 'running')
      .execute();
  }

  private async append(
    tx: Transaction<any>,
    setId: string,
    idx: number | null,
    step: string,
    detail: string | null,
    at: number,
  ): Promise<void> {
    const last = await tx
      .selectFrom('node_set_journal')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .where('set_id', '=', setId)
      .executeTakeFirst();
    const seq = Number(last?.seq ?? 0) + 1;
    await tx.insertInto('node_set_journal').values({ set_id: setId, seq, idx, step, detail, at }).execute();
  }
}

function setRow(set: NodeSetRecord): Omit<SetRow, 'lease_owner' | 'lease_until'> {
  return {
    id: set.id,
    name: set.name,
    state: set.state,
    scope: set.scope,
    client_token: set.clientToken,
    operation_id: set.operationId,
    created_at: set.createdAt,
    updated_at: set.updatedAt,
    deadline: set.deadline,
    error: set.error ? JSON.stringify(set.error) : null,
  };
}

function fromSetRow(row: SetRow): NodeSetRecord {
  return {
    id: row.id,
    name: row.name,
    state: row.state as NodeSetState,
    scope: row.scope,
    clientToken: row.client_token,
    operationId: row.operation_id,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    deadline: Number(row.deadline),
    error: row.error ? (JSON.parse(row.error) as Problem) : null,
  };
}

function memberRow(m: MemberRecord): MemberRow {
  return {
    set_id: m.setId,
    idx: m.idx,
    cloud: m.cloud,
    name: m.name,
    request: JSON.stringify(m.request),
    mark: m.mark,
    step: m.step,
    node_id: m.nodeId,
    node_state: m.nodeState,
    error: m.error,
    updated_at: m.updatedAt,
  };
}

function fromMemberRow(row: MemberRow): MemberRecord {
  return {
    setId: row.set_id,
    idx: Number(row.idx),
    cloud: row.cloud,
    name: row.name,
    request: JSON.parse(row.request) as MemberRequest,
    mark: row.mark,
    step: row.step as MemberStep,
    nodeId: row.node_id,
    nodeState: row.node_state,
    error: row.error,
    updatedAt: Number(row.updated_at),
  };
}
