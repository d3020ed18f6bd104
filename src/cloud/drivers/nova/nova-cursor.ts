import { CloudError } from '../../driver/cloud-error';
import type { NodeOrder } from '../../driver/compute-driver';

/**
 * Where a walk over Nova's servers stands: the last node handed out, by the two keys the walk is
 * sorted on (created_at, then uuid, newest first). Both never change, so the place holds whatever
 * happens to that node: deleted, Nova forgets it as a marker ("marker [x] not found") or places it
 * wrong, and the walk re-reads from a neighbour (Nova's start) and skips what is not after the place.
 */
export interface NovaCursor {
  /** The server's uuid (Nova's marker). */
  id: string;
  /** Its created_at, as Nova sent it; absent in cursors issued before this format (a bare uuid). */
  at?: string;
}

/** Nova's sort for a walk: immutable keys, so positions never move (query repeated per key). */
export const WALK_SORT = { sort_key: ['created_at', 'uuid'], sort_dir: ['desc', 'desc'] };

/** The place of a server in the walk. */
export function novaCursorOf(server: { id?: unknown; created?: unknown }): NovaCursor {
  return { id: String(server.id), ...(typeof server.created === 'string' ? { at: server.created } : {}) };
}

export function encodeNovaCursor(server: { id?: unknown; created?: unknown }): string {
  return JSON.stringify(novaCursorOf(server));
}

export function decodeNovaCursor(marker: string | undefined): NovaCursor | undefined {
  if (marker === undefined) return undefined;
  if (!marker.startsWith('{')) return { id: marker };
  try {
    const value = JSON.parse(marker) as { id?: unknown; at?: unknown };
    if (typeof value.id === 'string' && value.id && (value.at === undefined || typeof value.at === 'string')) {
      return { id: value.id, ...(value.at ? { at: value.at } : {}) };
    }
  } catch {
    // falls through
  }
  throw new CloudError('invalid_cursor', 'the cursor does not belong to a listing of this cloud');
}

/** Whether a server comes after the cursor in the walk's order (older, or as old with a smaller uuid). */
export function isAfter(server: { id?: unknown; created?: unknown }, cursor: NovaCursor | undefined): boolean {
  if (!cursor?.at) return true;
  const t = Date.parse(String(server.created));
  const c = Date.parse(cursor.at);
  if (Number.isNaN(t) || Number.isNaN(c)) return true;
  return t < c || (t === c && String(server.id) < cursor.id);
}

/** Nova's 400 for a marker it no longer knows (the server was deleted, or archived), as novaError classifies it. */
export function isMarkerNotFound(error: unknown): boolean {
  return CloudError.is(error) && error.kind === 'cursor_expired';
}

/**
 * A walk that lost its place more times than it may start over: the list changes faster than it can
 * be read. Not the caller's fault and not a cursor to give up on: asking again may well succeed.
 */
export function walkKeptLosingPlace(operation: string, restarts: number, cause: unknown): CloudError {
  return new CloudError(
    'unavailable',
    `${operation}: the cloud's list changed under the walk ${restarts + 1} times (its page marker was deleted each time); try again`,
    { cause },
  );
}

/** The walk's order as the service resumes a re-read page by it (ComputeDriver.nodeOrder). */
export const NOVA_NODE_ORDER: NodeOrder = {
  place: (node) => (node.createdAt ? encodeNovaCursor({ id: node.id, created: node.createdAt }) : undefined),
  isAfter: (node, place) => isAfter({ id: node.id, created: node.createdAt }, decodeNovaCursor(place)),
};
