import type { CloudHandle } from '../cloud/cloud-handle';
import type { CloudNode } from '../cloud/driver/compute-driver';
import type { ScanPosition } from './cursor';
import { isEmptyFilter, matchesFilter, NodeFilter } from './node-filter';

/** Driver page size while filtering in the service: few round trips, bounded memory. */
export const FILTER_PAGE_SIZE = 1000;

/** The nodes a scan found, in order, and where the listing resumes after any of them. */
export interface ScannedNodes {
  nodes: CloudNode[];
  /** Where the listing resumes after `nodes[index]`; undefined when the cloud has nothing after it. */
  after(index: number): ScanPosition | undefined;
}

/** One driver page the scan read: its place, and which of its items it kept. */
interface ScannedPage {
  marker?: string;
  pageSize: number;
  next?: string;
  items: CloudNode[];
  /** Index in `nodes` of the first node kept from this page. */
  first: number;
  /** For each kept node, its index in `items`. */
  kept: number[];
}

/**
 * Reads one cloud's nodes from `from`, page after page, until `limit` nodes match the filter or the
 * cloud has no more. The filter is passed to the driver as a hint (a cloud may narrow its answer);
 * the service checks every node itself, so a driver that ignores or only partly applies it is still
 * correct. A page is thus `limit` nodes whenever the cloud has that many matching ones left.
 * A resume position is built only for the node a cursor is made from (`after`), not for every node.
 */
export async function scanNodes(
  cloud: CloudHandle,
  from: ScanPosition,
  limit: number,
  filter: NodeFilter,
): Promise<ScannedNodes> {
  const hint = isEmptyFilter(filter) ? undefined : filter;
  const nodes: CloudNode[] = [];
  const pages: ScannedPage[] = [];
  const result: ScannedNodes = { nodes, after: (index) => positionAfter(pages, index) };
  let position = from;
  for (;;) {
    const { marker, pageSize } = position;
    const page = await cloud.read('list nodes', (d) =>
      d.listNodes({ limit: pageSize, marker, ...(hint && { filter: hint }) }),
    );
    const items = page.items;
    const scanned: ScannedPage = { marker, pageSize, next: page.next, items, first: nodes.length, kept: [] };
    pages.push(scanned);
    for (let i = resumeIndex(items, position); i < items.length; i++) {
      if (hint && !matchesFilter(items[i], hint)) continue;
      nodes.push(items[i]);
      scanned.kept.push(i);
      if (nodes.length === limit) return result;
    }
    if (!page.next) return result;
    position = { marker: page.next, offset: 0, pageSize };
  }
}

/** Where the listing resumes after the scan's `index`th node. */
function positionAfter(pages: ScannedPage[], index: number): ScanPosition | undefined {
  let p = pages.length - 1;
  while (p > 0 && pages[p].first > index) p--;
  const { marker, pageSize, next, items, first, kept } = pages[p];
  const i = kept[index - first];
  if (i + 1 < items.length) return { marker, offset: i + 1, pageSize, lastId: items[i].id, nextId: items[i + 1].id };
  return next ? { marker: next, offset: 0, pageSize } : undefined;
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
