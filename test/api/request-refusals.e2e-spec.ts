import { gzipSync } from 'node:zlib';
import { call, startApp, TestApp } from '../support/app';
import { expectProblem } from '../support/problem';
import { rawHttp } from '../support/raw-http';

const PARAMS: Record<string, string> = {
  cloud: 'default',
  nodeId: 'node-000001',
  name: 'refusal-key',
  id: '0b6f2c1e-6a43-4f7e-9a57-1d0f5b7b1c11',
};

interface Op {
  path: string;
  url: string;
  method: string;
  op: any;
}

/**
 * The refusals the service makes before any controller runs, provoked on EVERY operation of the
 * served document (so an operation added later is covered without touching this file), each checked
 * to be a problem of a status and type the operation documents:
 * unknown/malformed query (400), an over-long request target (414), content on an operation that
 * defines no body or a content coding on one that does (415), over-large header fields (431); and
 * a method a known path does not serve (405 with Allow).
 */
describe('request refusals, on every operation, are documented', () => {
  let t: TestApp;
  let doc: any;
  let ops: Op[];

  beforeAll(async () => {
    t = await startApp({
      rateLimit: { enabled: false },
      clouds: { default: { engine: 'dummy', extraParams: { nodes: 1 } } },
    });
    doc = (await call(t.url, 'GET', '/docs-json')).body;
    ops = Object.entries(doc.paths).flatMap(([path, item]: [string, any]) =>
      Object.entries(item).map(([method, op]) => ({
        path,
        url: path.replace(/\{(\w+)\}/g, (_, name: string) => PARAMS[name]),
        method: method.toUpperCase(),
        op,
      })),
    );
    expect(ops.length).toBeGreaterThan(25);
  }, 30_000);
  afterAll(() => t?.close());

  /** The answer is a problem of `status` and `slug`, and the operation documents both. */
  const expectDocumented = (
    o: Op,
    res: { status: number; headers: Headers; body: any },
    status: number,
    slug: string,
  ) => {
    const body = expectProblem(res, status);
    expect(body).toMatchObject({ type: `urn:cloud-orchestrator:problem:${slug}`, instance: expect.any(String) });
    expect(res.headers.get('x-request-id')).toBe(body.requestId);
    const examples = o.op.responses[String(status)]?.content?.['application/problem+json']?.examples ?? {};
    const types = Object.values<any>(examples).map(
      (e) => doc.components.examples[e.$ref.replace('#/components/examples/', '')].value.type,
    );
    expect({ op: o.op.operationId, status, documented: types }).toEqual({
      op: o.op.operationId,
      status,
      documented: expect.arrayContaining([body.type]),
    });
    return body;
  };

  it('an unknown query parameter on an API operation, malformed percent-encoding anywhere: 400', async () => {
    for (const o of ops) {
      const api = o.path.startsWith('/api/');
      const res = await call(t.url, o.method, `${o.url}?${api ? 'x=1' : 'limit=%zz'}`);
      const body = expectDocumented(o, res, 400, 'bad-request');
      expect(body.errors[0].field).toBe(api ? 'x' : 'limit');
    }
  });

  it('a 70 kB query string is a 414 (RFC 9110 §15.5.15), not a 431', async () => {
    for (const o of ops) {
      const res = await call(t.url, o.method, `${o.url}?q=${'a'.repeat(70_000)}`);
      expect(expectDocumented(o, res, 414, 'uri-too-long').detail).toMatch(/request target/);
    }
  });

  it('header fields over the limit are a 431', async () => {
    for (const o of ops) {
      const res = await call(t.url, o.method, o.url, undefined, { 'x-big': 'a'.repeat(20_000) });
      expect(expectDocumented(o, res, 431, 'headers-too-large').detail).toMatch(/headers are larger/);
    }
    // Past Node's own parser limit too, answered on the socket.
    const huge = await rawHttp(
      t.url,
      `GET /api/v1/clouds HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(200_000)}\r\n\r\n`,
    );
    expectProblem(huge, 431, /headers are larger/);
    const longTarget = await rawHttp(t.url, `GET /api/v1/clouds?q=${'a'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expectProblem(longTarget, 414, /request target/);
  });

  it('any content on an operation that defines no body is a 415, whatever its type; nothing is done', async () => {
    const bodiless = ops.filter((o) => !o.op.requestBody);
    expect(bodiless.map((o) => o.op.operationId)).toEqual(
      expect.arrayContaining(['rebootNode', 'destroyNode', 'deleteKeyPair', 'deleteNodeSet', 'listClouds']),
    );
    for (const o of bodiless) {
      for (const [type, content] of [
        ['application/json', '{"force":true}'],
        ['application/json', '[]'],
        ['text/plain', 'please'],
      ]) {
        // fetch refuses a GET with a body; the service must not rely on clients doing so.
        const res = await rawHttp(
          t.url,
          `${o.method} ${o.url} HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\n` +
            `Content-Length: ${Buffer.byteLength(content)}\r\nConnection: close\r\n\r\n${content}`,
        );
        expect(expectDocumented(o, res, 415, 'unsupported-media-type').detail).toMatch(/takes no request body/);
      }
    }
    // The node the writes above named is still there, not rebooting and not destroyed.
    const node = await call(t.url, 'GET', '/api/v1/clouds/default/nodes/node-000001');
    expect(node.body).toMatchObject({ id: 'node-000001', state: 'running' });
    const operations = await call(t.url, 'GET', '/api/v1/operations');
    expect(operations.body.items).toEqual([]);
    // An empty content (Content-Length: 0, as some clients send on a POST) is no content.
    const empty = await rawHttp(
      t.url,
      'GET /api/v1/clouds HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
    );
    expect(empty.status).toBe(200);
  });

  it('a Content-Encoding other than identity is a 415 with Accept-Encoding: identity, plain or really gzipped', async () => {
    const bodied = ops.filter((o) => o.op.requestBody);
    expect(bodied.map((o) => o.op.operationId).sort()).toEqual(['createNode', 'createNodeSet', 'importKeyPair']);
    const json = JSON.stringify({ name: 'gz-1', image: 'img-debian-12', size: 'small' });
    for (const o of bodied) {
      for (const content of [json, gzipSync(json)]) {
        const res = await fetch(`${t.url}${o.url}`, {
          method: o.method,
          headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
          body: content,
        });
        const answer = { status: res.status, headers: res.headers, body: await res.json() };
        expect(expectDocumented(o, answer, 415, 'unsupported-media-type').detail).toMatch(/Content-Encoding "gzip"/);
        expect(res.headers.get('accept-encoding')).toBe('identity');
      }
    }
    const nodes = await call(t.url, 'GET', '/api/v1/clouds/default/nodes');
    expect(nodes.body.items.map((n: any) => n.name)).not.toContain('gz-1');
    // identity is accepted as no coding at all.
    const plain = await call(t.url, 'POST', '/api/v1/clouds/default/nodes', JSON.parse(json), {
      'content-encoding': 'identity',
    });
    expect(plain.status).toBe(202);
  });

  it('a method a known path does not serve is a 405 problem with Allow, on every path; unknown paths stay 404', async () => {
    const byPath = new Set(ops.map((o) => o.url));
    for (const url of byPath) {
      // Every documented operation whose path pattern matches (`/node-sets/orphans` is also `/node-sets/{id}`).
      const methods = ops
        .filter((o) => new RegExp(`^${o.path.replace(/\{\w+\}/g, '[^/]+')}$`).test(url))
        .map((o) => o.method);
      const allowed = [...new Set(methods), ...(methods.includes('GET') ? ['HEAD'] : [])].sort();
      for (const method of ['PUT', 'PATCH', 'POST', 'DELETE'].filter((m) => !methods.includes(m))) {
        const res = await call(t.url, method, url);
        const body = expectProblem(res, 405);
        expect(body).toMatchObject({ type: 'urn:cloud-orchestrator:problem:method-not-allowed', instance: url });
        expect({ url, method, allow: res.headers.get('allow')?.split(', ').sort() }).toEqual({
          url,
          method,
          allow: allowed,
        });
      }
    }
    expectProblem(await call(t.url, 'PUT', '/api/v1/no-such-thing'), 404);
  });
});
