import type { CloudHandle } from '../cloud/cloud-handle';
import { CloudError } from '../cloud/driver/cloud-error';
import type { CloudNode, NodeOrder } from '../cloud/driver/compute-driver';
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
  const order = cloud.driver.nodeOrder;
  const result: ScannedNodes = { nodes, after: (index) => positionAfter(pages, index, order) };
  let position = from;
  for (;;) {
    const { marker, pageSize } = position;
    const page = await cloud.read('list nodes', (d) =>
      d.listNodes({ limit: pageSize, marker, ...(hint && { filter: hint }) }),
    );
    const items = page.items;
    const scanned: ScannedPage = { marker, pageSize, next: page.next, items, first: nodes.length, kept: [] };
    pages.push(scanned);
    const resume = resumeIndex(items, position, order, cloud.name);
    for (let i = resume; i < items.length; i++) {
      if (hint && !matchesFilter(items[i], hint)) continue;
      nodes.push(items[i]);
      scanned.kept.push(i);
      if (nodes.length === limit) return result;
    }
    if (!page.next) return result;
    position = { marker: page.next, pageSize };
  }
}

/** Where the listing resumes after the scan's `index`th node. */
function positionAfter(pages: ScannedPage[], index: number, order: NodeOrder | undefined): ScanPosition | undefined {
  let p = pages.length - 1;
  while (p > 0 && pages[p].first > index) p--;
  const { marker, pageSize, next, items, first, kept } = pages[p];
  const i = kept[index - first];
  if (i + 1 < items.length) return { marker, pageSize, ...anchors(items[i], items[i + 1], order) };
  return next ? { marker: next, pageSize } : undefined;
}

/**
 * What marks a place inside a page: the last node handed out, and where it sits in the cloud's order
 * (nodeOrder) or, for a cloud without one, the node that followed it.
 */
function anchors(last: CloudNode, next: CloudNode, order: NodeOrder | undefined): Partial<ScanPosition> {
  const place = order?.place(last);
  return place !== undefined ? { lastId: last.id, lastPlace: place } : { lastId: last.id, nextId: next.id };
}

/**
 * Where to resume in a re-read page: right after the last node handed out; when it was deleted
 * meanwhile, at the first node after its place in the cloud's order, else at the node that followed
 * it. With none of these, any index would be a guess that may skip nodes: `cursor_expired` (410).
 */
function resumeIndex(items: CloudNode[], position: ScanPosition, order: NodeOrder | undefined, cloud: string): number {
  if (position.lastId === undefined) return 0;
  const last = items.findIndex((n) => n.id === position.lastId);
  if (last >= 0) return last + 1;
  if (position.lastPlace !== undefined && order) {
    const place = position.lastPlace;
    const after = items.findIndex((n) => order.isAfter(n, place));
    return after >= 0 ? after : items.length;
  }
  if (position.nextId !== undefined) {
    const next = items.findIndex((n) => n.id === position.nextId);
    if (next >= 0) return next;
  }
  const error = new CloudError(
    'cursor_expired',
    'the nodes on both sides of this cursor were deleted, and this cloud lists nodes in no order the service can resume by: list again without cursor',
  );
  error.cloud = cloud;
  throw error;
}
