import { call, TestApp } from '../support/app';

/**
 * What node set suites ask of the app over HTTP, for one test run: `run` prefixes every node name so
 * that the suite counts only its own nodes.
 */
export function nodeSetClient(app: () => TestApp, run: string) {
  const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    call(app().url, method, `/api/v1${path}`, body, headers);
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
    /** The operation at `location` once done (long-polled). */
    waitDone: async (location: string) => {
      for (;;) {
        const op = await call(app().url, 'GET', `${location}?wait=20`);
        if (op.body.done) return op.body;
      }
    },
  };
}
