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
    for (let i = position.offset; i < items.length; i++) {
      if (hint && !matchesFilter(items[i], hint)) continue;
      const after: ScanPosition | undefined =
        i + 1 < items.length
          ? { marker, offset: i + 1, pageSize }
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
