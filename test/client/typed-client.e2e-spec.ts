import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  createOrchestratorClient,
  OrchestratorClient,
  waitForNodeGone,
  waitForNodeState,
} from '../../clients/typescript/src/index';
import { startApp, TestApp } from '../support/app';
import { opensshPublicKey } from '../support/keys';
import { ROOT } from '../support/service-process';

const run = promisify(execFile);
const CLIENT = join(ROOT, 'clients', 'typescript');
const KEY = 'typed-client-key-0123456789abcdef';

/**
 * The shipped TypeScript client (clients/typescript), generated from the committed openapi.json: the
 * happy path of every operation goes through it, typed, against the real app, so the contract is
 * proven from the caller's side (paths, parameters, bodies, answers and headers as documented).
 */
describe('typed client (clients/typescript)', () => {
  let t: TestApp;
  let client: OrchestratorClient;

  beforeAll(async () => {
    t = await startApp({
      auth: { apiKeys: [{ name: 'client', key: KEY, scopes: ['read', 'write'] }] },
      clouds: { default: { engine: 'dummy', extraParams: { nodes: 3, transitionMs: 30 } } },
    });
    client = createOrchestratorClient({ baseUrl: `${t.url}/`, apiKey: KEY });
  });
  afterAll(() => t?.close());

  it('its committed types are what openapi-typescript generates from the committed openapi.json', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'co-client-')), 'schema.ts');
    await run(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'openapi-typescript', 'bin', 'cli.js'),
        'openapi.json',
        '--redocly',
        join(CLIENT, 'redocly.yaml'),
        '-o',
        out,
      ],
      { cwd: ROOT },
    );
    expect(readFileSync(join(CLIENT, 'src', 'schema.ts'), 'utf8')).toBe(readFileSync(out, 'utf8'));
  }, 60_000);

  it('sends the API key: without it the same call is a 401 problem', async () => {
    const anonymous = createOrchestratorClient({ baseUrl: t.url });
    const { data, error, response } = await anonymous.GET('/api/v1/clouds');
    expect(data).toBeUndefined();
    expect(error).toMatchObject({ status: 401, type: 'urn:cloud-orchestrator:problem:unauthorized' });
    expect(response.headers.get('x-request-id')).toBe(error?.requestId);
    expect((await client.GET('/api/v1/clouds')).response.status).toBe(200);
  });

  it('lists and gets clouds', async () => {
    const { data } = await client.GET('/api/v1/clouds');
    expect(data?.items).toEqual([expect.objectContaining({ name: 'default', engine: 'dummy', default: true })]);
    const one = await client.GET('/api/v1/clouds/{cloud}', { params: { path: { cloud: 'default' } } });
    expect(one.data?.capabilities).toMatchObject({ reboot: true, start: true, stop: true });
  });

  it('reads the catalog: images, sizes, locations', async () => {
    const path = { params: { path: { cloud: 'default' } } };
    const images = await client.GET('/api/v1/clouds/{cloud}/images', path);
    const sizes = await client.GET('/api/v1/clouds/{cloud}/sizes', path);
    const locations = await client.GET('/api/v1/clouds/{cloud}/locations', path);
    expect(images.data?.items.map((i) => i.id)).toContain('img-ubuntu-2404');
    expect(sizes.data?.items.map((s) => s.id)).toContain('small');
    expect(locations.data?.items.length).toBeGreaterThan(0);
  });

  it('pages through listNodes with an integer limit and the cursor', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const { data, error } = await client.GET('/api/v1/clouds/{cloud}/nodes', {
        params: { path: { cloud: 'default' }, query: { limit: 2, cursor } },
      });
      expect(error).toBeUndefined();
      expect(data!.items.length).toBeLessThanOrEqual(2);
      seen.push(...data!.items.map((n) => n.id));
      cursor = data!.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(3);
  });

  it('creates a node (202 + Location), waits for it, reboots, stops, starts and destroys it', async () => {
    const created = await client.POST('/api/v1/clouds/{cloud}/nodes', {
      params: { path: { cloud: 'default' } },
      body: { name: 'typed-1', image: 'img-debian-12', size: 'small', metadata: { team: 'client' } },
    });
    expect(created.response.status).toBe(202);
    const node = created.data!;
    expect(node).toMatchObject({ name: 'typed-1', state: 'pending', metadata: { team: 'client' } });
    expect(created.response.headers.get('location')).toBe(`/api/v1/clouds/default/nodes/${node.id}`);

    const wait = { intervalMs: 20, timeoutMs: 5_000 };
    expect((await waitForNodeState(client, 'default', node.id, 'running', wait)).id).toBe(node.id);
    const path = { params: { path: { cloud: 'default', nodeId: node.id } } };
    expect((await client.POST('/api/v1/clouds/{cloud}/nodes/{nodeId}/actions/reboot', path)).response.status).toBe(202);
    await waitForNodeState(client, 'default', node.id, 'running', wait);
    const stopped = await client.POST('/api/v1/clouds/{cloud}/nodes/{nodeId}/actions/stop', path);
    expect(stopped.data?.state).toMatch(/stopping|stopped/);
    await waitForNodeState(client, 'default', node.id, 'stopped', wait);
    await client.POST('/api/v1/clouds/{cloud}/nodes/{nodeId}/actions/start', path);
    await waitForNodeState(client, 'default', node.id, 'running', wait);

    const all = await client.GET('/api/v1/nodes');
    expect(all.data?.items.map((n) => n.id)).toContain(node.id);
    expect(all.data?.errors).toEqual([]);

    expect((await client.DELETE('/api/v1/clouds/{cloud}/nodes/{nodeId}', path)).response.status).toBe(202);
    await waitForNodeGone(client, 'default', node.id, wait);
    const gone = await client.GET('/api/v1/clouds/{cloud}/nodes/{nodeId}', path);
    expect(gone.error).toMatchObject({ status: 404, type: 'urn:cloud-orchestrator:problem:not-found' });
  });

  it('imports, lists and deletes a key pair', async () => {
    const cloud = { params: { path: { cloud: 'default' } } };
    const imported = await client.POST('/api/v1/clouds/{cloud}/key-pairs', {
      ...cloud,
      body: { name: 'typed-key', publicKey: opensshPublicKey() },
    });
    expect(imported.response.status).toBe(201);
    expect(imported.data).toMatchObject({ name: 'typed-key', fingerprint: expect.any(String) });
    const listed = await client.GET('/api/v1/clouds/{cloud}/key-pairs', cloud);
    expect(listed.data?.items.map((k) => k.name)).toContain('typed-key');
    const deleted = await client.DELETE('/api/v1/clouds/{cloud}/key-pairs/{name}', {
      params: { path: { cloud: 'default', name: 'typed-key' } },
    });
    expect(deleted.response.status).toBe(204);
  });

  it('reads the health endpoints', async () => {
    expect((await client.GET('/health/live')).response.status).toBe(200);
    expect((await client.GET('/health/ready')).response.status).toBe(200);
    const clouds = await client.GET('/health/clouds');
    expect(clouds.data?.clouds.map((c) => c.cloud)).toEqual(['default']);
  });

  it("the README's example, built, runs against the service and prints what it did", async () => {
    const example = join(CLIENT, 'dist', 'examples', 'quickstart.js');
    if (!existsSync(example))
      throw new Error(`${example} is missing: run \`npm run client:build\` first (npm test does)`);
    const { stdout } = await run(process.execPath, [example], {
      env: { PATH: process.env.PATH ?? '', ORCHESTRATOR_URL: t.url, ORCHESTRATOR_API_KEY: KEY },
      timeout: 30_000,
    });
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe('cloud default: dummy (default)');
    expect(lines[1]).toMatch(/^created (node-\d+) \(pending\) at \/api\/v1\/clouds\/default\/nodes\/\1$/);
    expect(lines[2]).toMatch(/^node-\d+ is running, public IPs \S+/);
    expect(lines[3]).toMatch(/^deleted node-\d+$/);
    expect(lines).toHaveLength(4);
    // The service answered `running` to the example's getNode: its create operation says so too
    // (it was left running, then failed node-gone once the delete removed the node).
    const id = /^created (node-\d+)/.exec(lines[1])![1];
    const operations = await client.GET('/api/v1/operations', { params: { query: { cloud: 'default' } } });
    const create = operations.data!.items.find((op) => op.kind === 'createNode' && op.target === id);
    expect(create).toMatchObject({
      state: 'succeeded',
      done: true,
      nodeState: 'running',
      result: { id, state: 'running' },
    });
  }, 60_000);
});
