#!/usr/bin/env node
// How much the state store grows per 10,000 operations: 10,000 accepted creates recorded as the
// service records them (one transaction each: the operation plus its Idempotency-Key record with the
// stored answer), with the payloads of a real dummy-cloud create, then each operation finished with
// the node as its result. Measures the SQLite file (plus WAL, after a checkpoint) and, with
// STATE_URL=postgres://..., pg_total_relation_size of both tables.
//   npm run build && node bench/store-size.mjs [operations=10000]
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const root = new URL('..', import.meta.url).pathname;
const { KyselyStateStore } = require(join(root, 'dist/store/kysely-state-store.js'));
const count = Number(process.argv[2] ?? 10_000);
const dir = mkdtempSync(join(tmpdir(), 'co-size-'));
const path = join(dir, 'state.db');
const url = process.env.STATE_URL;
const store = new KyselyStateStore(url ? { path, url } : { path });
await store.migrate();

const node = (i) => ({
  id: `node-${String(i).padStart(6, '0')}`,
  cloud: 'default',
  name: `web-${i}`,
  state: 'pending',
  publicIps: [`203.0.113.${(i % 250) + 1}`],
  privateIps: [`10.0.${Math.floor(i / 250) % 256}.${(i % 250) + 1}`],
  imageId: 'img-debian-12',
  sizeId: 'small',
  locationId: 'dc-ams',
  createdAt: new Date().toISOString(),
  metadata: { team: 'web' },
  extra: {},
});
const started = performance.now();
for (let i = 0; i < count; i++) {
  const now = Date.now();
  const id = randomUUID();
  const key = randomUUID();
  const claim = await store.claimKey({
    scope: 'deployer',
    key,
    fingerprint: 'f'.repeat(64),
    owner: 'bench',
    leaseUntil: now + 65_000,
    expiresAt: now + 86_400_000,
    now,
  });
  if (claim.outcome !== 'execute') throw new Error('claim failed');
  const location = `/api/v1/clouds/default/nodes/${node(i).id}`;
  await store.recordWrite({
    key: {
      scope: 'deployer',
      key,
      owner: 'bench',
      response: {
        status: 202,
        headers: { location, 'operation-location': `/api/v1/operations/${id}` },
        body: JSON.stringify(node(i)),
      },
    },
    operation: {
      id,
      kind: 'createNode',
      cloud: 'default',
      target: node(i).id,
      state: 'running',
      createdAt: now,
      updatedAt: now,
      deadline: now + 600_000,
      nodeState: 'pending',
      result: null,
      error: null,
    },
  });
  await store.claimOperations('bench', now + 30_000, now, 1);
  await store.updateOperation(id, 'bench', {
    state: 'succeeded',
    nodeState: 'running',
    result: JSON.stringify({ ...node(i), state: 'running' }),
    updatedAt: Date.now(),
  });
}
const seconds = (performance.now() - started) / 1000;
let bytes;
if (url) {
  const { Client } = require('pg');
  const client = new Client({ connectionString: url });
  await client.connect();
  await client.query('VACUUM ANALYZE operations, idempotency_keys');
  const { rows } = await client.query(
    "select pg_total_relation_size('operations') + pg_total_relation_size('idempotency_keys') as bytes",
  );
  bytes = Number(rows[0].bytes);
  await client.query('drop table operations, idempotency_keys, kysely_migration, kysely_migration_lock');
  await client.end();
} else {
  await store.close();
  const Database = require('better-sqlite3');
  const db = new Database(path);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  bytes = statSync(path).size + (existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0);
}
if (url) await store.close();
rmSync(dir, { recursive: true, force: true });
console.log(
  `${url ? 'PostgreSQL (pg_total_relation_size of operations + idempotency_keys)' : 'SQLite file (+WAL after checkpoint)'}: ` +
    `${count} operations with their keys = ${bytes} bytes (${(bytes / 1048576).toFixed(2)} MiB, ${Math.round(bytes / count)} bytes each); ` +
    `written in ${seconds.toFixed(1)} s (${Math.round(count / seconds)} accepted writes/s incl. claim, record, finish)`,
);
