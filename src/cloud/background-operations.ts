/**
 * Cloud calls the service makes on its own schedule rather than for a caller: the per-cloud health
 * check and the node polls of the operation watcher, node-set runner and orphan sweeper. They repeat
 * every interval for every cloud, so a passing one is routine and logged at debug, not info.
 */
export const HEALTH_CHECK = 'health check';
export const POLL_NODES = 'poll nodes';

export const BACKGROUND_OPERATIONS: ReadonlySet<string> = new Set([HEALTH_CHECK, POLL_NODES]);
