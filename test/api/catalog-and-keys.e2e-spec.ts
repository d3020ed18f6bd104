import { call, startApp, TestApp } from '../support/app';
import { opensshPublicKey } from '../support/keys';
import { expectProblem } from '../support/problem';

describe('clouds, catalogue and key pairs (v1, dummy cloud)', () => {
  let t: TestApp;
  const api = (method: string, path: string, body?: unknown) => call(t.url, method, `/api/v1${path}`, body);

  beforeAll(async () => {
    t = await startApp({
      clouds: {
        default: { engine: 'dummy', extraParams: { nodes: 1 } },
        // Credentials on a cloud must never come back out of the API.
        staging: { engine: 'dummy', user: 'admin-user-XYZ', password: 'TOPSECRET-123', extraParams: {} },
      },
    });
  });
  afterAll(() => t.close());

  it('lists the clouds with engine, default flag and capabilities, never credentials', async () => {
    const res = await api('GET', '/clouds');
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([
      expect.objectContaining({
        name: 'default',
        engine: 'dummy',
        default: true,
        capabilities: expect.objectContaining({ reboot: true, stop: true }),
      }),
      expect.objectContaining({ name: 'staging', engine: 'dummy', default: false }),
    ]);
    const text = JSON.stringify(res.body) + JSON.stringify((await api('GET', '/clouds/staging')).body);
    expect(text).not.toMatch(/TOPSECRET|admin-user-XYZ|password/);
  });

  it('gets one cloud, and 404s an unknown one', async () => {
    expect((await api('GET', '/clouds/staging')).body).toMatchObject({ name: 'staging', default: false });
    expectProblem(await api('GET', '/clouds/prod'), 404, /no cloud named "prod"/);
  });

  it('lists images, sizes (with ram/disk/vcpus/price) and locations', async () => {
    const images = await api('GET', '/clouds/default/images');
    expect(images.body.items).toContainEqual(expect.objectContaining({ id: 'img-debian-12', name: 'Debian 12' }));
    const sizes = await api('GET', '/clouds/default/sizes');
    expect(sizes.body.items).toContainEqual({
      id: 'small',
      name: expect.any(String),
      ram: 1024,
      disk: 20,
      vcpus: 1,
      price: 0.0075,
      extra: {},
    });
    const locations = await api('GET', '/clouds/default/locations');
    expect(locations.body.items.map((l: any) => l.id)).toEqual(['dc-ams', 'dc-nyc', 'dc-sgp']);
  });

  it('imports, lists, uses and deletes key pairs', async () => {
    const publicKey = opensshPublicKey('deploy@ci');
    const created = await api('POST', '/clouds/default/key-pairs', { name: 'deploy', publicKey });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      name: 'deploy',
      fingerprint: expect.stringMatching(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/),
      publicKey,
    });

    expect((await api('GET', '/clouds/default/key-pairs')).body.items).toEqual([created.body]);
    const node = await api('POST', '/clouds/default/nodes', {
      name: 'keyed',
      image: 'img-debian-12',
      size: 'small',
      keyName: 'deploy',
    });
    expect(node.body.extra).toEqual({ keyName: 'deploy' });

    // Key pairs are per cloud.
    expect((await api('GET', '/clouds/staging/key-pairs')).body.items).toEqual([]);

    const deleted = await api('DELETE', '/clouds/default/key-pairs/deploy');
    expect([deleted.status, deleted.body]).toEqual([204, undefined]);
    expectProblem(await api('DELETE', '/clouds/default/key-pairs/deploy'), 404, /key pair "deploy" not found/);
    expect((await api('GET', '/clouds/default/key-pairs')).body.items).toEqual([]);
  });
});
