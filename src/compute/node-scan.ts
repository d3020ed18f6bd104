import type { CloudHandle } from '../cloud/cloud-handle';
import type { CloudNode } from '../cloud/driver/compute-driver';
import type { ScanPosition } from './cursor';
import { isEmptyFilter, matchesFilter, NodeFilter } from './node-filter';

/** Driver page size while filtering in the service: few round trips, bounded memory. */
export const FILTER_PAGE_SIZE = 1000;

export interface ScannedNode {
  node: CloudNode;
  /** Where the listing resumes after this node; absent when the cloud has nothing after it. */
  after?: ScanPosition;
}

/**
 * Reads one cloud's nodes from `from`, page after page, until `limit` nodes match the filter or the
 * cloud has no more. The filter is passed to the driver as a hint (a cloud may narrow its answer);
 * the service checks every node itself, so a driver that ignores or only partly applies it is still
 * correct. A page is thus `limit` nodes whenever the cloud has that many matching ones left.
 */
export async function scanNodes(
  cloud: CloudHandle,
  from: ScanPosition,
  limit: number,
  filter: NodeFilter,
): Promise<ScannedNode[]> {
  const hint = isEmptyFilter(filter) ? undefined : filter;
  const found: ScannedNode[] = [];
  let position = from;
  for (;;) {
    const { marker, pageSize } = position;
    const page = await cloud.read('list nodes', (d) =>
      d.listNodes({ limit: pageSize, marker, ...(hint && { filter: hint }) }),
    );
    const items = page.items;
    for (let i = resumeIndex(items, position); i < items.length; i++) {
      if (hint && !matchesFilter(items[i], hint)) continue;
      const after: ScanPosition | undefined =
        i + 1 < items.length
          ? { marker, offset: i + 1, pageSize, lastId: items[i].id, nextId: items[i + 1].id }
          : page.next
            ? { marker: page.next, offset: 0, pageSize }
            : undefined;
      found.push({ node: items[i], after });
      if (found.length === limit) return found;
    }
    if (!page.next) return found;
    position = { marker: page.next, offset: 0, pageSize };
  }
}

/**
 * Where to resume in a re-read page: at the node that was next (nothing after it was handed out),
 * else right after the last node handed out, else (both deleted meanwhile) at the old offset.
 */
function resumeIndex(items: CloudNode[], position: ScanPosition): number {
  if (position.nextId !== undefined) {
    const next = items.findIndex((n) => n.id === position.nextId);
    if (next >= 0) return next;
  }
  if (position.lastId !== undefined) {
    const last = items.findIndex((n) => n.id === position.lastId);
    if (last >= 0) return last + 1;
  }
  return position.offset;
}
