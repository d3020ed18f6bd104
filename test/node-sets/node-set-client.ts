import { call, TestApp, waitFor } from '../support/app';

/**
 * Settings every node set suite starts its app with: callers' rate limits off (suites send bursts;
 * limits have their own tests) and a runner that passes every 50 ms, so sets settle in test time.
 */
export const NODE_SET_SUITE_SETTINGS = {
  rateLimit: { enabled: false },
  nodeSets: { pollIntervalMs: 50, leaseMs: 5_000, retryBackoffMs: 50 },
};

/**
 * What node set suites ask of the app over HTTP, for one test run: `run` prefixes every node name so
 * that the suite counts only its own nodes.
 */
export function nodeSetClient(app: () => TestApp, run: string) {
  const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    call(app().url, method, `/api/v1${path}`, body, headers);
  const waitDone = async (location: string) => {
    for (;;) {
      const op = await call(app().url, 'GET', `${location}?wait=20`);
      if (op.body.done) return op.body;
    }
  };
  return {
    api,
    /** One member entry of a set's request, named `<run>-<name>`. */
    member: (cloud: string, name: string, extra: Record<string, unknown> = {}) => ({
      cloud,
      name: `${run}-${name}`,
      image: 'img-debian-12',
      size: 'small',
      ...extra,
    }),
    /** Every node of a cloud whose name starts with `<prefix>-` (this run's prefix by default). */
    nodesOf: async (cloud: string, prefix = run) =>
      ((await api('GET', `/clouds/${cloud}/nodes?name=${prefix}-*`)).body.items as Array<{
        id: string;
        name: string;
      }>) ?? [],
    /**
     * A set left creating: its first member (`<run>-<name>`) on `pendingCloud`, whose nodes stay
     * pending, one more on `cloud`; answers once the first member's node id is recorded.
     */
    creatingSet: async (name: string, pendingCloud: string, cloud: string) => {
      const created = await api('POST', '/node-sets', {
        name,
        timeoutSeconds: 120,
        nodes: [
          { cloud: pendingCloud, name: `${run}-${name}`, image: 'img-debian-12', size: 'small' },
          { cloud, name: `${run}-${name}-2`, image: 'img-debian-12', size: 'small' },
        ],
      });
      if (created.status !== 202) throw new Error(`set not accepted: ${created.status}`);
      const pending = await waitFor(async () => {
        const set = (await api('GET', `/node-sets/${created.body.id}`)).body;
        return set.members[0].nodeId ? (set.members[0] as { nodeId: string }) : undefined;
      });
      return { created, nodeId: pending.nodeId };
    },
    /** The operation at `location` once done (long-polled). */
    waitDone,
    /** A set made and waited for until its create operation is done (it must succeed). */
    readySet: async (name: string, nodes: unknown[]) => {
      const created = await api('POST', '/node-sets', { name, nodes });
      expect(created.status).toBe(202);
      const op = await waitDone(created.headers.get('operation-location')!);
      expect(op.state).toBe('succeeded');
      return op.result as { id: string; members: Array<{ cloud: string; name: string; nodeId: string }> };
    },
  };
}
