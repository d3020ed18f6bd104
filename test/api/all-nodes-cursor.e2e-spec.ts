import { call, startApp, TestApp } from '../support/app';

type Node = { id: string; cloud: string; name: string };

/**
 * A listing cursor that resumes inside a cloud's page must not count items already handed out: a
 * node deleted before that point between two requests would make a long-lived node skipped, one
 * created there would make one repeated. Each test walks page by page and changes the cloud between
 * requests, then checks every node that existed throughout appears exactly once.
 */
describe('listing cursors resume after the last node handed out, while nodes come and go', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await startApp({
      clouds: {
        first: { engine: 'dummy', default: true, extraParams: { nodes: 3 } },
        second: { engine: 'dummy', extraParams: { nodes: 8 } },
      },
    });
  });
  afterEach(() => t.close());

  const page = async (path: string, cursor?: string) => {
    const sep = path.includes('?') ? '&' : '?';
    const res = await call(t.url, 'GET', `${path}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(res.status).toBe(200);
    return res.body as { items: Node[]; nextCursor?: string };
  };
  const key = (n: Node) => `${n.cloud}/${n.name}`;
  const destroy = async (n: Node) =>
    expect((await call(t.url, 'DELETE', `/api/v1/clouds/${n.cloud}/nodes/${n.id}`)).status).toBe(202);

  /** Walks `path` (over `cloud`, else all), calling `between(seen, all)` after the first page; returns what was listed. */
  async function walk(path: string, between: (seen: Node[], all: Node[]) => Promise<Node[]>, cloud?: string) {
    const all = (await page('/api/v1/nodes?limit=100')).items.filter((n) => !cloud || n.cloud === cloud);
    const seen: Node[] = [];
    let res = await page(path);
    seen.push(...res.items);
    expect(res.nextCursor).toBeDefined();
    const gone = await between(seen, all);
    while (res.nextCursor) {
      res = await page(path, res.nextCursor);
      seen.push(...res.items);
    }
    const longLived = all.filter((n) => !gone.some((g) => key(g) === key(n)));
    const listed = seen.map(key);
    for (const n of longLived) expect(listed.filter((k) => k === key(n))).toEqual([key(n)]);
    return listed;
  }

  it('all clouds: a node deleted before the cursor inside a cloud page skips nobody', async () => {
    // limit 5: first's 3 nodes, then second's first 2 (the cursor is inside second's page).
    const listed = await walk('/api/v1/nodes?limit=5', async (seen) => {
      const handed = seen.filter((n) => n.cloud === 'second');
      expect(handed).toHaveLength(2);
      await destroy(handed[0]);
      return [handed[0]];
    });
    expect(listed).toContain('second/demo-3');
  });

  it('all clouds: the node right after the cursor deleted meanwhile: the walk resumes after the last one shown (kept right)', async () => {
    const listed = await walk('/api/v1/nodes?limit=5', async (_seen, all) => {
      const next = all.filter((n) => n.cloud === 'second')[2];
      await destroy(next);
      return [next];
    });
    expect(listed.filter((k) => k.startsWith('second/'))).toHaveLength(7);
  });

  it('one cloud, filtered (large driver pages): deletes before the cursor skip nobody', async () => {
    const listed = await walk(
      '/api/v1/clouds/second/nodes?limit=3&name=demo-*',
      async (seen) => {
        await destroy(seen[0]);
        await destroy(seen[1]);
        return [seen[0], seen[1]];
      },
      'second',
    );
    expect(listed).toHaveLength(8);
  });
});
