import { call, startApp, TestApp, waitFor } from '../support/app';
import { expectProblem } from '../support/problem';

const TRANSITION = 60;

describe('nodes of one cloud (v1, dummy cloud)', () => {
  let t: TestApp;
  const api = (method: string, path: string, body?: unknown) => call(t.url, method, `/api/v1${path}`, body);
  const stateOf = async (id: string) => (await api('GET', `/clouds/default/nodes/${id}`)).body.state;

  beforeAll(async () => {
    t = await startApp({
      clouds: { default: { engine: 'dummy', extraParams: { nodes: 3, transitionMs: TRANSITION } } },
    });
  });
  afterAll(() => t.close());

  it('lists the seeded nodes with every documented field', async () => {
    const res = await api('GET', '/clouds/default/nodes');
    expect(res.status).toBe(200);
    expect(res.body.nextCursor).toBeUndefined();
    expect(res.body.items).toHaveLength(3);
    expect(res.body.items[0]).toEqual({
      id: expect.any(String),
      cloud: 'default',
      name: 'demo-1',
      state: 'running',
      publicIps: [expect.any(String)],
      privateIps: [expect.any(String)],
      imageId: expect.any(String),
      sizeId: expect.any(String),
      locationId: expect.any(String),
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      metadata: {},
      extra: {},
    });
  });

  it('creates a node: 202, Location, pending, then running; honours name and metadata', async () => {
    const res = await api('POST', '/clouds/default/nodes', {
      name: 'web-1',
      image: 'img-debian-12',
      size: 'medium',
      location: 'dc-sgp',
      userData: '#cloud-config\n',
      metadata: { team: 'web', tier: 'front' },
    });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      name: 'web-1',
      state: 'pending',
      sizeId: 'medium',
      locationId: 'dc-sgp',
      metadata: { team: 'web', tier: 'front' },
    });
    expect(res.headers.get('location')).toBe(`/api/v1/clouds/default/nodes/${res.body.id}`);
    const fetched = await call(t.url, 'GET', res.headers.get('location')!);
    expect(fetched.body.id).toBe(res.body.id);
    await waitFor(async () => (await stateOf(res.body.id)) === 'running');
  });

  it('reboots, stops and starts through the transitional states, and refuses what makes no sense', async () => {
    const { body: node } = await api('POST', '/clouds/default/nodes', {
      name: 'cycle',
      image: 'img-debian-12',
      size: 'small',
    });
    expectProblem(await api('POST', `/clouds/default/nodes/${node.id}/actions/stop`), 409, /while it is pending/);
    await waitFor(async () => (await stateOf(node.id)) === 'running');

    const reboot = await api('POST', `/clouds/default/nodes/${node.id}/actions/reboot`);
    expect([reboot.status, reboot.body.state]).toEqual([202, 'rebooting']);
    await waitFor(async () => (await stateOf(node.id)) === 'running');

    const start = expectProblem(await api('POST', `/clouds/default/nodes/${node.id}/actions/start`), 409);
    expect(start.cloud).toBe('default');

    const stop = await api('POST', `/clouds/default/nodes/${node.id}/actions/stop`);
    expect([stop.status, stop.body.state]).toEqual([202, 'stopping']);
    await waitFor(async () => (await stateOf(node.id)) === 'stopped');

    const started = await api('POST', `/clouds/default/nodes/${node.id}/actions/start`);
    expect([started.status, started.body.state]).toEqual([202, 'starting']);
    await waitFor(async () => (await stateOf(node.id)) === 'running');
  });

  it('destroys a node: 202, then it is gone', async () => {
    const { body: node } = await api('POST', '/clouds/default/nodes', {
      name: 'doomed',
      image: 'img-debian-12',
      size: 'small',
    });
    const res = await api('DELETE', `/clouds/default/nodes/${node.id}`);
    expect(res.status).toBe(202);
    expect(res.body).toBeUndefined();
    expectProblem(await api('GET', `/clouds/default/nodes/${node.id}`), 404, /not found/);
    expectProblem(await api('DELETE', `/clouds/default/nodes/${node.id}`), 404);
  });

  it('pages with limit and an opaque cursor: every node exactly once', async () => {
    const all = (await api('GET', '/clouds/default/nodes')).body.items.map((n: any) => n.id);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await api(
        'GET',
        `/clouds/default/nodes?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items.map((n: any) => n.id));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 50);
    expect(seen).toEqual(all);
    expect(pages).toBe(Math.ceil(all.length / 2));
  });

  it('answers unknown nodes, unknown clouds and unknown actions with 404 problems', async () => {
    expectProblem(await api('GET', '/clouds/default/nodes/node-999999'), 404, /node node-999999 not found/);
    expectProblem(await api('POST', '/clouds/default/nodes/node-999999/actions/reboot'), 404);
    expectProblem(await api('POST', '/clouds/default/nodes/node-000001/actions/explode'), 404, /no such route/);
    const cloud = expectProblem(
      await api('GET', '/clouds/nowhere/nodes'),
      404,
      /no cloud named "nowhere".*clouds: default/,
    );
    expect(cloud.instance).toBe('/api/v1/clouds/nowhere/nodes');
  });

  it('finds the default cloud by the name "default" too', async () => {
    expect((await api('GET', '/clouds/default')).body).toMatchObject({ name: 'default', default: true });
  });
});
