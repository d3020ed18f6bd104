import type { Kysely } from 'kysely';
import type { DummyPersistence, StoredNodeRecord } from './dummy.driver';

/**
 * A dummy cloud's nodes in the service's state store (table dummy_nodes), for `persist: true`: the
 * cloud then outlives the process like a real one, so crash tests on dummy clouds can count its nodes
 * after a restart. One row per node, written before the call that made it answers, and the last node
 * number issued (table dummy_sequences), so an id is never handed out twice.
 */
export class DummyNodeStore implements DummyPersistence {
  constructor(
    private readonly db: Kysely<any>,
    private readonly cloud: string,
  ) {}

  async load(): Promise<{ nodes: StoredNodeRecord[]; issued: number }> {
    const rows = await this.db.selectFrom('dummy_nodes').select('node').where('cloud', '=', this.cloud).execute();
    const sequence = await this.db
      .selectFrom('dummy_sequences')
      .select('last')
      .where('cloud', '=', this.cloud)
      .executeTakeFirst();
    return {
      nodes: rows.map((r: { node: string }) => JSON.parse(r.node) as StoredNodeRecord),
      issued: Number(sequence?.last ?? 0),
    };
  }

  async save(node: StoredNodeRecord, issued?: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('dummy_nodes')
        .values({ cloud: this.cloud, id: node.id, node: JSON.stringify(node) })
        .onConflict((oc) => oc.columns(['cloud', 'id']).doUpdateSet({ node: JSON.stringify(node) }))
        .execute();
      if (issued === undefined) return;
      // Only ever raised: the counter continues past every id this cloud issued.
      await trx
        .insertInto('dummy_sequences')
        .values({ cloud: this.cloud, last: issued })
        .onConflict((oc) => oc.column('cloud').doUpdateSet({ last: issued }).where('dummy_sequences.last', '<', issued))
        .execute();
    });
  }

  async remove(id: string): Promise<void> {
    await this.db.deleteFrom('dummy_nodes').where('cloud', '=', this.cloud).where('id', '=', id).execute();
  }
}
