import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, Transaction } from 'kysely';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type * as Pg from 'pg';
import { migrationProvider } from './migrations';
import { NODE_OPERATION_KINDS } from './state-store';
import type {
  KeyClaim,
  KeyClaimResult,
  OperationPatch,
  OperationQuery,
  OperationRecord,
  StateStore,
  StoredResponse,
} from './state-store';

interface KeyRow {
  scope: string;
  key: string;
  fingerprint: string;
  state: 'in_flight' | 'released' | 'done';
  owner: string;
  lease_until: number;
  expires_at: number;
  attempts: number;
  response: string | null;
  created_at: number;
}

export interface OperationRow {
  id: string;
  kind: string;
  cloud: string;
  target: string;
  state: string;
  created_at: number;
  updated_at: number;
  deadline: number;
  node_state: string | null;
  result: string | null;
  error: string | null;
  lease_owner: string | null;
  lease_until: number;
}

interface Schema {
  idempotency_keys: KeyRow;
  operations: OperationRow;
  service_keys: { name: string; value: string };
}

/** Epoch-millisecond columns are bigint; node-postgres returns those as strings unless told otherwise. */
const INT8_OID = 20;
function pgTypes(types: typeof Pg.types) {
  return {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === INT8_OID ? (v: string) => Number(v) : types.getTypeParser(oid, format)) as typeof types.getTypeParser,
  };
}

export interface StoreOptions {
  path: string;
  url?: string;
  /** Bound on connecting to PostgreSQL and on each statement, so readiness fails fast. */
  timeoutMs?: number;
}

/**
 * The StateStore over Kysely: one query builder and one migrator for both SQLite (better-sqlite3,
 * WAL mode) and PostgreSQL (node-postgres pool). The few dialect differences (row locks) are marked.
 */
export class KyselyStateStore implements StateStore {
  readonly dialect: 'sqlite' | 'postgres';
  readonly db: Kysely<Schema>;

  constructor(options: StoreOptions) {
    if (options.url) {
      this.dialect = 'postgres';
      const timeout = options.timeoutMs ?? 5_000;
      // node-postgres loads only when PostgreSQL is configured: the embedded SQLite default never
      // needs it, and every module loaded at boot stays in memory (its source and bytecode).
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a deferred load, on first use
      const { Pool, types } = require('pg') as typeof Pg;
      const pool = new Pool({
        connectionString: options.url,
        max: 10,
        connectionTimeoutMillis: timeout,
        query_timeout: timeout,
        types: pgTypes(types),
      });
      // A client that loses its server emits 'error' (on the pool while idle, on the client while in use);
      // unheard, that event would crash the process. The failed query itself rejects and is handled.
      pool.on('error', () => undefined);
      pool.on('connect', (client) => client.on('error', () => undefined));
      this.db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
    } else {
      this.dialect = 'sqlite';
      if (options.path !== ':memory:') mkdirSync(dirname(resolve(options.path)), { recursive: true });
      const database = new Database(options.path);
      database.pragma('journal_mode = WAL');
      // Other processes on the same file (a second replica on one host) wait instead of failing at once.
      database.pragma('busy_timeout = 5000');
      database.pragma('synchronous = NORMAL');
      this.db = new Kysely<Schema>({ dialect: new SqliteDialect({ database }) });
    }
  }

