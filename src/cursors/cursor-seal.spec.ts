import type { ConfigService } from '@nestjs/config';
import { decodeCursor } from '../compute/cursor';
import { decodeCursor as decodePosition } from '../operations/operations.service';
import { CursorScope, CursorSeal } from './cursor-seal';

const sealWith = (secret?: string) =>
  new CursorSeal({
    getOrThrow: () => ({ cursors: secret === undefined ? {} : { secret } }),
  } as unknown as ConfigService);
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

  it('opens what it sealed, under the same secret in another instance (a replica)', () => {
    const cursor = sealWith(SECRET).seal(scope, { c: 'b', p: 2 });
    expect(sealWith(SECRET).open(scope, cursor)).toEqual({ c: 'b', p: 2 });
    expect(kind(thrown(() => sealWith(SECRET).open({ ...scope, selection: 'x' }, cursor)))).toBe('invalid_cursor');
  });

  it('without a secret, each process has its own key: a cursor does not cross', () => {
    const cursor = sealWith().seal(scope, { c: 'b', p: 2 });
    expect(kind(thrown(() => sealWith().open(scope, cursor)))).toBe('invalid_cursor');
  });

  it('refuses sealed numbers out of bounds (not safe integers, or beyond the page size)', () => {
    const seal = sealWith(SECRET);
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
