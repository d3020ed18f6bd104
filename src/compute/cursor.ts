import { createHash } from 'node:crypto';
import { CloudError } from '../cloud/driver/cloud-error';

/**
 * Where a listing stopped in one cloud: the driver's page marker (absent for its first page), how
 * many items of that page were already handed out, and the page size the driver was asked for (the
 * same page must come back when the listing resumes in the middle of it). Inside a page, the ids of
 * the last node handed out and of the node after it anchor the resume, so nodes deleted or created
 * in that page between two requests shift nothing; `offset` is only the fallback when both are gone.
 */
export interface ScanPosition {
  marker?: string;
  offset: number;
  pageSize: number;
  /** Id of the last node handed out from this page. */
  lastId?: string;
  /** Id of the node that followed it in the driver's page. */
  nextId?: string;
}

/** A decoded cursor: the cloud it continues in, its position there, and the filters it was issued for. */
export interface Cursor {
  cloud: string;
  position: ScanPosition;
  filter: string;
}

interface Encoded {
  c: string;
  m?: string;
  o?: number;
  p?: number;
  f?: string;
  a?: string;
  n?: string;
}

/**
 * The v1 cursor: opaque to callers, base64url JSON naming the cloud, the driver's marker and the
 * position in that page, and a digest of the filters, so a cursor is never replayed against another
 * cloud (listNodes) or other filters.
 */
export function encodeCursor(cursor: Cursor): string {
  const { cloud, position, filter } = cursor;
  const value: Encoded = { c: cloud };
  if (position.marker !== undefined) value.m = position.marker;
  if (position.offset) value.o = position.offset;
  value.p = position.pageSize;
  if (position.lastId !== undefined) value.a = position.lastId;
  if (position.nextId !== undefined) value.n = position.nextId;
  if (filter) value.f = digest(filter);
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** The longest cursor this service issues (and reads): a driver marker plus a few ids, base64url. */
export const MAX_CURSOR_LENGTH = 2048;

/**
 * Reads a cursor this service issued. Throws `invalid_cursor` (400) for anything else, and for a
 * cursor issued for other filters. `cloud` is checked by the caller (listNodes pins it).
 */
export function decodeCursor(cursor: string, filter: string, defaultPageSize: number): Cursor {
  if (cursor.length > MAX_CURSOR_LENGTH)
    throw new CloudError('invalid_cursor', `cursor is longer than any this service issues (${MAX_CURSOR_LENGTH})`);
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  const value = decoded as Partial<Record<keyof Encoded, unknown>> | null | undefined;
  const valid =
    !!value &&
    typeof value === 'object' &&
    typeof value.c === 'string' &&
    (value.m === undefined || typeof value.m === 'string') &&
    (value.o === undefined || (Number.isInteger(value.o) && (value.o as number) >= 0)) &&
    (value.p === undefined || (Number.isInteger(value.p) && (value.p as number) >= 1 && (value.p as number) <= 1000)) &&
    (value.f === undefined || typeof value.f === 'string') &&
    (value.a === undefined || typeof value.a === 'string') &&
    (value.n === undefined || typeof value.n === 'string');
  if (!valid) throw new CloudError('invalid_cursor', 'cursor is not a cursor this service issued');
  if ((value.f ?? '') !== (filter ? digest(filter) : ''))
    throw new CloudError('invalid_cursor', 'cursor was issued for other filters: send the same filters with it');
  return {
    cloud: value.c as string,
    position: {
      marker: value.m as string | undefined,
      offset: (value.o as number | undefined) ?? 0,
      pageSize: (value.p as number | undefined) ?? defaultPageSize,
      ...(value.a !== undefined ? { lastId: value.a as string } : {}),
      ...(value.n !== undefined ? { nextId: value.n as string } : {}),
    },
    filter,
  };
}

function digest(filter: string): string {
  return createHash('sha256').update(filter).digest('base64url').slice(0, 16);
}
