import { CloudError } from '../cloud/driver/cloud-error';
import { boundedInteger, CursorScope, CursorSeal } from '../cursors/cursor-seal';

export { MAX_CURSOR_LENGTH } from '../cursors/cursor-seal';

/** The largest driver page a cursor may ask for (the listings' `limit` and the filtered scan's pages). */
const MAX_PAGE_SIZE = 1000;

/**
 * Where a listing stopped in one cloud: the driver's page marker (absent for its first page) and the
 * page size the driver was asked for (the same page must come back when the listing resumes in the
 * middle of it). Inside a page, the last node handed out anchors the resume: its id, and its place in
 * the cloud's order (ComputeDriver.nodeOrder) or, for a cloud without one, the id of the node after
 * it. Absent anchors: the listing resumes at the start of the page.
 */
export interface ScanPosition {
  marker?: string;
  pageSize: number;
  /** Id of the last node handed out from this page. */
  lastId?: string;
  /** Its place in the cloud's order (nodeOrder.place). */
  lastPlace?: string;
  /** Id of the node that followed it in the driver's page (clouds without a nodeOrder). */
  nextId?: string;
}

/** A decoded cursor: the cloud it continues in and its position there. */
export interface Cursor {
  cloud: string;
  position: ScanPosition;
}

/** Which node listing a cursor belongs to: one cloud's (listNodes) or all clouds' (listAllNodes), with the filters. */
export type NodeListing = { kind: 'nodes'; cloud: string; filter: string } | { kind: 'all-nodes'; filter: string };

interface Encoded {
  c: string;
  m?: string;
  p: number;
  a?: string;
  k?: string;
  n?: string;
}

function scopeOf(listing: NodeListing): CursorScope {
  return listing.kind === 'nodes'
    ? { listing: 'nodes', selection: JSON.stringify([listing.cloud, listing.filter]) }
    : { listing: 'all-nodes', selection: listing.filter };
}

/**
 * The v1 node cursor: opaque to callers; sealed (CursorSeal) for its listing, so it is never
 * replayed against another cloud, other filters or another listing.
 */
export function encodeCursor(seal: CursorSeal, listing: NodeListing, cursor: Cursor): string {
  const { cloud, position } = cursor;
  const value: Encoded = { c: cloud, p: position.pageSize };
  if (position.marker !== undefined) value.m = position.marker;
  if (position.lastId !== undefined) value.a = position.lastId;
  if (position.lastPlace !== undefined) value.k = position.lastPlace;
  if (position.nextId !== undefined) value.n = position.nextId;
  return seal.seal(scopeOf(listing), value);
}

/** Reads a cursor this service issued for this listing; `invalid_cursor` (400) for anything else. */
export function decodeCursor(seal: CursorSeal, listing: NodeListing, cursor: string): Cursor {
  const value = seal.open(scopeOf(listing), cursor) as Partial<Record<keyof Encoded, unknown>> | null;
  const optionalText = (v: unknown) => v === undefined || typeof v === 'string';
  const pageSize = boundedInteger(value?.p, 1, MAX_PAGE_SIZE);
  const valid =
    !!value &&
    typeof value === 'object' &&
    typeof value.c === 'string' &&
    (listing.kind === 'all-nodes' || value.c === listing.cloud) &&
    pageSize !== undefined &&
    optionalText(value.m) &&
    optionalText(value.a) &&
    optionalText(value.k) &&
    optionalText(value.n);
  // Sealed by this service, yet not a node cursor: a key shared with a service that seals other content.
  if (!valid) throw new CloudError('invalid_cursor', 'cursor is not a cursor this service issued');
  return {
    cloud: value.c as string,
    position: {
      pageSize,
      ...(value.m !== undefined ? { marker: value.m as string } : {}),
      ...(value.a !== undefined ? { lastId: value.a as string } : {}),
      ...(value.k !== undefined ? { lastPlace: value.k as string } : {}),
      ...(value.n !== undefined ? { nextId: value.n as string } : {}),
    },
  };
}
