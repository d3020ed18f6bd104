import { Kysely, Migration, MigrationProvider, sql } from 'kysely';

/**
 * Versioned schema migrations, applied in name order at boot by Kysely's Migrator (which records
 * them in kysely_migration and holds a lock, so replicas booting together apply each once).
 * Never edit a migration that has shipped: add the next one.
 */
const MIGRATIONS: Record<string, Migration> = {
  '0001_idempotency_keys_and_operations': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('idempotency_keys')
        .addColumn('scope', 'varchar(64)', (c) => c.notNull())
        .addColumn('key', 'varchar(255)', (c) => c.notNull())
        .addColumn('fingerprint', 'varchar(64)', (c) => c.notNull())
        .addColumn('state', 'varchar(16)', (c) => c.notNull())
        .addColumn('owner', 'varchar(64)', (c) => c.notNull())
        .addColumn('lease_until', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('response', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['scope', 'key'])
        .execute();
      await db.schema.createIndex('idempotency_keys_expiry').on('idempotency_keys').column('expires_at').execute();

      await db.schema
        .createTable('operations')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('kind', 'varchar(32)', (c) => c.notNull())
        .addColumn('cloud', 'varchar(64)', (c) => c.notNull())
        .addColumn('target', 'varchar(255)', (c) => c.notNull())
        .addColumn('state', 'varchar(16)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('deadline', 'bigint', (c) => c.notNull())
        .addColumn('node_state', 'varchar(32)')
        .addColumn('result', 'text')
        .addColumn('error', 'text')
        .addColumn('lease_owner', 'varchar(64)')
        .addColumn('lease_until', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('operations_listing').on('operations').columns(['created_at', 'id']).execute();
      await db.schema
        .createIndex('operations_running')
        .on('operations')
        .columns(['state', 'lease_until'])
        .where(sql.ref('state'), '=', 'running')
        .execute();
    },
  },
  '0002_node_sets': {
    async up(db: Kysely<any>) {
      // One row per set: its spec, its state and the lease of the replica driving it.
      await db.schema
        .createTable('node_sets')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('name', 'varchar(255)', (c) => c.notNull())
        .addColumn('state', 'varchar(16)', (c) => c.notNull())
        .addColumn('scope', 'varchar(64)', (c) => c.notNull())
        .addColumn('client_token', 'varchar(64)')
        .addColumn('operation_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('deadline', 'bigint', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('lease_owner', 'varchar(64)')
        .addColumn('lease_until', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('node_sets_listing').on('node_sets').columns(['created_at', 'id']).execute();
      await db.schema
        .createIndex('node_sets_token')
        .on('node_sets')
        .columns(['scope', 'client_token'])
        .unique()
        .execute();
      await db.schema.createIndex('node_sets_active').on('node_sets').columns(['state', 'lease_until']).execute();
      // One row per member: what to create where, and where its step stands.
      await db.schema
        .createTable('node_set_members')
        .addColumn('set_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('idx', 'integer', (c) => c.notNull())
        .addColumn('cloud', 'varchar(64)', (c) => c.notNull())
        .addColumn('name', 'varchar(255)', (c) => c.notNull())
        .addColumn('request', 'text', (c) => c.notNull())
        .addColumn('mark', 'varchar(64)', (c) => c.notNull())
        .addColumn('step', 'varchar(16)', (c) => c.notNull())
        .addColumn('node_id', 'varchar(255)')
        .addColumn('node_state', 'varchar(32)')
        .addColumn('error', 'text')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('node_set_members_pk', ['set_id', 'idx'])
        .execute();
      // The journal: one row per member step and per compensation, appended in the transaction that makes it.
      await db.schema
        .createTable('node_set_journal')
        .addColumn('set_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('idx', 'integer')
        .addColumn('step', 'varchar(32)', (c) => c.notNull())
        .addColumn('detail', 'text')
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('node_set_journal_pk', ['set_id', 'seq'])
        .execute();
      // Nodes of dummy clouds with persist: true (so crash tests see them after a restart).
      await db.schema
        .createTable('dummy_nodes')
        .addColumn('cloud', 'varchar(64)', (c) => c.notNull())
        .addColumn('id', 'varchar(64)', (c) => c.notNull())
        .addColumn('node', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('dummy_nodes_pk', ['cloud', 'id'])
        .execute();
    },
  },
  '0003_node_set_members_by_node': {
    async up(db: Kysely<any>) {
      // destroyNode asks whether a node is a member of a live set: by cloud and node id, on every destroy.
      await db.schema
        .createIndex('node_set_members_node')
        .on('node_set_members')
        .columns(['cloud', 'node_id'])
        .execute();
    },
  },
  '0004_dummy_sequences': {
    async up(db: Kysely<any>) {
      // The last node number each persisted dummy cloud issued: ids are never reused after a restart,
      // even when the nodes that had the highest ones are gone.
      await db.schema
        .createTable('dummy_sequences')
        .addColumn('cloud', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('last', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '0005_service_keys': {
    async up(db: Kysely<any>) {
      // Keys the service makes for itself once and every replica sharing the store then uses (the
      // cursor seal's key when cursors.secret is not set), so they survive restarts and cross replicas.
      await db.schema
        .createTable('service_keys')
        .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0006_dummy_demo_ids': {
    async up(db: Kysely<any>) {
      // Every dummy cloud now draws its ids from dummy_sequences, persisted or not; `seeded` is how many
      // low ids (node-000001..) belong to the demo nodes a start creates, so they keep their ids.
      await db.schema
        .alterTable('dummy_sequences')
        .addColumn('seeded', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
    },
  },
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
