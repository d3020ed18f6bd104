import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { CreateNodeDto } from '../../src/api/v1/dto/create-node.dto';
import { ImportKeyPairDto } from '../../src/api/v1/dto/key-pair.dto';
import {
  CreateNodeSetDto,
  ListNodeSetsQuery,
  NodeSetMemberRequestDto,
  NodeSetParams,
} from '../../src/api/v1/dto/node-set.dto';
import { GetOperationQuery, ListOperationsQuery, OperationParams } from '../../src/api/v1/dto/operation.dto';
import { KeyPairParams, ListNodesQuery, NodeParams } from '../../src/api/v1/dto/params.dto';
import { parse as parseYaml } from 'yaml';
import { encodeCursor } from '../../src/compute/cursor';
import { CursorSeal } from '../../src/cursors/cursor-seal';
import { buildOpenApi } from '../../src/openapi/openapi';
import { call, startApp, TestApp } from '../support/app';
import { Exchange, FixtureServer } from '../support/fixture-server';
import { expectProblem } from '../support/problem';

/** class-validator's bound rules and the JSON Schema keyword each of their constraints is. */
const BOUND_KEYWORDS: Record<string, Array<string | null>> = {
  isLength: ['minLength', 'maxLength'],
  minLength: ['minLength'],
  maxLength: ['maxLength'],
  arrayMinSize: ['minItems'],
  arrayMaxSize: ['maxItems'],
  min: ['minimum'],
  max: ['maximum'],
};

