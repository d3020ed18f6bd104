import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** The stack up.sh started (same default as up.sh): its own nova-manage launcher and nova.conf. */
const STATE = (process.env.OS_CI_STATE ?? '/tmp/openstack-ci').replace(/\/$/, '');
const NOVA_MANAGE = `${STATE}/bin/nova-manage`;
const NOVA_CONF = `${STATE}/etc/nova/nova.conf`;

/**
 * What an operator's `nova-manage db archive_deleted_rows --until-complete` does to this stack: the
 * rows of deleted servers move to Nova's shadow tables, so Nova no longer knows a deleted server at
 * all (a marker naming it is then "marker [x] not found"; before, soft deletion kept it findable).
 * Archives every deleted row of the cell, other users' too: deleted rows are nobody's live data.
 */
export async function archiveDeletedRows(): Promise<void> {
  await alignShadowInstances();
  try {
    await run(NOVA_MANAGE, ['--config-file', NOVA_CONF, 'db', 'archive_deleted_rows', '--until-complete'], {
      timeout: 120_000,
    });
  } catch (error) {
    // nova-manage exits 1 when it archived rows, 0 when there was nothing to archive.
    if ((error as { code?: unknown }).code !== 1) throw error;
  }
}

/**
 * On PostgreSQL, Nova's schema gives shadow_instances.locked_by an enum type of its own
 * (shadow_instances0locked_by), so archiving any instance fails with DatatypeMismatch ("column
 * locked_by is of type shadow_instances0locked_by but expression is of type instances0locked_by").
 * The shadow column is given the live table's type (same values), once; SQLite has no enum types.
 */
async function alignShadowInstances(): Promise<void> {
  const conf = readFileSync(NOVA_CONF, 'utf8');
  const database = /^\[database\][^[]*?^connection\s*=\s*(\S+)/m.exec(conf)?.[1];
  const pg = database && /^postgresql\+\w+:\/\/(\w+)@\/(\w+)\?host=(\S+)$/.exec(database);
  if (!pg) return;
  const [, user, name, host] = pg;
  const sql = `DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'shadow_instances'
               AND column_name = 'locked_by' AND udt_name = 'shadow_instances0locked_by') THEN
      ALTER TABLE shadow_instances ALTER COLUMN locked_by TYPE instances0locked_by
        USING locked_by::text::instances0locked_by;
    END IF;
  END $$;`;
  await run('psql', ['-h', host, '-U', user, '-d', name, '-v', 'ON_ERROR_STOP=1', '-qc', sql], { timeout: 30_000 });
}
