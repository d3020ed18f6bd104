import { encodeCursor } from '../../src/compute/cursor';
import { CursorSeal } from '../../src/cursors/cursor-seal';
import { call, startApp, TestApp, waitFor } from '../support/app';
import { opensshPublicKey } from '../support/keys';
import { expectProblem } from '../support/problem';

/** Every bad input gets a clear 4xx problem and changes nothing. */
describe('bad input (v1, dummy cloud)', () => {
  let t: TestApp;
  const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    call(t.url, method, `/api/v1${path}`, body, headers);
  const count = async () => (await api('GET', '/clouds/default/nodes')).body.items.length;
  const valid = { name: 'ok', image: 'img-debian-12', size: 'small' };

  beforeAll(async () => {
    // Without callers' rate limits: the suite sends a few hundred requests in seconds.
    t = await startApp({
      rateLimit: { enabled: false },
      clouds: { default: { engine: 'dummy', extraParams: { nodes: 2, transitionMs: 20 } } },
    });
  });
  afterAll(() => t.close());

  const invalidBodies: Array<[string, unknown, RegExp]> = [
    ['a missing name', { image: 'img-debian-12', size: 'small' }, /^name is required$/],
    ['an empty name', { ...valid, name: '' }, /name must be longer than or equal to 1/],
    ['a 256-character name', { ...valid, name: 'x'.repeat(256) }, /name must be shorter than or equal to 255/],
    ['a numeric image', { ...valid, image: 42 }, /image must be a string/],
    ['an unknown field', { ...valid, flavour: 'vanilla' }, /unknown field "flavour"/],
    ['non-string metadata', { ...valid, metadata: { a: 1 } }, /metadata must be an object of at most 64 string values/],
    ['metadata as a list', { ...valid, metadata: ['a'] }, /metadata must be an object/],
    ['networks that are not strings', { ...valid, networks: [1] }, /each value in networks must be a string/],
  ];

  it.each(invalidBodies)(
    'refuses %s with a 400 naming the field, and creates nothing',
    async (_label, body, detail) => {
      const before = await count();
      const problem = expectProblem(await api('POST', '/clouds/default/nodes', body), 400, detail);
      expect(problem.errors?.length ?? 0).toBeGreaterThan(0);
      expect(await count()).toBe(before);
    },
  );

  it.each([
    ['image', { ...valid, image: 'img-beos' }, /image "img-beos" does not exist/, 'image'],
    ['size', { ...valid, size: 'huge' }, /size "huge" does not exist/, 'size'],
    ['location', { ...valid, location: 'dc-mars' }, /location "dc-mars" does not exist/, 'location'],
    ['key pair', { ...valid, keyName: 'ghost' }, /key pair "ghost" does not exist/, 'keyName'],
    ['network', { ...valid, networks: ['net-9'] }, /the dummy cloud has no networks/, 'networks'],
  ])(
    'refuses an unknown %s with a 422 naming it in errors[], and creates nothing',
    async (_label, body, detail, field) => {
      const before = await count();
      const problem = expectProblem(await api('POST', '/clouds/default/nodes', body), 422, detail);
      expect(problem.cloud).toBe('default');
      expect(problem.errors).toEqual([{ field, message: expect.stringMatching(detail) }]);
      expect(await count()).toBe(before);
    },
  );

  it.each([
    ['an array', JSON.stringify([valid]), 'an array'],
    ['a string', '"web-1"', 'a string'],
    ['a number', '42', 'a number'],
    ['true', 'true', 'a boolean'],
    ['null', 'null', 'null'],
  ])(
    'a JSON body that is %s, not an object, is a 400 saying so on every route with a body',
    async (_label, body, got) => {
      const before = await count();
      for (const path of [
        '/clouds/default/nodes',
        '/clouds/default/key-pairs',
        '/node-sets',
        '/node-sets?dryRun=true',
      ]) {
        const problem = expectProblem(await api('POST', path, body), 400);
        expect({ path, errors: problem.errors }).toEqual({
          path,
          errors: [{ field: 'body', message: `the request body must be a JSON object (got ${got})` }],
        });
      }
      expect(await count()).toBe(before);
    },
  );

  it('a missing required field is one error, "<field> is required", wherever it is missing', async () => {
    const required = (message: string) => [{ field: message.split(' ')[0], message }];
    expect(expectProblem(await api('POST', '/clouds/default/nodes', { size: 'small' }), 400).errors).toEqual([
      { field: 'name', message: 'name is required' },
      { field: 'image', message: 'image is required' },
    ]);
    expect(expectProblem(await api('POST', '/clouds/default/key-pairs', { name: 'k' }), 400).errors).toEqual(
      required('publicKey is required'),
    );
    const set = { name: 's', nodes: [{ cloud: 'default', name: 'm', size: 'small' }] };
    expect(expectProblem(await api('POST', '/node-sets', set), 400).errors).toEqual([
      { field: 'nodes[0].image', message: 'image is required' },
    ]);
    // A present value of the wrong kind still says what is wrong with it.
    expectProblem(await api('POST', '/clouds/default/nodes', { ...valid, name: 7 }), 400, /name must be a string/);
  });

  it('refuses malformed JSON, an empty JSON body and an oversized body', async () => {
    const before = await count();
    expectProblem(await api('POST', '/clouds/default/nodes', '{"name": "x",'), 400, /JSON/);
    expectProblem(
      await call(t.url, 'POST', '/api/v1/clouds/default/nodes', undefined, { 'content-type': 'application/json' }),
      400,
    );
    expectProblem(
      await api('POST', '/clouds/default/nodes', { ...valid, userData: 'x'.repeat(300 * 1024) }),
      413,
      /too large/,
    );
    expect(await count()).toBe(before);
  });

  it('refuses a body that is not JSON with a 415, and creates nothing', async () => {
    const before = await count();
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const sent = await fetch(`${t.url}/api/v1/clouds/default/nodes`, {
        method: 'POST',
        headers: { 'content-type': type },
        body: 'name=x',
      });
      const body = await sent.json();
      expect([type, sent.status, sent.headers.get('content-type'), body.detail]).toEqual([
        type,
        415,
        expect.stringContaining('application/problem+json'),
        `the request body must be application/json (got ${type})`,
      ]);
    }
    expect(await count()).toBe(before);
  });

  it.each([
    ['the client token mark', 'orchestrator-client-token'],
    ['the node set mark', 'orchestrator-node-set'],
    ['any key under the reserved prefix', 'orchestrator-anything'],
  ])('refuses %s in metadata with a 400 naming metadata, and creates nothing', async (_label, key) => {
    const before = (await api('GET', '/clouds/default/nodes')).body.items.length;
    const problem = expectProblem(
      await api('POST', '/clouds/default/nodes', { ...valid, metadata: { team: 'web', [key]: 'x' } }),
      400,
      /reserved/,
    );
    expect(JSON.stringify(problem.errors)).toContain('metadata');
    const member = { cloud: 'default', name: 'web', image: valid.image, size: valid.size, metadata: { [key]: 'x' } };
    expectProblem(await api('POST', '/node-sets', { name: 'marks', nodes: [member] }), 400, /reserved/);
    expect((await api('GET', '/clouds/default/nodes')).body.items.length).toBe(before);
  });

  describe("metadata keys named like Object.prototype members are the caller's data", () => {
    const names = ['constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', 'toLocaleString'];
    const metadata = Object.fromEntries(names.map((n, i) => [n, `v${i}`]));
    const prototypeKeys = () => Object.getOwnPropertyNames(Object.prototype).sort();
    let node: any;

    beforeAll(async () => {
      const created = await api('POST', '/clouds/default/nodes', { ...valid, name: 'proto-keys', metadata });
      expect(created.status).toBe(202);
      node = created.body.node ?? created.body;
    });

    it('createNode keeps every one, in the answer and in the cloud', async () => {
      const stored = (await api('GET', '/clouds/default/nodes?name=proto-keys')).body.items;
      expect(stored.map((n: any) => n.metadata)).toEqual([metadata]);
      expect(node.metadata ?? metadata).toEqual(metadata);
    });

    it.each(names)('filters on metadata.%s (and metadata[...]) instead of ignoring it', async (key) => {
      const value = metadata[key];
      for (const query of [`metadata.${key}=${value}`, `metadata[${key}]=${value}`]) {
        const hit = (await api('GET', `/clouds/default/nodes?${query}`)).body.items;
        expect({ query, names: hit.map((n: any) => n.name) }).toEqual({ query, names: ['proto-keys'] });
      }
      expect((await api('GET', `/clouds/default/nodes?metadata.${key}=other`)).body.items).toEqual([]);
      expect((await api('GET', `/nodes?metadata.${key}=other`)).body.items).toEqual([]);
    });

    it('node-set members keep them too', async () => {
      const member = { cloud: 'default', name: 'proto-member', image: valid.image, size: valid.size, metadata };
      const set = await api('POST', '/node-sets', { name: 'proto-keys', nodes: [member] });
      expect(set.status).toBe(202);
      const created = await waitFor(async () => {
        const items = (await api('GET', '/clouds/default/nodes?name=proto-member')).body.items;
        return items.length === 1 && items[0];
      });
      expect(created.metadata).toEqual(expect.objectContaining(metadata));
    });

    it('where no metadata map is defined, such keys are unknown fields (400), never a 500 or silence', async () => {
      const before = await count();
      const cases: Array<[string, string, string | undefined, string]> = [
        ['GET', '/node-sets?metadata.constructor=x', undefined, 'metadata'],
        ['GET', '/clouds?constructor=x', undefined, 'constructor'],
        ['GET', '/clouds/default/nodes?prototype=x', undefined, 'prototype'],
        [
          'POST',
          '/clouds/default/key-pairs',
          '{"name":"k2","publicKey":"x","metadata":{"constructor":"x"}}',
          'metadata',
        ],
        [
          'POST',
          '/clouds/default/nodes',
          `{"name":"n","image":"${valid.image}","size":"small","constructor":"x"}`,
          'constructor',
        ],
        [
          'POST',
          '/clouds/default/nodes',
          `{"name":"n","image":"${valid.image}","size":"small","prototype":{}}`,
          'prototype',
        ],
        [
          'POST',
          '/clouds/default/nodes',
          `{"name":"n","image":"${valid.image}","size":"small","networks":[{"constructor":"x"}]}`,
          'networks[0].constructor',
        ],
        [
          'POST',
          '/clouds/default/nodes',
          `{"name":"n","image":"${valid.image}","size":"small","metadata":{"a":{"constructor":"x"}}}`,
          'metadata.a.constructor',
        ],
      ];
      for (const [method, path, body, field] of cases) {
        const problem = expectProblem(await api(method, path, body), 400);
        expect({ path, body, fields: problem.errors.map((e: any) => e.field) }).toEqual({
          path,
          body,
          fields: expect.arrayContaining([field]),
        });
      }
      expect(await count()).toBe(before);
    });

    it('"__proto__" is a 400 naming metadata wherever a caller sends it, and pollutes nothing', async () => {
      const before = await count();
      const keys = prototypeKeys();
      const body = `{"name":"p","image":"${valid.image}","size":"small","metadata":{"team":"a","__proto__":"x"}}`;
      let problem = expectProblem(await api('POST', '/clouds/default/nodes', body), 400, /__proto__/);
      expect(problem.errors).toEqual([{ field: 'metadata', message: expect.stringContaining('__proto__') }]);
      const setBody = `{"name":"s","nodes":[{"cloud":"default","name":"m","image":"${valid.image}","size":"small","metadata":{"__proto__":{"polluted":"yes"}}}]}`;
      problem = expectProblem(await api('POST', '/node-sets', setBody), 400, /__proto__/);
      expect(problem.errors).toEqual([{ field: 'nodes[0].metadata', message: expect.stringContaining('__proto__') }]);
      problem = expectProblem(await api('POST', '/clouds/default/nodes', `{"__proto__":{"polluted":"yes"}}`), 400);
      expect(problem.errors).toEqual([{ field: '__proto__', message: expect.stringContaining('__proto__') }]);
      for (const query of ['metadata.__proto__=x', 'metadata[__proto__]=x']) {
        problem = expectProblem(await api('GET', `/clouds/default/nodes?${query}`), 400, /__proto__/);
        expect(problem.errors).toEqual([{ field: 'metadata', message: expect.stringContaining('__proto__') }]);
      }
      expect(expectProblem(await api('GET', '/clouds?__proto__=x'), 400).errors[0].field).toBe('__proto__');
      expect(await count()).toBe(before);
      expect(prototypeKeys()).toEqual(keys);
      expect(({} as any).polluted).toBeUndefined();
    });
  });

  it('caps userData at 64 KiB with a 400', async () => {
    expectProblem(
      await api('POST', '/clouds/default/nodes', { ...valid, userData: 'x'.repeat(65537) }),
      400,
      /userData must be shorter/,
    );
  });

  it.each([
    ['0', /limit must not be less than 1/],
    ['1001', /limit must not be greater than 1000/],
    ['ten', /limit must be an integer/],
  ])('refuses limit=%s', async (limit, detail) => {
    expectProblem(await api('GET', `/clouds/default/nodes?limit=${limit}`), 400, detail);
  });

  it('refuses a forged cursor and unknown query parameters', async () => {
    expectProblem(
      await api('GET', '/clouds/default/nodes?cursor=not-a-cursor'),
      400,
      /cursor is not one this service issued for this listing/,
    );
    const forged = Buffer.from(JSON.stringify({ c: 'other', m: 'node-000001' })).toString('base64url');
    expectProblem(await api('GET', `/clouds/default/nodes?cursor=${forged}`), 400, /not one this service issued/);
    expectProblem(await api('GET', '/clouds/default/nodes?page=2'), 400, /unknown query parameter "page"/);
  });

  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const badCursors: Array<[string, string]> = [
    ['not base64 JSON', 'not-a-cursor'],
    ['JSON of another shape', b64({ x: 1 })],
    ['a JSON array of the wrong types', b64(['yesterday', 7])],
    ['longer than any cursor issued', 'A'.repeat(3000)],
  ];
  const listings = ['/clouds/default/nodes', '/nodes', '/operations', '/node-sets'];

  describe.each(listings)('a malformed or forged cursor on %s', (listing) => {
    it.each(badCursors)('is one 400 invalid-cursor naming the field: %s', async (_label, cursor) => {
      const problem = expectProblem(await api('GET', `${listing}?cursor=${cursor}`), 400, /cursor/);
      expect(problem.type).toBe('urn:cloud-orchestrator:problem:invalid-cursor');
      expect(problem.errors).toEqual([{ field: 'cursor', message: expect.stringMatching(/cursor/) }]);
    });
  });

  it('answers a node cursor of another cloud or other filters with the same invalid-cursor problem', async () => {
    const page = await api('GET', '/clouds/default/nodes?limit=1');
    const otherFilters = await api('GET', `/clouds/default/nodes?limit=1&state=running&cursor=${page.body.nextCursor}`);
    const otherCloud = await api('GET', `/clouds/default/nodes?cursor=${b64({ c: 'other', m: 'node-000001' })}`);
    for (const [res, detail] of [
      [otherFilters, /same cloud and filters/],
      [otherCloud, /same cloud and filters/],
    ] as const) {
      const problem = expectProblem(res, 400, detail);
      expect(problem).toMatchObject({
        type: 'urn:cloud-orchestrator:problem:invalid-cursor',
        errors: [{ field: 'cursor' }],
      });
    }
  });

  it('answers 410 cursor-expired, never a 400, for a cursor continuing in a cloud no longer configured', async () => {
    const problem = expectProblem(
      await api(
        'GET',
        `/nodes?cursor=${encodeCursor(t.app.get(CursorSeal), { kind: 'all-nodes', filter: '' }, { cloud: 'retired', position: { pageSize: 1000 } })}`,
      ),
      410,
      /Restart the listing/,
    );
    expect(problem).toMatchObject({
      type: 'urn:cloud-orchestrator:problem:cursor-expired',
      errors: [{ field: 'cursor' }],
    });
  });

  it('refuses a malformed cloud name in the path with a 400', async () => {
    expectProblem(await api('GET', '/clouds/NOT%20A%20NAME/nodes'), 400, /cloud must be a cloud name/);
  });

  it('refuses malformed and duplicate key pairs, and keeps what it had', async () => {
    expectProblem(
      await api('POST', '/clouds/default/key-pairs', { name: 'k', publicKey: 'ssh-rsa AAAAnot-a-key' }),
      400,
      /publicKey must be an OpenSSH public key/,
    );
    expectProblem(
      await api('POST', '/clouds/default/key-pairs', { name: 'bad/name', publicKey: opensshPublicKey() }),
      400,
      /name may contain/,
    );
    expectProblem(await api('POST', '/clouds/default/key-pairs', { name: 'k' }), 400, /publicKey/);
    expect((await api('POST', '/clouds/default/key-pairs', { name: 'k', publicKey: opensshPublicKey() })).status).toBe(
      201,
    );
    expectProblem(
      await api('POST', '/clouds/default/key-pairs', { name: 'k', publicKey: opensshPublicKey() }),
      409,
      /already exists/,
    );
    expect((await api('GET', '/clouds/default/key-pairs')).body.items.map((k: any) => k.name)).toEqual(['k']);
  });

  describe('integer query parameters take plain decimal digits only', () => {
    const params: Array<[string, string]> = [
      ['limit', '/clouds/default/nodes'],
      ['limit', '/nodes'],
      ['limit', '/node-sets'],
      ['limit', '/operations'],
      ['wait', '/operations/op-unknown'],
    ];
    const notDigits = ['1e2', '0x10', '+5', '%205', '5%20', '5.0', '-0', '5_0', '０５'];

    it.each(params)('%s on %s: 1e2, 0x10, +5, " 5", "5 ", 5.0 ... are each a 400 naming it', async (name, path) => {
      for (const value of notDigits) {
        const problem = expectProblem(
          await api('GET', `${path}?${name}=${encodeURI(value).replace(/%25/g, '%')}`),
          400,
        );
        expect({ value, errors: problem.errors }).toEqual({
          value,
          errors: [{ field: name, message: `${name} must be an integer written in decimal digits` }],
        });
      }
    });

    it('still takes plain digits', async () => {
      const page = await api('GET', '/clouds/default/nodes?limit=1');
      expect([page.status, page.body.items.length]).toEqual([200, 1]);
      expect((await api('GET', '/nodes?limit=007')).status).toBe(200);
      expect((await api('GET', '/node-sets?limit=5')).status).toBe(200);
      expect((await api('GET', '/operations?limit=1000')).status).toBe(200);
    });
  });

  describe('malformed percent-encoding in a query string is a 400 naming the parameter, on every route', () => {
    it.each([
      ['/clouds/default/nodes?name=%E0%A4%A', 'name'],
      ['/clouds/default/nodes?cursor=%zz', 'cursor'],
      ['/nodes?limit=5&name=%', 'name'],
      ['/clouds?x=%zz', 'x'],
      ['/clouds/default/nodes/node-000001?cursor=%E0%A4', 'cursor'],
      ['/node-sets/orphans?state=%C3%28', 'state'],
      ['/operations?cursor=%E0%A4%A', 'cursor'],
    ])('GET %s', async (path, field) => {
      const problem = expectProblem(await api('GET', path), 400, /not valid percent-encoded UTF-8/);
      expect(problem.errors).toEqual([{ field, message: `${field} is not valid percent-encoded UTF-8` }]);
      expect(problem.requestId).toEqual(expect.any(String));
    });

    it('names a malformed parameter name, and refuses writes without changing anything', async () => {
      const before = await count();
      const problem = expectProblem(await api('POST', '/clouds/default/nodes?%zz=1', valid), 400);
      expect(problem.errors).toEqual([
        { field: '%zz', message: 'query parameter name "%zz" is not valid percent-encoding' },
      ]);
      expectProblem(await api('DELETE', '/clouds/default/nodes/node-000001?x=%E0%A4%A'), 400);
      expect(await count()).toBe(before);
      expect((await api('GET', '/clouds/default/nodes/node-000001')).status).toBe(200);
    });
  });

  describe('one rule for unknown query parameters on every API route', () => {
    it.each([
      ['GET', '/clouds'],
      ['GET', '/clouds/default'],
      ['GET', '/node-sets/orphans'],
      ['GET', '/node-sets/some-set'],
      ['GET', '/clouds/default/nodes/node-000001'],
      ['GET', '/clouds/default/images'],
      ['GET', '/clouds/default/sizes'],
      ['GET', '/clouds/default/locations'],
      ['GET', '/clouds/default/key-pairs'],
      ['GET', '/operations/op-unknown/events'],
      // Operations with query parameters of their own: the same words, not the body's "unknown field".
      ['GET', '/clouds/default/nodes'],
      ['GET', '/nodes'],
      ['GET', '/operations'],
      ['GET', '/operations/op-unknown'],
      ['GET', '/node-sets'],
    ])('%s %s?verbose=1 is a 400 naming verbose', async (method, path) => {
      const problem = expectProblem(await api(method, `${path}?verbose=1`), 400, /unknown query parameter "verbose"/);
      expect(problem.errors).toEqual([{ field: 'verbose', message: 'unknown query parameter "verbose"' }]);
    });

    it('refuses writes with an unknown parameter before anything changes', async () => {
      const before = await count();
      const node = (await api('GET', '/clouds/default/nodes/node-000001')).body;
      expectProblem(await api('POST', '/clouds/default/nodes?dryRun=true', valid), 400, /unknown query parameter/);
      expectProblem(await api('DELETE', '/clouds/default/nodes/node-000001?force=1'), 400, /"force"/);
      expectProblem(await api('POST', '/clouds/default/nodes/node-000001/actions/stop?now=1'), 400, /"now"/);
      expectProblem(
        await api('POST', '/clouds/default/key-pairs?overwrite=1', { name: 'q', publicKey: opensshPublicKey() }),
        400,
        /"overwrite"/,
      );
      expect(await count()).toBe(before);
      expect((await api('GET', '/clouds/default/nodes/node-000001')).body.state).toBe(node.state);
      expect((await api('GET', '/clouds/default/key-pairs')).body.items.map((k: any) => k.name)).not.toContain('q');
    });

    it.each([
      ['/clouds/default/nodes?limit=1&limit=2', 'limit'],
      ['/clouds/default/nodes?name=a&name=b', 'name'],
      ['/clouds/default/nodes?cursor=a&cursor=a', 'cursor'],
      ['/nodes?limit=5&limit=5', 'limit'],
      ['/operations?cloud=a&cloud=b', 'cloud'],
      ['/operations/op-unknown?wait=1&wait=2', 'wait'],
      ['/node-sets?limit=1&limit=2&limit=3', 'limit'],
    ])('GET %s: a parameter that takes one value, given more than once, is a 400 saying so', async (path, field) => {
      const times = path.split(`${field}=`).length - 1;
      const problem = expectProblem(await api('GET', path), 400);
      expect(problem.errors).toEqual([{ field, message: `${field} is given ${times} times: give it once` }]);
    });

    it('a repeated parameter on a write changes nothing, and a list parameter (state) may repeat', async () => {
      const sets = async () => (await api('GET', '/node-sets')).body.items.length;
      const before = [await count(), await sets()];
      const set = { name: 's', nodes: [{ cloud: 'default', name: 'w', image: 'img-debian-12', size: 'small' }] };
      expectProblem(await api('POST', '/node-sets?dryRun=false&dryRun=true', set), 400, /dryRun is given 2 times/);
      expect([await count(), await sets()]).toEqual(before);
      expect((await api('GET', '/clouds/default/nodes?state=running&state=stopped')).status).toBe(200);
    });

    it('leaves the probes lenient (kubelets and scrapers add what their operators configure)', async () => {
      expect((await call(t.url, 'GET', '/health/ready?verbose=1')).status).toBe(200);
      expect((await call(t.url, 'GET', '/health/clouds?x=1')).status).toBe(200);
    });
  });

  it('answers unknown routes with a 404 problem, and a method a known path does not serve with a 405 and Allow', async () => {
    expectProblem(await call(t.url, 'GET', '/api/v2/clouds'), 404, /no such route/);
    const put = await call(t.url, 'PUT', '/api/v1/clouds/default/nodes');
    expect(expectProblem(put, 405, /PUT is not allowed/)).toMatchObject({
      type: 'urn:cloud-orchestrator:problem:method-not-allowed',
      instance: '/api/v1/clouds/default/nodes',
      requestId: put.headers.get('x-request-id'),
    });
    expect(put.headers.get('allow')).toBe('GET, HEAD, POST');
    const patch = await call(t.url, 'PATCH', '/health/live');
    expectProblem(patch, 405);
    expect(patch.headers.get('allow')).toBe('GET, HEAD');
  });
});
