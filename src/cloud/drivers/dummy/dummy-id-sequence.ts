import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { DummyIds } from './dummy.driver';

/**
 * A dummy cloud's node numbers, kept in the service's state store (table dummy_sequences, one row per
 * cloud name), for every dummy cloud, persisted or not. The store outlives the process and holds
 * operations, Idempotency-Key answers and node set members that name node ids; an in-memory cloud
 * that started its counter over after a restart gave those ids to new, different nodes. Issuing from
 * the store means an id names one node for as long as the store lives, across restarts and across
 * replicas that share it (each number is one atomic upsert, so two processes never get the same one).
 *
 * Keyed by the cloud's name, not by suite or process: the records it protects are keyed that way too,
 * and a cloud switched between `persist` and memory must not reuse its own earlier ids either.
 */
export class DummyIdSequence implements DummyIds {
  constructor(
    private readonly db: Kysely<any>,
    private readonly cloud: string,
  ) {}

  async seed(count: number): Promise<number> {
    const existing = await this.db
      .selectFrom('dummy_sequences')
      .select('cloud')
      .where('cloud', '=', this.cloud)
      .executeTakeFirst();
    if (!existing) {
      // A store that predates this table's use for in-memory clouds: continue past every dummy id the
      // service's records already name, so an old operation or member is never renamed either. Ids at
      // or below `count` in those records are taken to be the demo nodes', as they were under that config.
      const last = Math.max(count, await this.highestRecorded());
      await this.db
        .insertInto('dummy_sequences')
        .values({ cloud: this.cloud, last, seeded: count })
        .onConflict((oc) => oc.column('cloud').doNothing())
        .execute();
    }
    // More demo nodes than last time: the fixed range may grow only while no id past it was issued.
    await this.db
      .updateTable('dummy_sequences')
      .set({ seeded: count, last: count })
      .where('cloud', '=', this.cloud)
      .where('seeded', '<', count)
      .whereRef('last', '<=', 'seeded')
      .execute();
    const row = await this.db
      .selectFrom('dummy_sequences')
      .select('seeded')
      .where('cloud', '=', this.cloud)
      .executeTakeFirstOrThrow();
    return Math.min(count, Number(row.seeded));
  }

  async issue(floor: number): Promise<number> {
    const above = sql.lit(Math.max(0, Math.floor(floor)));
    const row = await this.db
      .insertInto('dummy_sequences')
      .values({ cloud: this.cloud, last: sql`${above} + 1`, seeded: 0 })
      .onConflict((oc) =>
        oc.column('cloud').doUpdateSet({
          last: sql`(case when dummy_sequences.last < ${above} then ${above} else dummy_sequences.last end) + 1`,
        }),
      )
      .returning('last')
      .executeTakeFirstOrThrow();
    return Number(row.last);
  }

  /** The highest dummy-style node number (node-NNNNNN) this cloud's operations and node set members name. */
  private async highestRecorded(): Promise<number> {
    // Grouped by length: ids of more than six digits sort below shorter ones as text.
    const named = await Promise.all([
      sql<{ id: string }>`select max(target) as id from operations
        where cloud = ${this.cloud} and target like 'node-%' group by length(target)`.execute(this.db),
      sql<{ id: string }>`select max(node_id) as id from node_set_members
        where cloud = ${this.cloud} and node_id like 'node-%' group by length(node_id)`.execute(this.db),
    ]);
    let highest = 0;
    for (const { rows } of named) {
      for (const { id } of rows) {
        const number = /^node-(\d+)$/.exec(id ?? '')?.[1];
        if (number) highest = Math.max(highest, Number(number));
      }
    }
    return highest;
  }
}
