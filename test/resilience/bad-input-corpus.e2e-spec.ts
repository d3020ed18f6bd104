import { generateKeyPairSync } from 'node:crypto';
import { MAX_JSON_DEPTH, MAX_PATH_PARAM_CHARS } from '../../src/api/framework-errors';
import { call, startApp, TestApp } from '../support/app';
import { opensshPublicKey } from '../support/keys';
import { expectProblem } from '../support/problem';
import { rawHttp } from '../support/raw-http';

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
}

/** Bad input, each kind the framework or the DTO layer used to answer on its own: always a problem, never a 5xx. */
describe('bad input corpus: every 4xx is a problem, nothing changes (dummy cloud)', () => {
  let t: TestApp;
  const api = (method: string, path: string, body?: unknown) => call(t.url, method, `/api/v1${path}`, body);
  const state = async () =>
    JSON.stringify([
      (await api('GET', '/clouds/default/nodes')).body.items.map((n: any) => n.id),
      (await api('GET', '/clouds/default/key-pairs')).body.items.map((k: any) => k.name),
    ]);

  beforeAll(async () => {
    t = await startApp({ clouds: { default: { engine: 'dummy', extraParams: { nodes: 2, transitionMs: 20 } } } });
  });
  afterAll(() => t.close());

  describe('deeply nested JSON (fault 6)', () => {
    const routes: Array<[string, string, (deep: unknown) => unknown]> = [
      [
        'createNode',
        '/clouds/default/nodes',
        (deep) => ({ name: 'x', image: 'img-debian-12', size: 'small', metadata: deep }),
      ],
      // Nested from the top: an object (a top-level array is refused before depth: not a JSON object).
      ['createNode (top level)', '/clouds/default/nodes', (deep) => ({ a: deep })],
      ['importKeyPair', '/clouds/default/key-pairs', (deep) => ({ name: 'k', publicKey: deep })],
    ];

    it.each(routes)(
      'refuses a body nested 3,000 levels on %s with a 400, and creates nothing',
      async (_op, path, make) => {
        const before = await state();
        const body = JSON.stringify(make(nested(3000)));
        expect(body.length).toBeGreaterThan(10_000);
        expectProblem(await api('POST', path, body), 400, new RegExp(`nested deeper than ${MAX_JSON_DEPTH} levels`));
        expect(await state()).toBe(before);
      },
    );

    it('draws the line at the documented depth, not before', async () => {
      const at = { name: 'x', image: 'img-debian-12', size: 'small', metadata: nested(MAX_JSON_DEPTH - 1) };
      const over = { ...at, metadata: nested(MAX_JSON_DEPTH) };
      // At the limit the body reaches validation (metadata must be a flat object): a field error, not a depth error.
      expectProblem(await api('POST', '/clouds/default/nodes', at), 400, /metadata must be an object/);
      expectProblem(await api('POST', '/clouds/default/nodes', over), 400, /nested deeper/);
    });
  });

  describe('answers the HTTP framework gives on its own (fault 7)', () => {
    it.each([
      ['a truncated UTF-8 escape', '/api/v1/clouds/default/nodes/%E0%A4%A'],
      ['a non-hex escape', '/api/v1/clouds/default/nod%zz'],
      ['a lone percent sign', '/api/v1/clouds/default/key-pairs/%'],
    ])('a malformed percent-encoding in the path (%s) is a 400 problem', async (_label, path) => {
      const answer = await rawHttp(t.url, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      const problem = expectProblem(answer, 400, /not a valid url/);
      expect(answer.headers.get('x-request-id')).toBe(problem.requestId);
    });

    it('a path parameter longer than any identifier can encode to is a 414 problem', async () => {
      const answer = await call(t.url, 'GET', `/api/v1/clouds/default/nodes/${'a'.repeat(MAX_PATH_PARAM_CHARS + 1)}`);
      const problem = expectProblem(answer, 414, /max param length/);
      expect(answer.headers.get('x-request-id')).toEqual(problem.requestId);
      const given = await call(
        t.url,
        'DELETE',
        `/api/v1/clouds/default/key-pairs/${'a'.repeat(MAX_PATH_PARAM_CHARS + 1)}`,
        undefined,
        {
          'x-request-id': 'trace-414',
        },
      );
      expect([given.headers.get('x-request-id'), expectProblem(given, 414).requestId]).toEqual([
        'trace-414',
        'trace-414',
      ]);
    });

    it('headers larger than the server accepts are a 431 problem', async () => {
      const answer = await rawHttp(
        t.url,
        `GET /api/v1/clouds HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\nConnection: close\r\n\r\n`,
      );
      const problem = expectProblem(answer, 431, /headers are larger/);
      expect(answer.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(problem.requestId).toBe(answer.headers.get('x-request-id'));
    });

    it('bytes that are not HTTP are a 400 problem', async () => {
      expectProblem(await rawHttp(t.url, 'GARBAGE\r\n\r\n'), 400, /not valid HTTP/);
    });
  });

  describe('every identifier the API accepts can be used in every path that takes it (fault 8)', () => {
    // Lengths around the router's old 100-character limit and the contract's 255; names with
    // characters that are percent-encoded in a path (space, @) make the encoded form longer still.
    const names = [1, 100, 101, 200, 254, 255].map((length) =>
      `k@ ${'n'.repeat(length)}`.slice(0, length).padEnd(length, 'n'),
    );

    it.each(names.map((n) => [n.length, n]))(
      'a key pair named with %i characters imports (201) and deletes (204)',
      async (_length, name) => {
        expect((await api('POST', '/clouds/default/key-pairs', { name, publicKey: opensshPublicKey() })).status).toBe(
          201,
        );
        const path = `/clouds/default/key-pairs/${encodeURIComponent(name)}`;
        expect((await api('DELETE', path)).status).toBe(204);
        expectProblem(await api('DELETE', path), 404);
      },
    );

    it('a 256-character name is refused the same way in a body and in a path (400, not 414)', async () => {
      const name = 'n'.repeat(256);
      expectProblem(
        await api('POST', '/clouds/default/key-pairs', { name, publicKey: opensshPublicKey() }),
        400,
        /name/,
      );
      expectProblem(await api('DELETE', `/clouds/default/key-pairs/${name}`), 400, /name must be shorter/);
    });

    it.each([101, 255])('a node id of %i characters reaches the cloud (404 problem, not 414)', async (length) => {
      expectProblem(await api('GET', `/clouds/default/nodes/${'x'.repeat(length)}`), 404, /not found/);
      expectProblem(await api('DELETE', `/clouds/default/nodes/${encodeURIComponent('é'.repeat(length))}`), 404);
    });
  });

  describe('public keys are checked by content (fault 9)', () => {
    function truncated(line: string, cut: number): string {
      const [type, body, comment] = line.split(' ');
      const blob = Buffer.from(body, 'base64');
      return `${type} ${blob.subarray(0, blob.length - cut).toString('base64')} ${comment}`;
    }
    const rsa1024 = (() => {
      const der = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
      const mpint = (b64: string) => {
        let b = Buffer.from(b64, 'base64url');
        if (b[0] & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
        const l = Buffer.alloc(4);
        l.writeUInt32BE(b.length);
        return Buffer.concat([l, b]);
      };
      const type = Buffer.from('ssh-rsa');
      const tl = Buffer.alloc(4);
      tl.writeUInt32BE(type.length);
      return `ssh-rsa ${Buffer.concat([tl, type, mpint(der.e!), mpint(der.n!)]).toString('base64')} weak@host`;
    })();

    it.each([
      ['an ed25519 key cut short by 1 byte', truncated(opensshPublicKey(), 1)],
      ['an ed25519 key cut short by 8 bytes', truncated(opensshPublicKey(), 8)],
      ['an ed25519 key cut short by 31 bytes', truncated(opensshPublicKey(), 31)],
      ['an RSA key of 1024 bits', rsa1024],
    ])('refuses %s with a 400 naming publicKey, and imports nothing', async (_label, publicKey) => {
      const before = await state();
      expectProblem(await api('POST', '/clouds/default/key-pairs', { name: 'cut', publicKey }), 400, /publicKey/);
      expect(await state()).toBe(before);
    });
  });
});