  async migrate(): Promise<void> {
    const migrator = new Migrator({ db: this.db, provider: migrationProvider });
    const { error, results } = await migrator.migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
      throw new Error(
        `state store migration ${failed} failed: ${error instanceof Error ? error.message : 'unknown error'}`,
      );
    }
  }

  async ping(): Promise<void> {
    await this.db.selectNoFrom((eb) => eb.lit(1).as('one')).execute();
  }

  async serviceKey(name: string): Promise<Buffer> {
    // Insert-if-absent, then read: replicas racing at first boot all end up with the first one's key.
    await this.db
      .insertInto('service_keys')
      .values({ name, value: randomBytes(32).toString('base64') })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const row = await this.db
      .selectFrom('service_keys')
      .select('value')
      .where('name', '=', name)
      .executeTakeFirstOrThrow();
    return Buffer.from(row.value, 'base64');
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  async claimKey(claim: KeyClaim): Promise<KeyClaimResult> {
    return this.db.transaction().execute(async (tx) => {
      // Insert first: the statement that takes the write lock (SQLite) or the unique index (PostgreSQL)
      // decides between two concurrent first requests, so exactly one of them executes.
      const inserted = await tx
        .insertInto('idempotency_keys')
        .values({
          scope: claim.scope,
          key: claim.key,
          fingerprint: claim.fingerprint,
          state: 'in_flight',
          owner: claim.owner,
          lease_until: claim.leaseUntil,
          expires_at: claim.expiresAt,
          attempts: 1,
          response: null,
          created_at: claim.now,
        })
        .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return { outcome: 'execute', recovering: false };

      const row = await this.lockKey(tx, claim.scope, claim.key);
      if (!row) return { outcome: 'in_flight', leaseUntil: claim.now }; // deleted between the two statements: retry
      if (row.expires_at <= claim.now) {
        // Expired: the key starts a new life as if never seen.
        await this.takeKey(tx, claim, { attempts: 1, created_at: claim.now, fingerprint: claim.fingerprint });
        return { outcome: 'execute', recovering: false };
      }
      if (row.fingerprint !== claim.fingerprint) return { outcome: 'mismatch' };
      if (row.state === 'done') return { outcome: 'replay', response: JSON.parse(row.response!) as StoredResponse };
      if (row.state === 'in_flight' && row.lease_until > claim.now)
        return { outcome: 'in_flight', leaseUntil: row.lease_until };
      // Released after a failure, or its holder died (lease over): this attempt takes it over.
      await this.takeKey(tx, claim, { attempts: row.attempts + 1 });
      return { outcome: 'execute', recovering: true };
    });
  }

  async releaseKey(scope: string, key: string, owner: string, forget: boolean): Promise<void> {
    if (forget) {
      await this.db
        .deleteFrom('idempotency_keys')
        .where('scope', '=', scope)
        .where('key', '=', key)
        .where('owner', '=', owner)
        .where('state', '=', 'in_flight')
        .execute();
      return;
    }
    await this.db
      .updateTable('idempotency_keys')
      .set({ state: 'released', lease_until: 0 })
      .where('scope', '=', scope)
      .where('key', '=', key)
      .where('owner', '=', owner)
      .where('state', '=', 'in_flight')
      .execute();
  }

  async recordWrite(write: {
    key?: { scope: string; key: string; owner: string; response: StoredResponse };
    operation?: OperationRecord;
  }): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      if (write.operation) await tx.insertInto('operations').values(operationRow(write.operation)).execute();
      if (write.key) {
        await tx
          .updateTable('idempotency_keys')
          .set({ state: 'done', response: JSON.stringify(write.key.response), lease_until: 0 })
          .where('scope', '=', write.key.scope)
          .where('key', '=', write.key.key)
          .where('owner', '=', write.key.owner)
          .execute();
      }
    });
  }

  async purgeExpiredKeys(now: number): Promise<number> {
    const result = await this.db
      .deleteFrom('idempotency_keys')
      .where('expires_at', '<=', now)
      .where('state', '!=', 'in_flight')
      .executeTakeFirst();
    return Number(result.numDeletedRows ?? 0);
  }

  async getOperation(id: string): Promise<OperationRecord | undefined> {
    const row = await this.db.selectFrom('operations').selectAll().where('id', '=', id).executeTakeFirst();
    return row && fromRow(row);
  }

  async listOperations(query: OperationQuery): Promise<OperationRecord[]> {
    let select = this.db.selectFrom('operations').selectAll();
    if (query.cloud) select = select.where('cloud', '=', query.cloud);
    if (query.state) select = select.where('state', '=', query.state);
    if (query.after) {
      const { createdAt, id } = query.after;
      select = select.where((eb) =>
        eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)])]),
      );
    }
    const rows = await select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
    return rows.map(fromRow);
  }

  async claimOperations(owner: string, leaseUntil: number, now: number, limit: number): Promise<OperationRecord[]> {
    return this.db.transaction().execute(async (tx) => {
      let claimable = tx
        .selectFrom('operations')
        .select('id')
        .where('state', '=', 'running')
        .where('kind', 'in', [...NODE_OPERATION_KINDS])
        .where((eb) => eb.or([eb('lease_owner', '=', owner), eb('lease_until', '<', now)]))
        .orderBy('created_at')
        .limit(limit);
      // PostgreSQL: rows another replica is claiming right now are skipped, not waited for.
      // SQLite has one writer at a time, so the transaction alone is enough there.
      if (this.dialect === 'postgres') claimable = claimable.forUpdate().skipLocked();
      const ids = (await claimable.execute()).map((r) => r.id);
      if (!ids.length) return [];
      const rows = await tx
        .updateTable('operations')
        .set({ lease_owner: owner, lease_until: leaseUntil })
        .where('id', 'in', ids)
        .returningAll()
        .execute();
      return rows.map(fromRow);
    });
  }

  async updateOperation(id: string, owner: string, patch: OperationPatch): Promise<boolean> {
    const result = await this.db
      .updateTable('operations')
      .set(patchRow(patch))
      .where('id', '=', id)
      .where('state', '=', 'running')
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async finishOperation(id: string, patch: OperationPatch): Promise<boolean> {
    if (patch.state === 'running') throw new Error('finishOperation needs a final state');
    const result = await this.db
      .updateTable('operations')
      .set(patchRow(patch))
      .where('id', '=', id)
      .where('state', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async runningNodeOperations(on?: { cloud: string; target: string }): Promise<OperationRecord[]> {
    let select = this.db
      .selectFrom('operations')
      .selectAll()
      .where('state', '=', 'running')
      .where('kind', 'in', [...NODE_OPERATION_KINDS]);
    if (on) select = select.where('cloud', '=', on.cloud).where('target', '=', on.target);
    return (await select.execute()).map(fromRow);
  }

  private async lockKey(tx: Transaction<Schema>, scope: string, key: string): Promise<KeyRow | undefined> {
    let select = tx.selectFrom('idempotency_keys').selectAll().where('scope', '=', scope).where('key', '=', key);
    if (this.dialect === 'postgres') select = select.forUpdate();
    return select.executeTakeFirst();
  }

  private async takeKey(tx: Transaction<Schema>, claim: KeyClaim, extra: Partial<KeyRow>): Promise<void> {
    await tx
      .updateTable('idempotency_keys')
      .set({
        state: 'in_flight',
        owner: claim.owner,
        lease_until: claim.leaseUntil,
        expires_at: claim.expiresAt,
        response: null,
        ...extra,
      })
      .where('scope', '=', claim.scope)
      .where('key', '=', claim.key)
      .execute();
  }
}

/** An operation as its `operations` row (unleased); node sets insert their operations with it too. */
export function operationRow(op: OperationRecord): OperationRow {
  return {
    id: op.id,
    kind: op.kind,
    cloud: op.cloud,
    target: op.target,
    state: op.state,
    created_at: op.createdAt,
    updated_at: op.updatedAt,
    deadline: op.deadline,
    node_state: op.nodeState,
    result: op.result,
    error: op.error,
    lease_owner: null,
    lease_until: 0,
  };
}

function patchRow(patch: OperationPatch): Partial<OperationRow> {
  const set: Partial<OperationRow> = { updated_at: patch.updatedAt };
  if (patch.state !== undefined) set.state = patch.state;
  if (patch.nodeState !== undefined) set.node_state = patch.nodeState;
  if (patch.result !== undefined) set.result = patch.result;
  if (patch.error !== undefined) set.error = patch.error;
  return set;
}

function fromRow(row: OperationRow): OperationRecord {
  return {
    id: row.id,
    kind: row.kind as OperationRecord['kind'],
    cloud: row.cloud,
    target: row.target,
    state: row.state as OperationRecord['state'],
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    deadline: Number(row.deadline),
    nodeState: row.node_state,
    result: row.result,
    error: row.error,
  };
}
