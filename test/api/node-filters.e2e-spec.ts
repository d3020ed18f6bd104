import { call, startApp, TestApp, waitFor } from '../support/app';
import { expectProblem } from '../support/problem';

type Node = { id: string; cloud: string; name: string; state: string; metadata: Record<string, string> };

/** Every page of a listing, following nextCursor; asserts each full page is exactly `limit` long. */
async function allPages(t: TestApp, path: string, limit: number): Promise<{ pages: number[]; items: Node[] }> {
  const pages: number[] = [];
  const items: Node[] = [];
  let cursor: string | undefined;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const res = await call(
      t.url,
      'GET',
      `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(res.status).toBe(200);
    pages.push(res.body.items.length);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
    if (cursor) expect(res.body.items).toHaveLength(limit);
  } while (cursor && pages.length < 100);
  return { pages, items };
}

const names = (nodes: Node[]) => nodes.map((n) => n.name);

describe('node filters', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({
      clouds: {
        default: { engine: 'dummy', extraParams: { nodes: 0, transitionMs: 10 } },
        big: { engine: 'dummy', extraParams: { nodes: 2500 } },
        small: { engine: 'dummy', extraParams: { nodes: 3 } },
      },
    });
    const create = (name: string, metadata: Record<string, string>) =>
      call(t.url, 'POST', '/api/v1/clouds/default/nodes', { name, image: 'img-debian-12', size: 'small', metadata });
    for (let i = 1; i <= 6; i++)
      expect((await create(`web-${i}`, { team: 'web', tier: i <= 3 ? 'a' : 'b' })).status).toBe(202);
    expect((await create('db-1', { team: 'data', tier: 'a' })).status).toBe(202);
    expect((await create('web', { team: 'ops' })).status).toBe(202);
    const list = async () => (await call(t.url, 'GET', '/api/v1/clouds/default/nodes')).body.items as Node[];
    await waitFor(async () => (await list()).every((n) => n.state === 'running'));
    for (const node of (await list()).filter((n) => ['web-2', 'web-5', 'db-1'].includes(n.name)))
      expect((await call(t.url, 'POST', `/api/v1/clouds/default/nodes/${node.id}/actions/stop`)).status).toBe(202);
    await waitFor(async () => (await list()).filter((n) => n.state === 'stopped').length === 3);
  });
  afterAll(() => t.close());

  const list = async (query: string) => {
    const res = await call(t.url, 'GET', `/api/v1/clouds/default/nodes?${query}`);
    expect(res.status).toBe(200);
    return names(res.body.items);
  };

  it('filters by exact name and by name prefix', async () => {
    expect(await list('name=web')).toEqual(['web']);
    expect(await list('name=web-3')).toEqual(['web-3']);
    expect(await list('name=web-*')).toEqual(['web-1', 'web-2', 'web-3', 'web-4', 'web-5', 'web-6']);
    expect(await list('name=web*')).toEqual(['web-1', 'web-2', 'web-3', 'web-4', 'web-5', 'web-6', 'web']);
    expect(await list('name=nothing*')).toEqual([]);
  });

  it('filters by state, one or several (repeated or comma-separated)', async () => {
    expect(await list('state=stopped')).toEqual(['web-2', 'web-5', 'db-1']);
    expect(await list('state=stopped&state=running')).toHaveLength(8);
    expect(await list('state=stopped,pending')).toEqual(['web-2', 'web-5', 'db-1']);
    expect(await list('state=error')).toEqual([]);
  });

  it('filters by metadata, as metadata.<key> or metadata[<key>], every key matching', async () => {
    expect(await list('metadata.team=web&metadata.tier=a')).toEqual(['web-1', 'web-2', 'web-3']);
    expect(await list('metadata[team]=web&metadata[tier]=b')).toEqual(['web-4', 'web-5', 'web-6']);
    expect(await list('metadata.tier=a')).toEqual(['web-1', 'web-2', 'web-3', 'db-1']);
    expect(await list('metadata.team=nobody')).toEqual([]);
  });

  it('combines filters', async () => {
    expect(await list('name=web-*&state=running&metadata.tier=b')).toEqual(['web-4', 'web-6']);
  });

  it('keeps pages full when filtering: limit nodes per page while more match, each node once', async () => {
    // demo-1, demo-10..19, demo-100..199, demo-1000..1999: 1,111 of 2,500 nodes, spread over the cloud.
    const { pages, items } = await allPages(t, '/api/v1/clouds/big/nodes?name=demo-1*', 500);
    expect(pages).toEqual([500, 500, 111]);
    expect(new Set(names(items)).size).toBe(1111);
    expect(items.every((n) => n.name.startsWith('demo-1'))).toBe(true);
    const small = await allPages(t, '/api/v1/clouds/default/nodes?state=running', 2);
    expect(small.pages).toEqual([2, 2, 1]);
    expect(names(small.items)).toEqual(['web-1', 'web-3', 'web-4', 'web-6', 'web']);
  });

  it('pages every cloud with one cursor, without a per-cloud cap, filters included', async () => {
    const all = await allPages(t, '/api/v1/nodes', 1000);
    expect(all.pages).toEqual([1000, 1000, 511]);
    expect(new Set(all.items.map((n) => `${n.cloud}/${n.id}`)).size).toBe(8 + 2500 + 3);
    expect([...new Set(all.items.map((n) => n.cloud))]).toEqual(['default', 'big', 'small']);

    const filtered = await allPages(t, '/api/v1/nodes?name=demo-2*', 100);
    // big: demo-2, demo-20..29, demo-200..299, demo-2000..2499 = 612; small: demo-2.
    expect(filtered.pages).toEqual([100, 100, 100, 100, 100, 100, 13]);
    expect(filtered.items.filter((n) => n.cloud === 'small').map((n) => n.name)).toEqual(['demo-2']);
    expect(new Set(filtered.items.map((n) => `${n.cloud}/${n.id}`)).size).toBe(613);

    const tiny = await allPages(t, '/api/v1/nodes?state=stopped,running&metadata.tier=a', 2);
    // The second page ends on a match with nodes still after it, so a cursor is given; the page it
    // leads to is empty (the service does not read ahead to find out).
    expect(tiny.pages).toEqual([2, 2, 0]);
    expect(names(tiny.items)).toEqual(['web-1', 'web-2', 'web-3', 'db-1']);
  });

  it.each([
    ['state=sleeping', /state must be one or more of: running, pending/],
    ['name=we*b', /name must be a node name, or a prefix followed by a single trailing "\*"/],
    ['name=*', /name must be a node name, or a prefix/],
    ['metadata=web', /metadata filters are metadata.<key>=<value>/],
    ['metadata.team=a&metadata.team=b', /metadata filters are metadata.<key>=<value>/],
  ])('refuses %s with a 400 naming the parameter, on both listings', async (query, detail) => {
    for (const path of ['/api/v1/clouds/default/nodes', '/api/v1/nodes']) {
      const problem = expectProblem(await call(t.url, 'GET', `${path}?${query}`), 400, detail);
      expect(problem.errors[0].field).toBe(query.split(/[=.]/)[0]);
    }
  });

  it('refuses a cursor sent with other filters, or from another cloud', async () => {
    const first = await call(t.url, 'GET', '/api/v1/clouds/big/nodes?name=demo-1*&limit=10');
    const cursor = encodeURIComponent(first.body.nextCursor);
    expectProblem(
      await call(t.url, 'GET', `/api/v1/clouds/big/nodes?name=demo-2*&limit=10&cursor=${cursor}`),
      400,
      /issued for this listing \(same cloud and filters\)/,
    );
    expectProblem(
      await call(t.url, 'GET', `/api/v1/clouds/small/nodes?name=demo-1*&limit=10&cursor=${cursor}`),
      400,
      /issued for this listing \(same cloud and filters\)/,
    );
    expectProblem(await call(t.url, 'GET', `/api/v1/nodes?cursor=bm9wZQ`), 400, /not one this service issued/);
    const next = await call(t.url, 'GET', `/api/v1/clouds/big/nodes?name=demo-1*&limit=10&cursor=${cursor}`);
    expect(names(first.body.items)).toEqual(['demo-1', ...Array.from({ length: 9 }, (_, i) => `demo-1${i}`)]);
    expect(names(next.body.items)).toEqual(['demo-19', ...Array.from({ length: 9 }, (_, i) => `demo-10${i}`)]);
  });
});

describe('listAllNodes pages past a failing cloud', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({
      clouds: {
        first: { engine: 'dummy', default: true, extraParams: { nodes: 3 } },
        // Answers after 10 s but is given 150 ms.
        broken: { engine: 'dummy', timeoutMs: 150, extraParams: { nodes: 2, latencyMs: 10_000 } },
        last: { engine: 'dummy', extraParams: { nodes: 2 } },
      },
    });
  });
  afterAll(() => t.close());

  it('reports the failing cloud on the page that reaches it, and goes on with the next', async () => {
    const page1 = await call(t.url, 'GET', '/api/v1/nodes?limit=2');
    expect(page1.body.items.map((n: Node) => `${n.cloud}/${n.name}`)).toEqual(['first/demo-1', 'first/demo-2']);
    // The page filled before "broken" was reached: not reported here.
    expect(page1.body.errors).toEqual([]);
    const page2 = await call(t.url, 'GET', `/api/v1/nodes?limit=2&cursor=${encodeURIComponent(page1.body.nextCursor)}`);
    expect(page2.body.items.map((n: Node) => `${n.cloud}/${n.name}`)).toEqual(['first/demo-3', 'last/demo-1']);
    expect(page2.body.errors).toEqual([
      expect.objectContaining({ cloud: 'broken', status: 504, title: 'Cloud timed out' }),
    ]);
    const page3 = await call(t.url, 'GET', `/api/v1/nodes?limit=2&cursor=${encodeURIComponent(page2.body.nextCursor)}`);
    expect(page3.body.items.map((n: Node) => `${n.cloud}/${n.name}`)).toEqual(['last/demo-2']);
    expect(page3.body.errors).toEqual([]);
    expect(page3.body.nextCursor).toBeUndefined();
  });
});
