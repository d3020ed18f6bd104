import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OpenAPIObject } from '@nestjs/swagger';
import { responseSchemas } from '../../src/api/response-schemas';
import { AllNodesController } from '../../src/api/v1/all-nodes.controller';
import { CloudsController } from '../../src/api/v1/clouds.controller';
import { NodesController } from '../../src/api/v1/nodes.controller';
import { ComputeService } from '../../src/compute/compute.service';
import { call, startApp, TestApp } from '../support/app';
import { opensshPublicKey } from '../support/keys';

/**
 * Answers are serialised from the OpenAPI document's schemas (fast-json-stringify), no longer with
 * JSON.stringify. For every read, the body on the wire must equal JSON.stringify of what the
 * controller returns: no field dropped, none added, no value coerced.
 */
describe('schema-compiled response serialization', () => {
  let t: TestApp;
  const api = (method: string, path: string, body?: unknown) => call(t.url, method, `/api/v1${path}`, body);
  /** What the old serializer sent: JSON.stringify of the controller's value, parsed back. */
  const asJson = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

  beforeAll(async () => {
    t = await startApp({
      clouds: {
        // Nodes stay in their transitional states for the whole test.
        default: { engine: 'dummy', extraParams: { nodes: 3, transitionMs: 600_000 } },
        other: { engine: 'dummy', extraParams: { nodes: 2 } },
      },
    });
    // Nodes with every optional part filled: metadata, key name and user data (extra), a location.
    expect(
      (await api('POST', '/clouds/default/key-pairs', { name: 'deploy', publicKey: opensshPublicKey() })).status,
    ).toBe(201);
    const created = await api('POST', '/clouds/default/nodes', {
      name: 'full',
      image: 'img-debian-12',
      size: 'medium',
      location: 'dc-ams',
      keyName: 'deploy',
      metadata: { team: 'web', 'with "quotes"': 'and \\ backslash \u2028' },
      userData: '#cloud-config\n',
    });
    expect(created.status).toBe(202);
    expect((await api('POST', '/clouds/default/nodes/node-000001/actions/reboot')).status).toBe(202);
  });
  afterAll(() => t.close());

  it('lists nodes (one page and paged) exactly as JSON.stringify did', async () => {
    const nodes = t.app.get(NodesController);
    const page = await api('GET', '/clouds/default/nodes');
    expect(page.body.items).toHaveLength(4);
    expect(page.body.items.map((n: { state: string }) => n.state)).toEqual([
      'rebooting',
      'running',
      'running',
      'pending',
    ]);
    expect(page.body).toEqual(asJson(await nodes.listNodes({ cloud: 'default' }, {})));
    const first = await api('GET', '/clouds/default/nodes?limit=2');
    expect(first.body.nextCursor).toEqual(expect.any(String));
    expect(first.body).toEqual(asJson(await nodes.listNodes({ cloud: 'default' }, { limit: 2 })));
  });

  it('gets one node, and answers writes with the node, exactly as JSON.stringify did', async () => {
    const nodes = t.app.get(NodesController);
    const full = await api('GET', '/clouds/default/nodes/node-000004');
    expect(full.body.extra).toEqual({ keyName: 'deploy', userDataBytes: 14 });
    expect(full.body).toEqual(asJson(await nodes.getNode({ cloud: 'default', nodeId: 'node-000004' })));
    const stopped = await api('POST', '/clouds/default/nodes/node-000002/actions/stop');
    expect(stopped.status).toBe(202);
    expect(stopped.body).toEqual(asJson(await nodes.getNode({ cloud: 'default', nodeId: 'node-000002' })));
  });

  it('lists every cloud, the catalogue and key pairs exactly as JSON.stringify did', async () => {
    const clouds = t.app.get(CloudsController);
    const compute = t.app.get(ComputeService);
    // The catalogue controllers add caching headers; the body is the cached list.
    const items = async (entry: Promise<{ items: unknown[] }>) => asJson({ items: (await entry).items });
    expect((await api('GET', '/clouds')).body).toEqual(asJson(clouds.listClouds()));
    expect((await api('GET', '/clouds/other')).body).toEqual(asJson(clouds.getCloud({ cloud: 'other' })));
    expect((await api('GET', '/nodes')).body).toEqual(asJson(await t.app.get(AllNodesController).listAllNodes({})));
    expect((await api('GET', '/clouds/default/images')).body).toEqual(await items(compute.listImages('default')));
    expect((await api('GET', '/clouds/default/sizes')).body).toEqual(await items(compute.listSizes('default')));
    expect((await api('GET', '/clouds/default/locations')).body).toEqual(await items(compute.listLocations('default')));
    const keys = await api('GET', '/clouds/default/key-pairs');
    expect(keys.body.items).toHaveLength(1);
    expect(keys.body).toEqual(await items(compute.listKeyPairs('default')));
  });

  it('never sends a field the spec does not document (the serializer is the spec)', async () => {
    const compute = t.app.get(ComputeService);
    const real = compute.getCloud('other');
    const spy = jest
      .spyOn(compute, 'getCloud')
      .mockReturnValue({ ...real, internalNote: 'not for callers' } as ReturnType<ComputeService['getCloud']>);
    try {
      const res = await api('GET', '/clouds/other');
      expect(res.status).toBe(200);
      expect(res.body).toEqual(asJson(real));
      expect(res.body).not.toHaveProperty('internalNote');
    } finally {
      spy.mockRestore();
    }
  });

  it('serialises every documented JSON success answer from the spec, with no reference left unresolved', () => {
    const document = JSON.parse(readFileSync(join(__dirname, '..', '..', 'openapi.json'), 'utf8')) as OpenAPIObject;
    const schemas = responseSchemas(document);
    expect([...schemas.keys()]).toEqual(
      expect.arrayContaining([
        'GET /api/v1/clouds/{cloud}/nodes',
        'POST /api/v1/clouds/{cloud}/nodes',
        'GET /api/v1/nodes',
        'GET /api/v1/clouds/{cloud}/sizes',
        'GET /health/live',
      ]),
    );
    expect(JSON.stringify([...schemas.values()])).not.toContain('$ref');
    // The node's fields are the documented ones, all of them.
    const node = schemas.get('GET /api/v1/clouds/{cloud}/nodes/{nodeId}')!['200'];
    expect(Object.keys(node.properties as object).sort()).toEqual(
      Object.keys((document.components!.schemas!.Node as { properties: object }).properties).sort(),
    );
  });
});
