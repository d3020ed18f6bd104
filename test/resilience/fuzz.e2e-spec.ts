import fc from 'fast-check';
import { request } from 'node:http';
import { startApp, TestApp } from '../support/app';
import { opensshPublicKey } from '../support/keys';

/**
 * Property-based fuzz of the HTTP API (fast-check): random methods, paths (malformed percent-encodings,
 * over-long and non-ASCII segments), query strings, media types and bodies (any JSON, deep nesting,
 * near-valid creates and key imports, non-JSON). Whatever comes in: never a 5xx, every 4xx is an
 * application/problem+json whose status matches, and a rejected request leaves the dummy cloud as it
 * was. A fixed seed in CI (FUZZ_SEED, FUZZ_RUNS override it); `npm run fuzz` runs a longer one.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const RUNS = Number(process.env.FUZZ_RUNS ?? 400);

interface Sent {
  method: string;
  path: string;
  contentType?: string;
  body?: string;
  idempotencyKey?: string;
}

const segment = fc.oneof(
  fc.constantFrom('default', 'nope', 'node-000001', 'k', 'reboot', 'stop'),
  fc.string({ maxLength: 20 }).map(encodeURIComponent),
  fc.string({ unit: 'grapheme', maxLength: 12 }).map(encodeURIComponent),
  fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '..', '%2F', '%25'),
  fc.integer({ min: 90, max: 4000 }).map((n) => 'x'.repeat(n)),
);

/** Names of Object.prototype members, as metadata keys and metadata filters. */
const PROTOTYPE_NAMES = ['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__', 'isPrototypeOf'];
const queryName = fc.oneof(
  fc.constantFrom('limit', 'wait', 'cursor', 'state', 'name', 'metadata.team', 'x', 'verbose', '__proto__', '%zz'),
  fc.constantFrom(...PROTOTYPE_NAMES).map((k) => `metadata.${k}`),
);
/** Integers written every way but plain decimal digits (and some plain ones). */
const numberLike = fc.constantFrom('1e2', '0x10', '+5', '%205', '5%20', '5.0', '-1', '007', '5', '1000', '99999999999');

const path = fc
  .tuple(
    fc.constantFrom(
      '/api/v1/clouds/{}',
      '/api/v1/clouds/{}/nodes',
      '/api/v1/clouds/{}/nodes/{}',
      '/api/v1/clouds/{}/nodes/{}/actions/{}',
      '/api/v1/clouds/{}/key-pairs',
      '/api/v1/clouds/{}/key-pairs/{}',
      '/api/v1/clouds/{}/{}',
      '/api/v1/nodes',
      '/api/v1/clouds',
      '/api/v1/node-sets',
      '/api/v1/node-sets/orphans',
      '/api/v1/operations',
      '/api/v1/operations/{}',
      '/api/v1/{}',
      '/{}',
    ),
    fc.array(segment, { minLength: 3, maxLength: 3 }),
    fc.option(
      fc.array(fc.tuple(queryName, fc.oneof(segment, numberLike)), {
        maxLength: 3,
      }),
    ),
  )
  .map(([template, parts, query]) => {
    let i = 0;
    const p = template.replace(/\{\}/g, () => parts[i++]);
    return query?.length ? `${p}?${query.map(([k, v]) => `${k}=${v}`).join('&')}` : p;
  });

const deep = fc.integer({ min: 20, max: 3000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth));
const nearCreate = fc.record(
  {
    name: fc.oneof(fc.string({ maxLength: 300 }), fc.integer(), fc.constant(null)),
    image: fc.oneof(fc.constantFrom('img-debian-12', 'img-nope'), fc.string(), fc.jsonValue()),
    size: fc.oneof(fc.constantFrom('small', 'huge'), fc.jsonValue()),
    metadata: fc.oneof(
      fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 70 }),
      fc.dictionary(fc.constantFrom(...PROTOTYPE_NAMES, 'team'), fc.string({ maxLength: 10 }), { minKeys: 1 }),
      fc.jsonValue(),
    ),
    userData: fc.string({ maxLength: 100 }),
    extra: fc.jsonValue(),
  },
  { requiredKeys: [] },
);
const nearKey = fc.record(
  {
    name: fc.oneof(fc.string({ maxLength: 300 }), fc.jsonValue()),
    publicKey: fc.oneof(
      fc.string(),
      fc
        .constant(opensshPublicKey())
        .chain((k) => fc.integer({ min: 1, max: k.length - 1 }).map((cut) => k.slice(0, cut))),
      fc.constantFrom('ssh-ed25519 AAAA', 'ssh-rsa AAAAB3NzaC1yc2E=', 'ssh-dss AAAAB3NzaC1kc3M='),
    ),
  },
  { requiredKeys: [] },
);
const body = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  deep,
  nearCreate.map((v) => JSON.stringify(v)),
  nearKey.map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.constantFrom('{"name": "x",', '', 'null', '{"__proto__": {"x": 1}}', '{"constructor": {"prototype": {}}}'),
  fc
    .tuple(
      fc.constantFrom('', '"metadata":', '"networks":[', '"metadata":{"a":'),
      fc.constantFrom(...PROTOTYPE_NAMES, 'prototype'),
    )
    .map(([at, key]) => {
      const inner = `{"${key}":"v"}`;
      const value =
        at === '"networks":['
          ? `${at}${inner}]`
          : at === '"metadata":{"a":'
            ? `${at}${inner}}`
            : at
              ? `${at}${inner}`
              : inner.slice(1, -1);
      return `{"name":"x","image":"img-debian-12","size":"small",${value}}`;
    }),
);

