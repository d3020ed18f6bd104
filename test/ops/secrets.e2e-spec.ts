import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call } from '../support/app';
import { FixtureServer } from '../support/fixture-server';
import { startService } from '../support/service-process';

const SECRETS = {
  CO_ADMIN_KEY: 'admin-SECRET-8f3a9c2e71d04b56',
  CO_READ_KEY: 'read-SECRET-1b2c3d4e5f607182',
  CO_CLOUD_PASSWORD: 'cloud-SECRET-pw-99f0e1d2c3b4',
  CO_CLOUD_USER: 'cloud-SECRET-user-7a6b5c',
  CO_DO_TOKEN: 'do-SECRET-token-3c4d5e6f7a8b9c0d',
  CO_EC2_SECRET: 'ec2-SECRET-key-0a1b2c3d4e5f6a7b',
};

/**
 * Runs the production build with secrets from the environment, exercises it the way callers and
 * attackers would, then searches everything it emitted — every log line and every response — for them.
 */
describe('secrets stay secret', () => {
  let provider: FixtureServer;
  beforeAll(async () => {
    // A provider endpoint that rejects every credential, as a cloud does after a key is rotated.
    provider = await FixtureServer.start();
    provider.on(
      { method: 'GET', path: /^\/v2\//, status: 401, file: 'digitalocean/error-401.json' },
      { method: 'POST', path: '/', status: 401, file: 'ec2/error-auth-failure.xml' },
    );
  });
  afterAll(() => provider.close());

  it('never appear in logs, responses, headers, metrics or the OpenAPI document', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'co-secrets-')), 'config.yaml');
    writeFileSync(
      file,
      [
        'auth:',
        '  openDocs: true',
        '  apiKeys:',
        '    - {name: admin, key: "${CO_ADMIN_KEY}", scopes: [read, write]}',
        '    - {name: reader, key: "${CO_READ_KEY}", scopes: [read]}',
        'clouds:',
        '  default:',
        '    engine: dummy',
        '    user: ${CO_CLOUD_USER}',
        '    password: ${CO_CLOUD_PASSWORD}',
        '    extraParams: {nodes: 1, transitionMs: 10}',
        '  slow:',
        '    engine: dummy',
        '    timeoutMs: 100',
        '    password: ${CO_CLOUD_PASSWORD}',
        '    extraParams: {latencyMs: 1000}',
        '  droplets:',
        '    engine: digitalocean',
        '    password: ${CO_DO_TOKEN}',
        `    extraParams: {endpoint: "${provider.url}"}`,
        '  ec2:',
        '    engine: amazon',
        '    user: AKIDEXAMPLE',
        '    password: ${CO_EC2_SECRET}',
        `    extraParams: {region: us-east-1, endpoint: "${provider.url}"}`,
      ].join('\n'),
    );
    const service = await startService({ CONFIG_FILE: file, LOG_LEVEL: 'trace', ...SECRETS });
    const seen: string[] = [];
    const admin = { authorization: `Bearer ${SECRETS.CO_ADMIN_KEY}` };
    const hit = async (method: string, path: string, body?: unknown, headers: Record<string, string> = admin) => {
      const res = await call(service.url, method, path, body, headers);
      seen.push(JSON.stringify(res.body ?? ''), JSON.stringify([...res.headers]));
      return res;
    };
    try {
      await hit('GET', '/api/v1/clouds');
      await hit('GET', '/api/v1/clouds/default');
      await hit('GET', '/api/v1/nodes');
      await hit('GET', '/api/v1/clouds/slow/nodes');
      for (const cloud of ['droplets', 'ec2']) {
        const rejected = await hit('GET', `/api/v1/clouds/${cloud}/nodes`);
        expect([cloud, rejected.status, rejected.body.detail]).toEqual([
          cloud,
          502,
          expect.stringMatching(/credentials rejected/),
        ]);
        await hit('POST', `/api/v1/clouds/${cloud}/nodes`, { name: 'n', image: 'i', size: 's' });
      }
      const created = await hit('POST', '/api/v1/clouds/default/nodes', {
        name: 'n',
        image: 'img-debian-12',
        size: 'small',
      });
      expect(created.status).toBe(202);
      await hit('POST', '/api/v1/clouds/default/nodes', { name: 'n', image: 'nope', size: 'small' });
      await hit('POST', '/api/v1/clouds/default/nodes', '{"broken', admin);
      await hit('GET', '/api/v1/clouds/default/nodes', undefined, { 'x-api-key': SECRETS.CO_READ_KEY });
      await hit('POST', '/api/v1/clouds/default/nodes', { name: 'n' }, { 'x-api-key': SECRETS.CO_READ_KEY });
      await hit('GET', '/api/v1/clouds', undefined, { authorization: `Bearer ${SECRETS.CO_ADMIN_KEY}x` });
      await hit('GET', `/api/v1/clouds/default/nodes?cursor=${SECRETS.CO_ADMIN_KEY}`);
      await hit('GET', '/metrics');
      await hit('GET', '/health/clouds');
      await hit('GET', '/docs-json', undefined, {});
    } finally {
      expect(await service.stop()).toBe(0);
    }
    expect(provider.requests.length).toBeGreaterThan(2);
    // Including what the clouds were sent: the token travels only in the header meant for it.
    const sentToClouds = provider.requests.map((r) =>
      JSON.stringify({ ...r, headers: { ...r.headers, authorization: undefined } }),
    );
    const everything = [service.output(), ...seen, ...sentToClouds].join('\n');
    expect(everything.length).toBeGreaterThan(2000); // it did emit: the search below means something
    expect(service.output()).toMatch(/"apiKey":"admin"/); // key names are logged, keys are not
    for (const [name, secret] of Object.entries(SECRETS)) {
      expect({ name, found: everything.includes(secret) }).toEqual({ name, found: false });
    }
  }, 30_000);
});
