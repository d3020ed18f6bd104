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
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