const operationsOf = (doc: any) =>
  Object.entries(doc.paths).flatMap(([path, ops]: [string, any]) =>
    Object.entries(ops).map(([method, op]: [string, any]) => ({ path, method, op })),
  );

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

  it('is not kept from boot but built on the first request to any docs URL: YAML or Swagger UI first serve it whole', async () => {
    const committed = JSON.parse(readFileSync(join(__dirname, '..', '..', 'openapi.json'), 'utf8'));
    for (const first of ['/docs-yaml', '/docs/swagger-ui-init.js']) {
      const fresh = await startApp({ clouds: { default: { engine: 'dummy' } } });
      try {
        const answer = await fetch(`${fresh.url}${first}`);
        expect(answer.status).toBe(200);
        const text = await answer.text();
        if (first === '/docs-yaml') expect(parseYaml(text)).toEqual(committed);
        // Swagger UI's start script carries the document in `let options = {…};` (JSON, no functions here).
        else expect(JSON.parse(/let options = (\{[\s\S]*?\n\});/.exec(text)![1]).swaggerDoc).toEqual(committed);
        expect((await call(fresh.url, 'GET', '/docs-json')).body).toEqual(committed);
      } finally {
        await fresh.close();
      }
    }
  });

  it('gives every operation a unique hand-chosen operationId, a summary and documented errors', () => {
    const operations = operationsOf(served);
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
            schema: '#/components/schemas/Problem',
          });
        }
      }
    }
  });

  it('documents the create body with limits and examples', () => {
    const schema = served.components.schemas.CreateNodeRequest;
    expect(schema.required).toEqual(expect.arrayContaining(['name', 'image', 'size']));
    expect(schema.properties.name).toMatchObject({ minLength: 1, maxLength: 255, example: expect.any(String) });
    expect(served.components.schemas.NodeState.enum).toEqual(
      expect.arrayContaining(['running', 'pending', 'stopping', 'stopped']),
    );
  });

  it('documents every bound the request validators enforce (lengths, item counts, ranges), on bodies and parameters', () => {
    // What class-validator refuses, property by property, against what the document tells a client.
    const bounds = (dto: new () => object) => {
      const found: Record<string, Record<string, number>> = {};
      for (const m of getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false)) {
        const rules = BOUND_KEYWORDS[m.name ?? ''];
        if (!rules) continue;
        const key = m.each ? `${m.propertyName}[]` : m.propertyName;
        rules.forEach((keyword, i) => {
          if (keyword) (found[key] ??= {})[keyword] = m.constraints[i];
        });
      }
      return found;
    };
    const documented = (schemaOf: (property: string) => any, wanted: Record<string, Record<string, number>>) =>
      Object.fromEntries(
        Object.entries(wanted).map(([key, keywords]) => {
          const schema = key.endsWith('[]') ? schemaOf(key.slice(0, -2))?.items : schemaOf(key);
          return [key, Object.fromEntries(Object.keys(keywords).map((k) => [k, schema?.[k]]))];
        }),
      );
    const { schemas } = served.components;
    const bodies: Array<[new () => object, string]> = [
      [CreateNodeDto, 'CreateNodeRequest'],
      [NodeSetMemberRequestDto, 'NodeSetMemberRequest'],
      [CreateNodeSetDto, 'CreateNodeSetRequest'],
      [ImportKeyPairDto, 'ImportKeyPairRequest'],
    ];
    for (const [dto, name] of bodies) {
      const wanted = bounds(dto);
      expect({ name, bounds: documented((p) => schemas[name].properties[p], wanted) }).toEqual({
        name,
        bounds: wanted,
      });
    }
    const parameters: Array<[new () => object, string, string, string]> = [
      [NodeParams, '/api/v1/clouds/{cloud}/nodes/{nodeId}', 'get', 'path'],
      [KeyPairParams, '/api/v1/clouds/{cloud}/key-pairs/{name}', 'delete', 'path'],
      [NodeSetParams, '/api/v1/node-sets/{id}', 'get', 'path'],
      [OperationParams, '/api/v1/operations/{id}', 'get', 'path'],
      [ListNodesQuery, '/api/v1/clouds/{cloud}/nodes', 'get', 'query'],
      [ListOperationsQuery, '/api/v1/operations', 'get', 'query'],
      [ListNodeSetsQuery, '/api/v1/node-sets', 'get', 'query'],
      [GetOperationQuery, '/api/v1/operations/{id}', 'get', 'query'],
    ];
    for (const [dto, path, method, where] of parameters) {
      const wanted = bounds(dto);
      // @nestjs/swagger drops maxItems from an enum array query parameter; its bound is the number of
      // states, no limit for a client that names each state at most once.
      if (dto === ListNodesQuery) delete wanted.state;
      const schemaOf = (p: string) =>
        served.paths[path][method].parameters.find((x: any) => x.name === p && x.in === where)?.schema;
      expect({ path, where, bounds: documented(schemaOf, wanted) }).toEqual({ path, where, bounds: wanted });
    }
  });

  it('describes each error status once per operation, with only the causes that operation has', () => {
    for (const { path, method, op } of operationsOf(served)) {
      for (const [status, response] of Object.entries<any>(op.responses)) {
        const sentences = String(response.description)
          .split(/(?<=\.)\s+/)
          .filter(Boolean);
        const repeated = sentences.filter((s, i) => sentences.indexOf(s) !== i);
        expect({ path, method, status, repeated }).toEqual({ path, method, status, repeated: [] });
      }
    }
    // A write that names no image, size, location or key pair has only the Idempotency-Key's 422.
    for (const [path, method] of [
      ['/api/v1/clouds/{cloud}/nodes/{nodeId}', 'delete'],
      ['/api/v1/clouds/{cloud}/nodes/{nodeId}/actions/reboot', 'post'],
      ['/api/v1/clouds/{cloud}/nodes/{nodeId}/actions/start', 'post'],
      ['/api/v1/clouds/{cloud}/nodes/{nodeId}/actions/stop', 'post'],
    ]) {
      const unprocessable = served.paths[path][method].responses['422'];
      expect({ path, description: unprocessable.description }).toEqual({
        path,
        description: expect.not.stringMatching(/image, size, location or key pair/),
      });
      expect(Object.keys(unprocessable.content['application/problem+json'].examples)).toEqual(['idempotencyKeyReused']);
    }
  });

  it('describes every tag and every operation, and names a server "Try it out" can call wherever it runs', () => {
    expect(served.servers).toEqual([{ url: '/', description: expect.any(String) }]);
    const used = new Set(operationsOf(served).flatMap(({ op }) => op.tags ?? []));
    expect(served.tags.map((t: any) => t.name).sort()).toEqual([...used].sort());
    for (const tag of served.tags)
      expect({ tag: tag.name, described: tag.description?.length > 20 }).toEqual({ tag: tag.name, described: true });
    for (const { path, method, op } of operationsOf(served))
      expect({ path, method, described: op.description?.length > 20 }).toEqual({ path, method, described: true });
  });

  it('names schemas for what they are, never with a Dto suffix (it leaks into every generated client)', () => {
    const names = Object.keys(served.components.schemas);
    expect(names).toEqual(expect.arrayContaining(['Node', 'NodePage', 'Problem', 'CreateNodeRequest', 'Cloud']));
    expect(names.filter((n) => /dto$/i.test(n))).toEqual([]);
    // No reference is left dangling by a rename.
    const refs = [...JSON.stringify(served).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]);
    expect(refs.filter((r) => !names.includes(r))).toEqual([]);
  });

  it('types integer parameters and fields as integers, with their bounds', () => {
    const limit = served.paths['/api/v1/clouds/{cloud}/nodes'].get.parameters.find((p: any) => p.name === 'limit');
    expect(limit.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 1000 });
    // Every numeric query parameter is an integer (the service takes decimal digits only).
    const numericParams = operationsOf(served).flatMap(({ path, op }) =>
      (op.parameters ?? [])
        .filter((p: any) => p.in === 'query' && ['number', 'integer'].includes(p.schema?.type))
        .map((p: any) => [path, p.name, p.schema.type, p.schema.minimum, p.schema.maximum]),
    );
    expect(numericParams).toEqual(
      expect.arrayContaining([
        ['/api/v1/nodes', 'limit', 'integer', 1, 1000],
        ['/api/v1/node-sets', 'limit', 'integer', 1, 1000],
        ['/api/v1/operations', 'limit', 'integer', 1, 1000],
        ['/api/v1/operations/{id}', 'wait', 'integer', 0, 60],
      ]),
    );
    expect(numericParams.filter(([, , type]) => type !== 'integer')).toEqual([]);
    const { schemas } = served.components;
    expect(schemas.NodeSetMemberRequest.properties.count).toMatchObject({ type: 'integer', minimum: 1, maximum: 1000 });
    expect(schemas.CreateNodeSetRequest.properties.timeoutSeconds).toMatchObject({
      type: 'integer',
      minimum: 1,
      maximum: 86400,
    });
    expect(schemas.NodeSetMember.properties.index.type).toBe('integer');
    expect(schemas.Problem.properties.status.type).toBe('integer');
  });

  it('documents 414 on every operation (an over-long target), and the path-parameter cause where the path takes one', () => {
    for (const { path, method, op } of operationsOf(served)) {
      const takesParam = path.includes('{');
      expect({ path, method, examples: op.responses['414']?.content['application/problem+json'].examples }).toEqual({
        path,
        method,
        examples: {
          requestTargetTooLong: { $ref: '#/components/examples/414-requestTargetTooLong' },
          ...(takesParam ? { pathParameterTooLong: { $ref: '#/components/examples/414-pathParameterTooLong' } } : {}),
        },
      });
    }
  });

  it('documents 400, 415 and 431 on every operation, and 413 and the content-coding 415 where a body is defined', () => {
    for (const { path, method, op } of operationsOf(served)) {
      const statuses = Object.keys(op.responses);
      expect({ path, method, statuses }).toEqual({
        path,
        method,
        statuses: expect.arrayContaining(['400', '414', '415', '431', ...(op.requestBody ? ['413'] : [])]),
      });
      const examples = Object.keys(op.responses['415'].content['application/problem+json'].examples);
      expect({ path, method, examples }).toEqual({
        path,
        method,
        examples: op.requestBody ? ['notJson', 'contentEncoding'] : ['noBodyDefined'],
      });
      if (op.requestBody)
        expect(op.responses['415'].headers['Accept-Encoding']).toMatchObject({ schema: { type: 'string' } });
    }
  });

  it('declares the event stream of streamOperationEvents, so generated clients expect a stream', () => {
    const ok = served.paths['/api/v1/operations/{id}/events'].get.responses['200'];
    expect(Object.keys(ok.content)).toEqual(['text/event-stream']);
    expect(ok.content['text/event-stream'].schema).toMatchObject({ type: 'string' });
    expect(ok.description).toMatch(/event: operation/);
    // The example is what the stream sends: events whose data is an Operation.
    const events = String(ok.content['text/event-stream'].example).split('\n\n').filter(Boolean);
    expect(events.length).toBe(2);
    const required: string[] = served.components.schemas.Operation.required;
    for (const event of events) {
      expect(event).toMatch(/^event: operation\nid: \d+\ndata: /);
      expect(Object.keys(JSON.parse(event.split('data: ')[1]))).toEqual(expect.arrayContaining(required));
    }
  });

  it('declares API keys as plain bearer tokens and X-API-Key, not JWTs', () => {
    expect(served.components.securitySchemes.bearer).toEqual({
      type: 'http',
      scheme: 'bearer',
      description: expect.any(String),
    });
    expect(served.components.securitySchemes.apiKey).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-API-Key' });
  });

  it('declares X-Request-Id on every response, Location on createNode and Retry-After on 503', () => {
    for (const { path, method, op } of operationsOf(served)) {
      for (const [status, response] of Object.entries<any>(op.responses)) {
        expect({ path, method, status, header: response.headers?.['X-Request-Id'] }).toEqual({
          path,
          method,
          status,
          header: { $ref: '#/components/headers/X-Request-Id' },
        });
        if (status === '503')
          expect({ path, method, header: response.headers['Retry-After'] }).toEqual({
            path,
            method,
            header: { $ref: '#/components/headers/Retry-After' },
          });
      }
    }
    expect(served.paths['/api/v1/clouds/{cloud}/nodes'].post.responses['202'].headers.Location).toMatchObject({
      schema: { type: 'string' },
    });
  });
});