const sent: fc.Arbitrary<Sent> = fc.record({
  method: fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'HEAD', 'OPTIONS'),
  path,
  contentType: fc.option(
    fc.constantFrom('application/json', 'text/plain', 'application/problem+json', 'application/json; charset=latin1'),
    { nil: undefined },
  ),
  body: fc.option(body, { nil: undefined }),
  // Structured Field types other than a String (token, integer, byte sequence, list), and some strings.
  idempotencyKey: fc.option(
    fc.oneof(
      fc.constantFrom('abc-123', '8e03978e-40d5', '42', '1.5', ':a2V5:', '?1', 'a, b', '("a")', '""', '"k";p=1'),
      fc.string({ maxLength: 20 }).map((k) => `"${k.replace(/["\\]/g, '')}"`),
    ),
    { nil: undefined },
  ),
});

function send(base: string, req: Sent): Promise<{ status: number; type: string; text: string; requestId: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {};
    if (req.contentType) headers['content-type'] = req.contentType;
    if (req.idempotencyKey !== undefined) headers['idempotency-key'] = req.idempotencyKey;
    if (req.body !== undefined) headers['content-length'] = Buffer.byteLength(req.body);
    const r = request({ host: url.hostname, port: url.port, method: req.method, path: req.path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers['content-type'] ?? ''),
          text,
          requestId: String(res.headers['x-request-id'] ?? ''),
        }),
      );
    });
    r.on('error', reject);
    r.end(req.body);
  });
}

describe('HTTP fuzz (fast-check, fixed seed)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({
      rateLimit: { enabled: false },
      clouds: { default: { engine: 'dummy', extraParams: { nodes: 3, transitionMs: 20 } } },
    });
  });
  afterAll(() => t.close());

  const state = async () => {
    const nodes = JSON.parse((await send(t.url, { method: 'GET', path: '/api/v1/clouds/default/nodes' })).text);
    const keys = JSON.parse((await send(t.url, { method: 'GET', path: '/api/v1/clouds/default/key-pairs' })).text);
    return JSON.stringify([nodes.items.map((n: any) => n.id), keys.items.map((k: any) => k.name)]);
  };

  it(`${RUNS} random requests: no 5xx, every 4xx a problem, rejected requests change nothing (seed ${SEED})`, async () => {
    const counts = { requests: 0, ok: 0, rejected: 0, serverErrors: 0, problems: 0 };
    await fc.assert(
      fc.asyncProperty(sent, async (req) => {
        const before = await state();
        const answer = await send(t.url, req);
        counts.requests++;
        if (answer.status >= 500) counts.serverErrors++;
        expect(answer.status).toBeLessThan(500);
        // Every answer the process emits carries the request id (router and HTTP-parser answers included).
        expect(answer.requestId).toMatch(/^[0-9a-f-]{36}$/);
        if (answer.status < 400) {
          counts.ok++;
          return;
        }
        counts.rejected++;
        expect(answer.type).toContain('application/problem+json');
        if (req.method !== 'HEAD') {
          const problem = JSON.parse(answer.text);
          expect(problem).toMatchObject({
            type: expect.any(String),
            title: expect.any(String),
            status: answer.status,
            requestId: answer.requestId,
          });
          expect(answer.text).not.toMatch(/\n\s+at |node_modules/);
        }
        counts.problems++;
        expect(await state()).toBe(before);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    process.stdout.write(
      `fuzz: seed ${SEED}, ${counts.requests} requests: ${counts.ok} accepted, ${counts.rejected} rejected ` +
        `(${((100 * counts.problems) / Math.max(1, counts.rejected)).toFixed(1)} % problem+json), ${counts.serverErrors} × 5xx\n`,
    );
  }, 600_000);
});
