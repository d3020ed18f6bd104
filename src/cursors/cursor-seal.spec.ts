import type { ConfigService } from '@nestjs/config';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeCursor } from '../compute/cursor';
import { decodeCursor as decodePosition } from '../operations/operations.service';
import { KyselyStateStore } from '../store/kysely-state-store';
import type { StateStore } from '../store/state-store';
import { CursorScope, CursorSeal } from './cursor-seal';

const dir = mkdtempSync(join(tmpdir(), 'cursor-seal-'));
const stores: StateStore[] = [];
/** A real SQLite state store in a file of this test's folder (the same file = replicas sharing one store). */
async function storeAt(file: string): Promise<StateStore> {
  const store = new KyselyStateStore({ path: join(dir, file) });
  await store.migrate();
  stores.push(store);
  return store;
}
async function sealWith(secret?: string, store?: StateStore): Promise<CursorSeal> {
  const config = { getOrThrow: () => ({ cursors: secret === undefined ? {} : { secret } }) };
  const seal = new CursorSeal(config as unknown as ConfigService, store ?? (await storeAt('default.db')));
  await seal.onModuleInit();
  return seal;
}
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});
const SECRET = 'unit-test-cursor-secret-0123456789abcdef';
const kind = (error: unknown) => (error as { kind?: string }).kind;
const thrown = (work: () => unknown) => {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error('did not throw');
};

describe('CursorSeal', () => {
  const scope: CursorScope = { listing: 'all-nodes', selection: '' };

  it('opens what it sealed, under the same secret in another instance (a replica)', async () => {
    const cursor = (await sealWith(SECRET)).seal(scope, { c: 'b', p: 2 });
    expect((await sealWith(SECRET)).open(scope, cursor)).toEqual({ c: 'b', p: 2 });
    const other = await sealWith(SECRET);
    expect(kind(thrown(() => other.open({ ...scope, selection: 'x' }, cursor)))).toBe('invalid_cursor');
  });

  it('without a secret, the key kept in the state store: shared by every process on that store, not by others', async () => {
    const first = await sealWith(undefined, await storeAt('shared.db'));
    const cursor = first.seal(scope, { c: 'b', p: 2 });
    // Another process on the same store file (a restart, or a replica): the same key.
    expect((await sealWith(undefined, await storeAt('shared.db'))).open(scope, cursor)).toEqual({ c: 'b', p: 2 });
    // Another store: another key.
    const elsewhere = await sealWith(undefined, await storeAt('elsewhere.db'));
    expect(kind(thrown(() => elsewhere.open(scope, cursor)))).toBe('invalid_cursor');
    // A secret overrides the stored key.
    const withSecret = await sealWith(SECRET, await storeAt('shared.db'));
    expect(kind(thrown(() => withSecret.open(scope, cursor)))).toBe('invalid_cursor');
  });

  it('replicas racing at first boot all end up with one key', async () => {
    const stores: StateStore[] = [];
    for (let i = 0; i < 4; i++) stores.push(await storeAt('race.db')); // booted (migrated) one by one
    const racers = await Promise.all(stores.map((store) => sealWith(undefined, store))); // first key asked at once
    const cursor = racers[0].seal(scope, { c: 'a', p: 1 });
    for (const seal of racers) expect(seal.open(scope, cursor)).toEqual({ c: 'a', p: 1 });
  });

  it('refuses sealed numbers out of bounds (not safe integers, or beyond the page size)', async () => {
    const seal = await sealWith(SECRET);
    for (const p of [1e308, 0, 1001, 2.5, -1, '2'])
      expect(
        kind(thrown(() => decodeCursor(seal, { kind: 'all-nodes', filter: '' }, seal.seal(scope, { c: 'b', p })))),
      ).toBe('invalid_cursor');
    const ops: CursorScope = { listing: 'operations', selection: '' };
    for (const at of [1e308, -1, 1.5, Number.MAX_SAFE_INTEGER + 2])
      expect(kind(thrown(() => decodePosition(seal, ops, seal.seal(ops, [at, 'id']))))).toBe('invalid_cursor');
    expect(decodePosition(seal, ops, seal.seal(ops, [1_700_000_000_000, 'id']))).toEqual({
      createdAt: 1_700_000_000_000,
      id: 'id',
    });
  });
});
