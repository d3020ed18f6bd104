/**
 * Background passes are nobody's request: a runner pass woken from a request handler must not run
 * under that request's signal, or a client that leaves before its answer would abort every cloud
 * call of every later pass (the timer chain keeps the async context it was scheduled in).
 */
import { randomUUID } from 'node:crypto';
import { runForCaller } from '../../src/cloud/call-scope';
import { NodeSetRunner } from '../../src/node-sets/node-set-runner';
import { startApp, TestApp } from '../support/app';
import { NODE_SET_SUITE_SETTINGS, nodeSetClient } from './node-set-client';

jest.setTimeout(30_000);

describe('work shared with or started by a caller who left', () => {
  let t: TestApp;
  const run = randomUUID().slice(0, 8);
  const { api, member, nodesOf, waitDone } = nodeSetClient(() => t, run);

  beforeAll(async () => {
    t = await startApp({
      ...NODE_SET_SUITE_SETTINGS,
      clouds: {
        a: { engine: 'dummy', default: true, extraParams: { transitionMs: 300 } },
        slow: { engine: 'dummy', extraParams: { transitionMs: 50, latencyMs: 400 } },
      },
    });
  });
  afterAll(async () => t?.close());

  it('a set completes though every pass was woken under an aborted caller signal', async () => {
    const gone = new AbortController();
    gone.abort(); // a client that went away before its answer
    const runner = t.app.get(NodeSetRunner);
    const created = await api('POST', '/node-sets', {
      name: 'woken',
      timeoutSeconds: 20,
      nodes: [member('a', 'w', { count: 2 })],
    });
    expect(created.status).toBe(202);
    // Every 10 ms a wake from that request's context replaces the pending pass.
    const waking = setInterval(() => runForCaller(gone.signal, () => runner.wake()), 10);
    try {
      const op = await waitDone(created.headers.get('operation-location')!);
      expect(op.state).toBe('succeeded');
      expect(op.result.members.map((m: { nodeState: string }) => m.nodeState)).toEqual(['running', 'running']);
    } finally {
      clearInterval(waking);
    }
    expect((await nodesOf('a')).map((n) => n.name).sort()).toEqual([`${run}-w-1`, `${run}-w-2`]);
  });

  it("a ready set's readers share one listing per cloud: the first leaving does not turn the others' members unknown", async () => {
    const created = await api('POST', '/node-sets', { name: 'shared', nodes: [member('slow', 's', { count: 2 })] });
    const op = await waitDone(created.headers.get('operation-location')!);
    expect(op.state).toBe('succeeded');
    const leaving = new AbortController();
    const first = fetch(`${t.url}/api/v1/node-sets/${created.body.id}`, { signal: leaving.signal }).catch(
      (e: Error) => e,
    );
    await new Promise((r) => setTimeout(r, 50)); // its listing of `slow` (400 ms) is under way
    const others = Promise.all(Array.from({ length: 3 }, () => api('GET', `/node-sets/${created.body.id}`)));
    await new Promise((r) => setTimeout(r, 100));
    leaving.abort();
    expect(await first).toHaveProperty('name', 'AbortError');
    for (const read of await others) {
      expect(read.status).toBe(200);
      expect(read.body.state).toBe('ready');
      expect(read.body.members.map((m: { nodeState: string }) => m.nodeState)).toEqual(['running', 'running']);
    }
  });
});
