/**
 * Node filters against the real OpenStack of up.sh (Nova pages of 5): Nova's `name` query narrows
 * what the driver reads, the service checks every node, and filtered pages stay full across Nova's
 * pages. Other developers' servers share this Nova: everything here is named with a per-run prefix.
 */
import { call, startApp, TestApp, waitFor } from '../support/app';
import { novaNameQuery } from '../../src/cloud/drivers/nova/nova-filters';
import { expectProblem } from '../support/problem';
import { KEYSTONE, NovaDirect, PASSWORD, PROJECT, REGION, USER } from './nova-direct';

const PREFIX = `ftest-${process.pid}-${Date.now().toString(36)}.`;

describe('node filters on a real OpenStack (cloud "lab")', () => {
  let t: TestApp;
  let nova: NovaDirect;
  let imageId: string;
  const ids: string[] = [];
  const lab = (path: string) => call(t.url, 'GET', `/api/v1/clouds/lab${path}`);

  beforeAll(async () => {
    nova = await NovaDirect.login();
    const images = await nova.request('GET', '/images/detail');
    imageId = images.body.images.find((i: any) => i.name === 'cirros-fake').id;
    t = await startApp({
      clouds: {
        default: { engine: 'dummy', extraParams: { nodes: 1 } },
        lab: {
          engine: 'openstack',
          user: USER,
          password: PASSWORD,
          timeoutMs: 20_000,
          extraParams: { authUrl: KEYSTONE, region: REGION, projectName: PROJECT },
        },
      },
    });
    // 7 servers a-0..a-5 (metadata tier=x on even ones) and b-0: more than one Nova page.
    const names = [...Array.from({ length: 6 }, (_, i) => `a-${i}`), 'b-0'];
    const created = await Promise.all(
      names.map((suffix, i) =>
        call(t.url, 'POST', '/api/v1/clouds/lab/nodes', {
          name: `${PREFIX}${suffix}`,
          image: imageId,
          size: '1',
          metadata: { tier: i % 2 === 0 ? 'x' : 'y' },
        }),
      ),
    );
    expect(created.map((r) => r.status)).toEqual(Array(names.length).fill(202));
    ids.push(...created.map((r) => r.body.id));
    await waitFor(
      async () => (await Promise.all(ids.map((id) => nova.server(id)))).every((s) => s?.status === 'ACTIVE'),
      60_000,
      200,
    );
  });

  afterAll(async () => {
    try {
      await Promise.all(ids.map((id) => nova.request('DELETE', `/servers/${id}`)));
      await waitFor(
        async () => (await Promise.all(ids.map((id) => nova.server(id)))).every((s) => s === undefined),
        60_000,
        250,
      ).catch(() => undefined);
    } finally {
      await t?.close();
    }
  });

  /** Every page, following nextCursor; full pages while a cursor follows. */
  const pages = async (query: string, limit: number) => {
    const sizes: number[] = [];
    const names: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await lab(`/nodes?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.status).toBe(200);
      if (res.body.nextCursor) expect(res.body.items).toHaveLength(limit);
      sizes.push(res.body.items.length);
      names.push(...res.body.items.map((n: any) => n.name));
      cursor = res.body.nextCursor;
    } while (cursor && sizes.length < 50);
    return { sizes, names };
  };

  it('filters by name prefix across Nova pages, pages full, each node once', async () => {
    const prefix = encodeURIComponent(`${PREFIX}a-*`);
    const { sizes, names } = await pages(`name=${prefix}`, 4);
    expect(names.sort()).toEqual(Array.from({ length: 6 }, (_, i) => `${PREFIX}a-${i}`));
    expect(sizes.slice(0, 1)).toEqual([4]);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(6);
  });

  it('asks Nova for the name (its regex narrows to exactly the name), and checks metadata and state itself', async () => {
    const exact = await lab(`/nodes?name=${encodeURIComponent(`${PREFIX}b-0`)}`);
    expect(exact.body.items.map((n: any) => n.name)).toEqual([`${PREFIX}b-0`]);
    // What the driver asks Nova for (novaNameQuery), asked directly: Nova narrows to exactly these.
    const direct = async (name: string) =>
      (
        await nova.request(
          'GET',
          `/servers/detail?limit=1000&name=${encodeURIComponent(novaNameQuery({ name: { exact: name } })!)}`,
        )
      ).body.servers.map((s: any) => s.name);
    expect(await direct(`${PREFIX}b-0`)).toEqual([`${PREFIX}b-0`]);
    const prefixed = novaNameQuery({ name: { prefix: `${PREFIX}a-` } })!;
    const page = await nova.request('GET', `/servers/detail?limit=1000&name=${encodeURIComponent(prefixed)}`);
    expect(page.body.servers.length).toBe(5); // Nova's page size here; the rest follows its next link
    expect(page.body.servers.every((s: any) => s.name.startsWith(`${PREFIX}a-`))).toBe(true);

    const tierX = await pages(`name=${encodeURIComponent(`${PREFIX}*`)}&metadata.tier=x&state=running`, 2);
    expect(tierX.names.sort()).toEqual([`${PREFIX}a-0`, `${PREFIX}a-2`, `${PREFIX}a-4`, `${PREFIX}b-0`].sort());
    expect(tierX.sizes.slice(0, 2)).toEqual([2, 2]);
  });

  it('pages the all-clouds listing with the same filters', async () => {
    const res = await call(t.url, 'GET', `/api/v1/nodes?name=${encodeURIComponent(`${PREFIX}a-*`)}&limit=1000`);
    expect(res.body.items.map((n: any) => `${n.cloud}/${n.name}`).sort()).toEqual(
      Array.from({ length: 6 }, (_, i) => `lab/${PREFIX}a-${i}`),
    );
    expectProblem(await call(t.url, 'GET', '/api/v1/nodes?state=nope'), 400, /state must be/);
  });
});