/**
 * The documented error answers against real ones: each case provokes an error for real and checks
 * that its problem `type` is among the examples documented for that operation and status, and that
 * the headers the document declares are there.
 */
describe('OpenAPI document: documented problems are the ones the service sends', () => {
  const TOKEN = 'dop_v1_openapi_problem_types_0123456789';
  const READ_KEY = 'read-key-0123456789abcdef';
  const WRITE_KEY = 'write-key-0123456789abcdef';
  const LIMITED_KEY = 'limited-key-0123456789abcdef';
  let fixture: FixtureServer;
  let t: TestApp;
  let doc: any;

  beforeAll(async () => {
    fixture = await FixtureServer.start();
    fixture.on({ method: 'GET', path: '/v2/account', file: 'digitalocean/account.json' });
    t = await startApp({
      auth: {
        apiKeys: [
          { name: 'reader', key: READ_KEY, scopes: ['read'] },
          { name: 'writer', key: WRITE_KEY, scopes: ['read', 'write'] },
          { name: 'limited', key: LIMITED_KEY, scopes: ['read'] },
        ],
        openDocs: true,
      },
      rateLimit: { windowMs: 60_000, perKey: { limited: 1 } },
      http: { bodyLimitBytes: 1024 },
      health: { cloudCheckIntervalMs: 3_600_000 },
      clouds: {
        default: { engine: 'dummy', extraParams: { nodes: 1, transitionMs: 10 } },
        // One answer per case: no read retries, no breaker tripping across cases, no catalog cache.
        do: {
          engine: 'digitalocean',
          password: TOKEN,
          timeoutMs: 300,
          resilience: { readRetries: 0, consecutiveFailures: 1000 },
          catalogTtlMs: 0,
          extraParams: { endpoint: fixture.url },
        },
        // The breaker opens after a single fault here.
        fragile: {
          engine: 'digitalocean',
          password: TOKEN,
          timeoutMs: 300,
          resilience: { readRetries: 0, consecutiveFailures: 1, halfOpenAfterMs: 60_000 },
          extraParams: { endpoint: fixture.url },
        },
        rax: { engine: 'rackspace', user: 'u', password: 'p', extraParams: { region: 'IAD', authUrl: fixture.url } },
      },
    });
    doc = (await call(t.url, 'GET', '/docs-json')).body;
  }, 30_000);
  afterAll(async () => {
    await t?.close();
    await fixture?.close();
  });

  /** Calls a GET of cloud "do" after telling the fake DigitalOcean how to answer it, once. */
  const whenDigitalOceanAnswers = (exchange: Omit<Exchange, 'method' | 'times'>, path: string) => {
    fixture.on({ method: 'GET', times: 1, ...exchange });
    return call(t.url, 'GET', `/api/v1/clouds/do${path}`, undefined, auth(READ_KEY));
  };

  const documentedTypes = (operationId: string, status: number): string[] => {
    const op = operationsOf(doc).find((o) => o.op.operationId === operationId)!.op;
    const examples = op.responses[String(status)]?.content?.['application/problem+json']?.examples ?? {};
    return Object.values<any>(examples).map(
      (e) => doc.components.examples[e.$ref.replace('#/components/examples/', '')].value.type,
    );
  };

  const cases: Array<{
    name: string;
    operationId: string;
    status: number;
    type: string;
    send: () => Promise<{ status: number; headers: Headers; body: any }>;
    header?: string;
  }> = [
    {
      name: 'invalid query',
      operationId: 'listNodes',
      status: 400,
      type: 'bad-request',
      send: () => call(t.url, 'GET', '/api/v1/clouds/default/nodes?limit=2.5', undefined, auth(READ_KEY)),
    },
    {
      name: 'unknown query parameter on an operation without query parameters',
      operationId: 'listClouds',
      status: 400,
      type: 'bad-request',
      send: () => call(t.url, 'GET', '/api/v1/clouds?x=1', undefined, auth(READ_KEY)),
    },
    {
      name: 'unknown query parameter on the orphan report',
      operationId: 'listNodeSetOrphans',
      status: 400,
      type: 'bad-request',
      send: () => call(t.url, 'GET', '/api/v1/node-sets/orphans?limit=1', undefined, auth(READ_KEY)),
    },
    {
      name: 'a 70 kB query string',
      operationId: 'listClouds',
      status: 414,
      type: 'uri-too-long',
      send: () => call(t.url, 'GET', `/api/v1/clouds?q=${'a'.repeat(70_000)}`, undefined, auth(READ_KEY)),
    },
    {
      name: 'header fields too large',
      operationId: 'getNode',
      status: 431,
      type: 'headers-too-large',
      send: () =>
        call(t.url, 'GET', '/api/v1/clouds/default/nodes/node-000001', undefined, {
          ...auth(READ_KEY),
          'x-big': 'a'.repeat(20_000),
        }),
    },
    {
      name: 'a JSON body on an action that defines none',
      operationId: 'rebootNode',
      status: 415,
      type: 'unsupported-media-type',
      send: () =>
        call(
          t.url,
          'POST',
          '/api/v1/clouds/default/nodes/node-000001/actions/reboot',
          { force: true },
          auth(WRITE_KEY),
        ),
    },
    {
      name: 'a text body on a DELETE',
      operationId: 'destroyNode',
      status: 415,
      type: 'unsupported-media-type',
      send: () =>
        call(t.url, 'DELETE', '/api/v1/clouds/default/nodes/node-000001', 'please', {
          ...auth(WRITE_KEY),
          'content-type': 'text/plain',
        }),
    },
    {
      name: 'a gzip Content-Encoding',
      operationId: 'createNode',
      status: 415,
      type: 'unsupported-media-type',
      header: 'accept-encoding',
      send: () =>
        call(
          t.url,
          'POST',
          '/api/v1/clouds/default/nodes',
          { name: 'gz', image: 'img-debian-12', size: 'small' },
          { ...auth(WRITE_KEY), 'content-encoding': 'gzip' },
        ),
    },
    {
      name: 'path parameter too long',
      operationId: 'getNode',
      status: 414,
      type: 'uri-too-long',
      send: () => call(t.url, 'GET', `/api/v1/clouds/default/nodes/${'n'.repeat(4000)}`, undefined, auth(READ_KEY)),
    },
    {
      name: 'foreign cursor',
      operationId: 'listNodes',
      status: 400,
      type: 'invalid-cursor',
      send: () => call(t.url, 'GET', '/api/v1/clouds/default/nodes?cursor=nonsense', undefined, auth(READ_KEY)),
    },
    {
      name: 'forged operations cursor',
      operationId: 'listOperations',
      status: 400,
      type: 'invalid-cursor',
      send: () => call(t.url, 'GET', '/api/v1/operations?cursor=nonsense', undefined, auth(READ_KEY)),
    },
    {
      name: 'a cursor continuing in a cloud no longer configured',
      operationId: 'listAllNodes',
      status: 410,
      type: 'cursor-expired',
      send: () => {
        const cursor = encodeCursor(
          t.app.get(CursorSeal),
          { kind: 'all-nodes', filter: '' },
          { cloud: 'retired', position: { pageSize: 1000 } },
        );
        return call(t.url, 'GET', `/api/v1/nodes?cursor=${cursor}`, undefined, auth(READ_KEY));
      },
    },
    {
      name: 'no key',
      operationId: 'listClouds',
      status: 401,
      type: 'unauthorized',
      send: () => call(t.url, 'GET', '/api/v1/clouds'),
    },
    {
      name: 'read key writing',
      operationId: 'createNode',
      status: 403,
      type: 'forbidden',
      send: () =>
        call(t.url, 'POST', '/api/v1/clouds/default/nodes', { name: 'x', image: 'i', size: 's' }, auth(READ_KEY)),
    },
    {
      name: "over the caller's rate limit",
      operationId: 'listClouds',
      status: 429,
      type: 'too-many-requests',
      header: 'retry-after',
      send: async () => {
        await call(t.url, 'GET', '/api/v1/clouds', undefined, auth(LIMITED_KEY));
        return call(t.url, 'GET', '/api/v1/clouds', undefined, auth(LIMITED_KEY));
      },
    },
    {
      name: 'unknown node',
      operationId: 'getNode',
      status: 404,
      type: 'not-found',
      send: () => call(t.url, 'GET', '/api/v1/clouds/default/nodes/node-999999', undefined, auth(READ_KEY)),
    },
    {
      name: 'start a running node',
      operationId: 'startNode',
      status: 409,
      type: 'conflict',
      send: async () => {
        const nodes = await call(t.url, 'GET', '/api/v1/clouds/default/nodes', undefined, auth(READ_KEY));
        const id = nodes.body.items[0].id;
        return call(t.url, 'POST', `/api/v1/clouds/default/nodes/${id}/actions/start`, undefined, auth(WRITE_KEY));
      },
    },
    {
      name: 'destroy a member of a ready node set',
      operationId: 'destroyNode',
      status: 409,
      type: 'node-set-member',
      send: async () => {
        const set = await call(
          t.url,
          'POST',
          '/api/v1/node-sets',
          { name: 'held', nodes: [{ cloud: 'default', name: 'held-1', image: 'img-debian-12', size: 'small' }] },
          auth(WRITE_KEY),
        );
        const op = await call(
          t.url,
          'GET',
          `/api/v1/operations/${set.body.operationId}?wait=30`,
          undefined,
          auth(READ_KEY),
        );
        const nodeId = op.body.result.members[0].nodeId;
        return call(t.url, 'DELETE', `/api/v1/clouds/default/nodes/${nodeId}`, undefined, auth(WRITE_KEY));
      },
    },
    {
      name: 'body over the limit',
      operationId: 'createNode',
      status: 413,
      type: 'payload-too-large',
      send: () =>
        call(
          t.url,
          'POST',
          '/api/v1/clouds/default/nodes',
          { name: 'x', image: 'img-debian-12', size: 'small', userData: 'x'.repeat(2000) },
          auth(WRITE_KEY),
        ),
    },
    {
      name: 'not JSON',
      operationId: 'createNode',
      status: 415,
      type: 'unsupported-media-type',
      send: () =>
        call(t.url, 'POST', '/api/v1/clouds/default/nodes', 'name=x', {
          ...auth(WRITE_KEY),
          'content-type': 'text/plain',
        }),
    },
    {
      name: 'unknown size',
      operationId: 'createNode',
      status: 422,
      type: 'unknown-reference',
      send: () =>
        call(
          t.url,
          'POST',
          '/api/v1/clouds/default/nodes',
          { name: 'x', image: 'img-debian-12', size: 'huge' },
          auth(WRITE_KEY),
        ),
    },
    {
      name: 'a malformed Idempotency-Key',
      operationId: 'createNode',
      status: 400,
      type: 'idempotency-key-malformed',
      send: () =>
        call(
          t.url,
          'POST',
          '/api/v1/clouds/default/nodes',
          { name: 'x', image: 'img-debian-12', size: 'small' },
          { ...auth(WRITE_KEY), 'idempotency-key': `"${'k'.repeat(256)}"` },
        ),
    },
    {
      name: 'an Idempotency-Key reused for another body',
      operationId: 'createNode',
      status: 422,
      type: 'idempotency-key-reused',
      send: async () => {
        const headers = { ...auth(WRITE_KEY), 'idempotency-key': '"openapi-reused-key"' };
        await call(
          t.url,
          'POST',
          '/api/v1/clouds/default/nodes',
          { name: 'k1', image: 'img-debian-12', size: 'small' },
          headers,
        );
        return call(
          t.url,
          'POST',
          '/api/v1/clouds/default/nodes',
          { name: 'k2', image: 'img-debian-12', size: 'small' },
          headers,
        );
      },
    },
    {
      name: 'an Idempotency-Key still in flight',
      operationId: 'createNode',
      status: 409,
      type: 'idempotency-key-in-flight',
      header: 'retry-after',
      send: async () => {
        fixture.on({
          method: 'POST',
          path: '/v2/droplets',
          times: 1,
          delayMs: 250,
          status: 202,
          file: 'digitalocean/droplet-created.json',
        });
        const headers = { ...auth(WRITE_KEY), 'idempotency-key': '"openapi-in-flight-key"' };
        const body = { name: 'in-flight', image: 'ubuntu-24-04-x64', size: 's-1vcpu-1gb' };
        const first = call(t.url, 'POST', '/api/v1/clouds/do/nodes', body, headers);
        await new Promise((r) => setTimeout(r, 50));
        const second = await call(t.url, 'POST', '/api/v1/clouds/do/nodes', body, headers);
        await first;
        return second;
      },
    },
    {
      name: 'a capability the cloud lacks',
      operationId: 'stopNode',
      status: 501,
      type: 'unsupported',
      send: () => call(t.url, 'POST', '/api/v1/clouds/rax/nodes/n1/actions/stop', undefined, auth(WRITE_KEY)),
    },
    {
      name: 'the cloud fails',
      operationId: 'listImages',
      status: 502,
      type: 'cloud-unavailable',
      send: () =>
        whenDigitalOceanAnswers({ path: '/v2/images', status: 500, file: 'digitalocean/error-500.json' }, '/images'),
    },
    {
      name: 'the cloud rejects the credentials',
      operationId: 'listSizes',
      status: 502,
      type: 'cloud-credentials-rejected',
      send: () =>
        whenDigitalOceanAnswers({ path: '/v2/sizes', status: 401, file: 'digitalocean/error-401.json' }, '/sizes'),
    },
    {
      name: 'the cloud rate-limits',
      operationId: 'listNodes',
      status: 503,
      type: 'cloud-rate-limited',
      header: 'retry-after',
      send: () =>
        whenDigitalOceanAnswers(
          { path: '/v2/droplets', status: 429, headers: { 'retry-after': '7' }, file: 'digitalocean/error-429.json' },
          '/nodes',
        ),
    },
    {
      name: "the cloud's circuit is open",
      operationId: 'listNodes',
      status: 503,
      type: 'cloud-circuit-open',
      header: 'retry-after',
      send: async () => {
        fixture.on({ method: 'GET', path: '/v2/droplets', status: 500, file: 'digitalocean/error-500.json', times: 1 });
        await call(t.url, 'GET', '/api/v1/clouds/fragile/nodes', undefined, auth(READ_KEY));
        return call(t.url, 'GET', '/api/v1/clouds/fragile/nodes', undefined, auth(READ_KEY));
      },
    },
    {
      name: 'a write the cloud does not answer in time',
      operationId: 'createNode',
      status: 504,
      type: 'cloud-outcome-unknown',
      send: () => {
        fixture.on({ method: 'POST', path: '/v2/droplets', delayMs: 1500, status: 202, body: {}, times: 1 });
        return call(
          t.url,
          'POST',
          '/api/v1/clouds/do/nodes',
          { name: 'slow-1', image: 'ubuntu-24-04-x64', size: 's-1vcpu-1gb' },
          auth(WRITE_KEY),
        );
      },
    },
    {
      name: 'the cloud is too slow',
      operationId: 'listLocations',
      status: 504,
      type: 'cloud-timeout',
      send: () =>
        whenDigitalOceanAnswers(
          { path: '/v2/regions', delayMs: 1500, file: 'digitalocean/regions.json' },
          '/locations',
        ),
    },
  ];

  it.each(cases)('$status $name ($operationId): the sent type is a documented one', async (c) => {
    const res = await c.send();
    const body = expectProblem(res, c.status);
    expect(body.type).toBe(`urn:cloud-orchestrator:problem:${c.type}`);
    expect(documentedTypes(c.operationId, c.status)).toContain(body.type);
    expect(res.headers.get('x-request-id')).toBe(body.requestId);
    if (c.header) expect(res.headers.get(c.header)).toEqual(expect.any(String));
  });

  it('every example type is one of the types the cases above provoke for that status', () => {
    const provoked = new Map<number, Set<string>>();
    for (const c of cases)
      provoked.set(c.status, (provoked.get(c.status) ?? new Set()).add(`urn:cloud-orchestrator:problem:${c.type}`));
    for (const { op } of operationsOf(doc))
      for (const status of Object.keys(op.responses)
        .map(Number)
        .filter((s) => s >= 400))
        for (const type of documentedTypes(op.operationId, status))
          if (!(status === 409 && type.endsWith(':quota-exceeded')))
            expect({ op: op.operationId, status, type, sent: provoked.get(status)?.has(type) }).toEqual({
              op: op.operationId,
              status,
              type,
              sent: true,
            });
  });
});

function auth(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}
