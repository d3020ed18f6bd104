/**
 * Values in request bodies the field's type does not allow, each refused as a class: null in an
 * optional field, bytes that are not UTF-8, control and bidi-control characters (and `*`) in names,
 * reserved metadata keys in any letter case, the member limit's count and a dry run with a key.
 * Every refusal is a 400 problem naming the field, and nothing is created.
 */
import { randomUUID } from 'node:crypto';
import { call, startApp, TestApp } from '../support/app';
import { opensshPublicKey } from '../support/keys';
import { expectProblem } from '../support/problem';

describe('values in request bodies (v1, dummy cloud)', () => {
  let t: TestApp;
  const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    call(t.url, method, `/api/v1${path}`, body, headers);
  const nodeCount = async () => (await api('GET', '/clouds/default/nodes')).body.items.length;
  const setCount = async () => (await api('GET', '/node-sets')).body.items.length;
  const keyCount = async () => (await api('GET', '/clouds/default/key-pairs')).body.items.length;
  const node = { name: 'n', image: 'img-ubuntu-2404', size: 'small' };
  const member = { cloud: 'default', ...node };

  beforeAll(async () => {
    t = await startApp({
      rateLimit: { enabled: false },
      clouds: { default: { engine: 'dummy', extraParams: { nodes: 1, transitionMs: 20 } } },
    });
  });
  afterAll(() => t.close());

  /** Asserts a 400 problem whose errors[] names `field`, and that nothing was created. */
  async function refused(
    path: string,
    body: unknown,
    field: string,
    detail?: RegExp,
    headers?: Record<string, string>,
  ) {
    const before = [await nodeCount(), await setCount(), await keyCount()];
    const problem = expectProblem(await api('POST', path, body, headers), 400, detail);
    expect(problem).toMatchObject({ instance: expect.any(String), requestId: expect.any(String) });
    expect(problem.errors).toEqual(expect.arrayContaining([{ field, message: expect.any(String) }]));
    expect([await nodeCount(), await setCount(), await keyCount()]).toEqual(before);
    return problem;
  }

  describe('null in an optional field the spec does not mark nullable', () => {
    it.each(['metadata', 'location', 'keyName', 'userData', 'networks'])(
      'createNode with "%s": null is a 400 naming it',
      async (field) => {
        await refused('/clouds/default/nodes', { ...node, [field]: null }, field);
      },
    );

    it.each(['count', 'metadata', 'location', 'keyName', 'userData'])(
      'a node-set member with "%s": null is a 400 naming the member field, also beside a normal entry and in a dry run',
      async (field) => {
        await refused('/node-sets', { name: 's', nodes: [{ ...member, [field]: null }] }, `nodes[0].${field}`);
        const mixed = { name: 's', nodes: [member, { ...member, name: 'm', [field]: null }] };
        await refused('/node-sets', mixed, `nodes[1].${field}`);
        await refused('/node-sets?dryRun=true', mixed, `nodes[1].${field}`);
      },
    );

    it('a node set with "timeoutSeconds": null is a 400 naming it', async () => {
      await refused('/node-sets', { name: 's', nodes: [member], timeoutSeconds: null }, 'timeoutSeconds');
    });

    it('absent optional fields still work', async () => {
      const created = await api('POST', '/clouds/default/nodes', { ...node, name: 'plain' });
      expect(created.status).toBe(202);
      expect(created.body.name).toBe('plain');
    });
  });

  describe('a body that is not UTF-8 (RFC 8259 §8.1)', () => {
    const raw = (path: string, json: string, bytes: number[]) => {
      const [head, tail] = json.split('@');
      return fetch(`${t.url}/api/v1${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: Buffer.concat([Buffer.from(head), Buffer.from(bytes), Buffer.from(tail)]),
      }).then(async (r) => ({ status: r.status, headers: r.headers, body: await r.json() }));
    };

    it.each([
      [
        'createNode, \\xff\\xfe in a name',
        '/clouds/default/nodes',
        '{"name":"@","image":"img-ubuntu-2404","size":"small"}',
        [0xff, 0xfe],
      ],
      [
        'createNode, a lone continuation byte in metadata',
        '/clouds/default/nodes',
        '{"name":"u","image":"img-ubuntu-2404","size":"small","metadata":{"k":"@"}}',
        [0x80],
      ],
      [
        'createNode, an overlong "/" (C0 AF)',
        '/clouds/default/nodes',
        '{"name":"a@","image":"img-ubuntu-2404","size":"small"}',
        [0xc0, 0xaf],
      ],
      [
        'createNodeSet, a UTF-16 surrogate encoded in UTF-8',
        '/node-sets',
        '{"name":"s@","nodes":[{"cloud":"default","name":"x","image":"img-ubuntu-2404","size":"small"}]}',
        [0xed, 0xa0, 0x80],
      ],
      [
        'importKeyPair, a truncated sequence',
        '/clouds/default/key-pairs',
        `{"name":"k@","publicKey":"${opensshPublicKey()}"}`,
        [0xe2, 0x82],
      ],
    ])('%s is a 400 saying the body is not UTF-8, and creates nothing', async (_label, path, json, bytes) => {
      const before = [await nodeCount(), await setCount(), await keyCount()];
      const problem = expectProblem(await raw(path, json, bytes), 400, /not valid UTF-8/);
      expect(problem.errors).toEqual([{ field: 'body', message: expect.stringMatching(/UTF-8/) }]);
      expect([await nodeCount(), await setCount(), await keyCount()]).toEqual(before);
    });

    it('valid multi-byte UTF-8 (and a leading BOM) still parses', async () => {
      const created = await raw(
        '/clouds/default/nodes',
        '@{"name":"café-東京-🚀","image":"img-ubuntu-2404","size":"small"}',
        [0xef, 0xbb, 0xbf],
      );
      expect(created.status).toBe(202);
      expect(created.body.name).toBe('café-東京-🚀');
    });
  });

  describe('unpaired UTF-16 surrogates (a JSON "\\ud800" escape: valid JSON, but no Unicode character)', () => {
    it.each([
      ['a node name', '/clouds/default/nodes', { ...node, name: 'web\ud800' }, 'name'],
      ['a low surrogate alone in userData', '/clouds/default/nodes', { ...node, userData: 'x\udc00y' }, 'userData'],
      ['a metadata value', '/clouds/default/nodes', { ...node, metadata: { team: 'a\ud83d' } }, 'metadata.team'],
      ['a metadata key', '/clouds/default/nodes', { ...node, metadata: { ['k\udfff']: 'v' } }, 'metadata'],
      [
        'a node-set member name',
        '/node-sets',
        { name: 's', nodes: [member, { ...member, name: 'm\ud800' }] },
        'nodes[1].name',
      ],
      ['a key pair name', '/clouds/default/key-pairs', { name: 'k\ud800', publicKey: opensshPublicKey() }, 'name'],
    ])('%s is a 400 naming the field, and nothing is created', async (_label, path, body, field) => {
      await refused(path, body, field, /unpaired UTF-16 surrogate/);
    });

    it('a surrogate pair (an emoji written as two escapes) is one character and accepted', async () => {
      const created = await api('POST', '/clouds/default/nodes', { ...node, name: 'rocket-\ud83d\ude80' });
      expect(created.status).toBe(202);
      expect(created.body.name).toBe('rocket-🚀');
    });
  });

  describe('control and bidi-control characters in names', () => {
    const bad = [
      ['NUL', '\u0000'],
      ['BEL', '\u0007'],
      ['newline', '\n'],
      ['DEL', '\u007f'],
      ['C1 CSI', '\u009b'],
      ['right-to-left override', '\u202e'],
      ['left-to-right embedding', '\u202a'],
      ['first strong isolate', '\u2068'],
      ['pop directional isolate', '\u2069'],
    ];
    it.each(bad)('a node name with %s is a 400 naming name', async (_label, ch) => {
      await refused('/clouds/default/nodes', { ...node, name: `web${ch}1` }, 'name', /name must not contain U\+/);
    });
    it.each(bad)('a node-set name and a member name with %s are 400s naming the field', async (_label, ch) => {
      await refused('/node-sets', { name: `set${ch}x`, nodes: [member] }, 'name');
      await refused('/node-sets', { name: 'set', nodes: [{ ...member, name: `m${ch}` }] }, 'nodes[0].name');
    });
    it('a "*" in a node name (the name filter\'s wildcard) is a 400, on createNode and set members', async () => {
      for (const name of ['x*', '*', 'a*b']) {
        await refused('/clouds/default/nodes', { ...node, name }, 'name', /"\*"/);
        await refused('/node-sets', { name: 'set', nodes: [{ ...member, name }] }, 'nodes[0].name', /"\*"/);
      }
    });
    it('names with other Unicode (accents, CJK, emoji, RTL letters) are still accepted', async () => {
      for (const name of ['é-1', '東京', '🚀', 'שלום']) {
        const res = await api('POST', '/clouds/default/nodes', { ...node, name });
        expect({ name, status: res.status }).toEqual({ name, status: 202 });
      }
    });
  });

  describe('the reserved orchestrator-* metadata prefix, in any letter case', () => {
    it.each(['Orchestrator-Node-Set', 'ORCHESTRATOR-CLIENT-TOKEN', 'oRcHeStRaToR-x', 'orchestrator-node-set'])(
      '%s is refused on createNode and on a node-set member',
      async (key) => {
        await refused('/clouds/default/nodes', { ...node, metadata: { [key]: 'v' } }, 'metadata', /reserved/);
        await refused(
          '/node-sets',
          { name: 's', nodes: [{ ...member, metadata: { [key]: 'v' } }] },
          'nodes[0].metadata',
          /reserved/,
        );
      },
    );
  });

  it('a set asking for too many members says how many were asked for', async () => {
    const before = await setCount();
    for (const [nodes, asked] of [
      [
        [
          { ...member, count: 1000 },
          { ...member, name: 'o', count: 1000 },
        ],
        2000,
      ],
      [[{ ...member, count: 1000 }, member, member], 1002],
      [Array.from({ length: 60 }, (_, i) => ({ ...member, name: `g${i}`, count: 1000 })), 60000],
    ] as const) {
      const problem = expectProblem(await api('POST', '/node-sets', { name: 'big', nodes }), 422);
      expect(problem.errors).toContainEqual({
        field: 'nodes',
        message: `a set has at most 1000 members (asked for ${asked})`,
      });
    }
    expect(await setCount()).toBe(before);
  });

  it('a dry run sent with an Idempotency-Key is a 400 naming the header in errors[]', async () => {
    await refused(
      '/node-sets?dryRun=true',
      { name: 's', nodes: [member] },
      'Idempotency-Key',
      /dryRun=true takes no Idempotency-Key/,
      {
        'idempotency-key': `"${randomUUID()}"`,
      },
    );
  });
});

describe('problems about the body as a whole name it in errors[] (v1, dummy cloud)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ rateLimit: { enabled: false }, clouds: { default: { engine: 'dummy' } } });
  });
  afterAll(() => t.close());
  const post = (body: string | undefined, type = 'application/json') =>
    fetch(`${t.url}/api/v1/clouds/default/nodes`, { method: 'POST', headers: { 'content-type': type }, body }).then(
      async (r) => ({ status: r.status, headers: r.headers, body: await r.json() }),
    );

  it.each([
    ['malformed JSON', '{"name": "x",', 400, /JSON/],
    ['a truncated string', '{"name": "x', 400, /JSON/],
    ['an empty JSON body', '', 400, /empty/i],
    ['an oversized body', JSON.stringify({ name: 'n', userData: 'x'.repeat(300 * 1024) }), 413, /too large/],
  ] as const)('%s: errors[] names the body', async (_label, body, status, detail) => {
    const problem = expectProblem(await post(body), status, detail);
    expect(problem.errors).toEqual([{ field: 'body', message: problem.detail }]);
  });

  it.each(['text/plain', 'application/xml'])('a %s body (415) names the Content-Type header', async (type) => {
    const problem = expectProblem(await post('x', type), 415, /application\/json/);
    expect(problem.errors).toEqual([{ field: 'Content-Type', message: problem.detail }]);
  });

  it('content where none is defined names the body, an unread Content-Encoding names that header (415)', async () => {
    // Refused before the route's handler runs: the node need not exist.
    const onAction = await fetch(`${t.url}/api/v1/clouds/default/nodes/node-000001/actions/reboot`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    }).then(async (r) => ({ status: r.status, headers: r.headers, body: await r.json() }));
    let problem = expectProblem(onAction, 415, /takes no request body/);
    expect(problem.errors).toEqual([{ field: 'body', message: problem.detail }]);
    const gzip = await fetch(`${t.url}/api/v1/clouds/default/nodes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: '{}',
    }).then(async (r) => ({ status: r.status, headers: r.headers, body: await r.json() }));
    problem = expectProblem(gzip, 415, /Content-Encoding/);
    expect(problem.errors).toEqual([{ field: 'Content-Encoding', message: problem.detail }]);
  });
});
