import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOpenApi } from '../../src/openapi/openapi';
import { call, startApp, TestApp } from '../support/app';

/** Clients are generated from the committed openapi.json: it must match the code, and be complete. */
describe('OpenAPI document', () => {
  let t: TestApp;
  let served: any;
  beforeAll(async () => {
    t = await startApp({ clouds: { default: { engine: 'dummy' } } });
    served = (await call(t.url, 'GET', '/docs-json')).body;
  });
  afterAll(() => t.close());

  it('the committed openapi.json is what the code generates (run `npm run openapi` after API changes)', () => {
    const committed = JSON.parse(readFileSync(join(__dirname, '..', '..', 'openapi.json'), 'utf8'));
    expect(buildOpenApi(t.app)).toEqual(committed);
    expect(served).toEqual(committed);
  });

  it('gives every operation a unique hand-chosen operationId, a summary and documented errors', () => {
    const operations = Object.entries(served.paths).flatMap(([path, ops]: [string, any]) =>
      Object.entries(ops).map(([method, op]: [string, any]) => ({ path, method, op })),
    );
    const ids = operations.map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(
      expect.arrayContaining([
        'listClouds',
        'getCloud',
        'listNodes',
        'createNode',
        'getNode',
        'destroyNode',
        'rebootNode',
        'startNode',
        'stopNode',
        'listAllNodes',
        'listImages',
        'listSizes',
        'listLocations',
        'listKeyPairs',
        'importKeyPair',
        'deleteKeyPair',
      ]),
    );
    for (const { path, method, op } of operations) {
      expect({ path, method, summary: typeof op.summary }).toEqual({ path, method, summary: 'string' });
      for (const [status, response] of Object.entries<any>(op.responses)) {
        if (Number(status) >= 400 && path.startsWith('/api/')) {
          expect({ path, status, schema: response.content?.['application/problem+json']?.schema?.$ref }).toEqual({
            path,
            status,
            schema: '#/components/schemas/ProblemDto',
          });
        }
      }
    }
  });

  it('documents the create body with limits and examples', () => {
    const schema = served.components.schemas.CreateNodeDto;
    expect(schema.required).toEqual(expect.arrayContaining(['name', 'image', 'size']));
    expect(schema.properties.name).toMatchObject({ minLength: 1, maxLength: 255, example: expect.any(String) });
    expect(served.components.schemas.NodeState.enum).toEqual(
      expect.arrayContaining(['running', 'pending', 'stopping', 'stopped']),
    );
  });
});
