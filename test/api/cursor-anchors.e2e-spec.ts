import { call, startApp, TestApp, waitFor } from '../support/app';

type Node = { id: string; cloud: string; name: string };
type Change = (around: { last: Node; at: number; sameCloud: Node[] }) => Promise<Node[]>;

/**
 * A cursor resumes exactly after the last node handed out, also when that node and the one after
 * it (the cursor's anchors) were deleted between two requests: the cloud's order (the dummy's ids)
 * gives the place. Each case walks a listing page by page, changes the cloud after the first page,
 * and checks that every node that existed throughout is listed exactly once.
 */
describe('a cursor whose anchors were deleted resumes at its place, never skipping a node', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await startApp({
      clouds: {
        a: { engine: 'dummy', default: true, extraParams: { nodes: 3 } },
        b: { engine: 'dummy', extraParams: { nodes: 12 } },
      },
    });
  });
  afterEach(() => t.close());

  const get = async (path: string) => {
    const res = await call(t.url, 'GET', path);
    expect(res.status).toBe(200);
    return res.body as { items: Node[]; nextCursor?: string };
  };
  const key = (n: Node) => `${n.cloud}/${n.id}`;
  // DELETE is an operation (202): wait until the node is gone from the cloud.
  const destroy = async (n: Node) => {
    expect((await call(t.url, 'DELETE', `/api/v1/clouds/${n.cloud}/nodes/${n.id}`)).status).toBe(202);
    await waitFor(async () => (await call(t.url, 'GET', `/api/v1/clouds/${n.cloud}/nodes/${n.id}`)).status === 404);
  };
  const create = async (cloud: string, name: string) =>
    expect(
      (await call(t.url, 'POST', `/api/v1/clouds/${cloud}/nodes`, { name, image: 'img-debian-12', size: 'medium' }))
        .status,
    ).toBe(202);
  const destroyAll = async (nodes: Node[]) => {
    for (const n of nodes) await destroy(n);
    return nodes;
  };

  const changes: Array<[string, Change]> = [
    ['the last node handed out', ({ last }) => destroyAll([last])],
    [
      'both anchors (the last node handed out and the one after it)',
      ({ at, sameCloud }) => destroyAll(sameCloud.slice(at, at + 2)),
    ],
    ['both anchors and their neighbours', ({ at, sameCloud }) => destroyAll(sameCloud.slice(at - 1, at + 3))],
    [
      'both anchors, with nodes created meanwhile',
      async ({ last, at, sameCloud }) => {
        const gone = await destroyAll(sameCloud.slice(at, at + 2));
        await create(last.cloud, 'demo-new-1');
        await create(last.cloud, 'demo-new-2');
        return gone;
      },
    ],
  ];
  const listings = [
    ['one cloud, filtered', '/api/v1/clouds/b/nodes?name=demo-*&limit=3'],
    ['one cloud, unfiltered', '/api/v1/clouds/b/nodes?limit=3'],
    ['all clouds, filtered', '/api/v1/nodes?name=demo-*&limit=5'],
    ['all clouds, unfiltered', '/api/v1/nodes?limit=5'],
  ];

  describe.each(listings)('%s', (_label, path) => {
    it.each(changes)('deleted: %s', async (_what, change) => {
      const all = (await get('/api/v1/nodes?limit=100')).items;
      let res = await get(path);
      const seen = [...res.items];
      const last = seen[seen.length - 1];
      expect(last.cloud).toBe('b'); // the cursor is inside cloud b's page
      const sameCloud = all.filter((n) => n.cloud === last.cloud);
      const at = sameCloud.findIndex((n) => n.id === last.id);
      const gone = await change({ last, at, sameCloud });
      expect(gone.length).toBeGreaterThan(0);
      while (res.nextCursor) {
        res = await get(`${path}&cursor=${encodeURIComponent(res.nextCursor)}`);
        seen.push(...res.items);
      }
      const listed = seen.map(key);
      const expected = all.filter((n) => path.startsWith('/api/v1/nodes') || n.cloud === 'b');
      for (const n of expected.filter((e) => !gone.some((g) => key(g) === key(e))))
        expect(listed.filter((k) => k === key(n))).toEqual([key(n)]);
    });
  });
});
