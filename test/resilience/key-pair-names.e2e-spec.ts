import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ONE_ANSWER_PER_CALL, call, startApp, TestApp } from '../support/app';
import { opensshPublicKey } from '../support/keys';

/**
 * A stateful DigitalOcean SSH-keys API on loopback, like the real one: names are not unique, each
 * create takes a little while (so concurrent imports really overlap), ids grow.
 */
class FakeDigitalOceanKeys {
  readonly keys: Array<{ id: number; name: string; fingerprint: string; public_key: string }> = [];
  private nextId = 1000;
  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeDigitalOceanKeys> {
    const server = createServer();
    const fake = new FakeDigitalOceanKeys(server);
    server.on('request', (req, res) => fake.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  add(name: string): void {
    this.keys.push({ id: this.nextId++, name, fingerprint: `fp:${this.nextId}`, public_key: opensshPublicKey() });
  }

  named(name: string): number {
    return this.keys.filter((k) => k.name === name).length;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0];
      const send = (status: number, body?: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(body === undefined ? '' : JSON.stringify(body));
      };
      if (req.method === 'GET' && path === '/v2/account') return send(200, { account: { status: 'active' } });
      if (req.method === 'GET' && path === '/v2/account/keys') {
        return send(200, { ssh_keys: this.keys, links: {}, meta: { total: this.keys.length } });
      }
      if (req.method === 'POST' && path === '/v2/account/keys') {
        const body = JSON.parse(text) as { name: string; public_key: string };
        return void setTimeout(() => {
          const key = {
            id: this.nextId++,
            name: body.name,
            fingerprint: `fp:${this.nextId}`,
            public_key: body.public_key,
          };
          this.keys.push(key);
          send(201, { ssh_key: key });
        }, 15);
      }
      const del = /^\/v2\/account\/keys\/(\d+)$/.exec(path);
      if (req.method === 'DELETE' && del) {
        const i = this.keys.findIndex((k) => String(k.id) === del[1]);
        if (i < 0)
          return send(404, { id: 'not_found', message: 'The resource you were accessing could not be found.' });
        this.keys.splice(i, 1);
        return send(204);
      }
      send(404, { id: 'not_found', message: 'not found' });
    });
  }
}

/**
 * Fault 4: DigitalOcean does not enforce unique key names, v1 does. 20 concurrent imports of one name
 * give exactly one 201 and 19 × 409, from one replica or two; duplicates that exist already can be
 * removed through the API.
 */
describe('key-pair names stay unique on DigitalOcean (fake keys API on loopback)', () => {
  let fake: FakeDigitalOceanKeys;
  let a: TestApp;
  let b: TestApp;
  const settings = () => ({
    rateLimit: { enabled: false },
    health: { cloudCheckIntervalMs: 3_600_000 },
    clouds: {
      do: {
        engine: 'digitalocean',
        password: 'do-token-0123456789',
        catalogTtlMs: 0,
        resilience: ONE_ANSWER_PER_CALL,
        extraParams: { endpoint: fake.url },
      },
    },
  });
  const importKey = (app: TestApp, name: string) =>
    call(app.url, 'POST', '/api/v1/clouds/do/key-pairs', { name, publicKey: opensshPublicKey() });

  beforeAll(async () => {
    fake = await FakeDigitalOceanKeys.start();
    a = await startApp(settings());
    b = await startApp(settings()); // a second replica on the same account
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await fake.close();
  });

  it('20 concurrent imports of one name on one replica: one 201, 19 × 409, one key', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => importKey(a, 'deploy-one')));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([201, ...Array(19).fill(409)]);
    expect(fake.named('deploy-one')).toBe(1);
  });

  it('20 concurrent imports of one name split over two replicas: one 201, 19 × 409, one key', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => importKey(i % 2 ? a : b, 'deploy-two')));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([201, ...Array(19).fill(409)]);
    expect(fake.named('deploy-two')).toBe(1);
    expect(answers.filter((r) => r.status === 409).every((r) => /already exists/.test(r.body.detail))).toBe(true);
  });

  it('duplicates that exist already are removed by one DELETE', async () => {
    for (let i = 0; i < 3; i++) fake.add('legacy');
    const listed = await call(a.url, 'GET', '/api/v1/clouds/do/key-pairs');
    expect(listed.body.items.filter((k: any) => k.name === 'legacy')).toHaveLength(3);
    expect((await call(a.url, 'DELETE', '/api/v1/clouds/do/key-pairs/legacy')).status).toBe(204);
    expect(fake.named('legacy')).toBe(0);
    expect((await call(a.url, 'DELETE', '/api/v1/clouds/do/key-pairs/legacy')).status).toBe(404);
  });
});
