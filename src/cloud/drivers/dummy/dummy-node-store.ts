import type { Kysely } from 'kysely';
import type { DummyPersistence, StoredNodeRecord } from './dummy.driver';

/**
 * A dummy cloud's nodes in the service's state store (table dummy_nodes), for `persist: true`: the
 * cloud then outlives the process like a real one, so crash tests on dummy clouds can count its nodes
 * after a restart. One row per node, written before the call that made it answers. Node numbers come
 * from DummyIdSequence, as for every dummy cloud.
 */
export class DummyNodeStore implements DummyPersistence {
  constructor(
    private readonly db: Kysely<any>,
    private readonly cloud: string,
  ) {}

  async load(): Promise<StoredNodeRecord[]> {
    const rows = await this.db.selectFrom('dummy_nodes').select('node').where('cloud', '=', this.cloud).execute();
    return rows.map((r: { node: string }) => JSON.parse(r.node) as StoredNodeRecord);
  }

  async save(node: StoredNodeRecord): Promise<void> {
    await this.db
      .insertInto('dummy_nodes')
      .values({ cloud: this.cloud, id: node.id, node: JSON.stringify(node) })
      .onConflict((oc) => oc.columns(['cloud', 'id']).doUpdateSet({ node: JSON.stringify(node) }))
      .execute();
  }

  async remove(id: string): Promise<void> {
    await this.db.deleteFrom('dummy_nodes').where('cloud', '=', this.cloud).where('id', '=', id).execute();
  }
}
