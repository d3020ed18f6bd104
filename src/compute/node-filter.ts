import type { CloudNode, NodeFilter } from '../cloud/driver/compute-driver';

export type { NodeFilter };

/** True when the filter asks for nothing (the plain listing). */
export function isEmptyFilter(filter: NodeFilter): boolean {
  return !filter.states?.length && !filter.name && !(filter.metadata && Object.keys(filter.metadata).length);
}

export function matchesFilter(node: CloudNode, filter: NodeFilter): boolean {
  if (filter.states?.length && !filter.states.includes(node.state)) return false;
  if (filter.name) {
    if ('exact' in filter.name ? node.name !== filter.name.exact : !node.name.startsWith(filter.name.prefix))
      return false;
  }
  if (filter.metadata) {
    for (const key in filter.metadata) if (node.metadata[key] !== filter.metadata[key]) return false;
  }
  return true;
}

/**
 * A stable text for the filter, kept in cursors: a page marker obtained under one filter means
 * nothing under another (a cloud may have applied it), so such a cursor is refused.
 */
export function filterKey(filter: NodeFilter): string {
  if (isEmptyFilter(filter)) return '';
  const states = [...(filter.states ?? [])].sort();
  const metadata = Object.entries(filter.metadata ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([states, filter.name ?? null, metadata]);
}
