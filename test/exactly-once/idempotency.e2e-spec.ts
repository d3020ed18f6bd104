/**
 * Idempotency-Key over HTTP on the dummy cloud (IETF httpapi draft): replay, a different request
 * under the same key, 50 at once, expiry, malformed keys, and a create whose answer was lost.
 * Runs on a SQLite file, and on PostgreSQL under test/exactly-once/run-postgres.sh.
 */
import { randomUUID } from 'node:crypto';
import { call, startApp, TestApp } from '../support/app';
import { expectProblem } from '../support/problem';
import { opensshPublicKey } from '../support/keys';
import { storeUnderTest } from './store-under-test';

const store = storeUnderTest();
jest.setTimeout(60_000);

describe(`Idempotency-Key (dummy cloud, ${store.label})`, () => {
  let t: TestApp;
  const run = randomUUID().slice(0, 8);
  const key = () => `"${randomUUID()}"`;
  const post = (path: string, body: unknown, idempotencyKey?: string, cloud = 'default') =>
    call(
      t.url,
      'POST',
      `/api/v1/clouds/${cloud}${path}`,
      body,
      idempotencyKey ? { 'idempotency-key': idempotencyKey } : {},
    );
  const nodesNamed = async (name: string, cloud = 'default') =>
    (await call(t.url, 'GET', `/api/v1/clouds/${cloud}/nodes`)).body.items.filter((n: any) => n.name === name);

  beforeAll(async () => {
    t = await startApp({
      state: store.state,
      rateLimit: { enabled: false },
      idempotency: { ttlSeconds: 1 },
      clouds: {
        default: { engine: 'dummy', extraParams: { transitionMs: 50 } },
        slow: { engine: 'dummy', extraParams: { transitionMs: 50, latencyMs: 300 } },
        // Accepts a create, then answers after the service stopped waiting (timeoutMs).
        late: { engine: 'dummy', timeoutMs: 200, extraParams: { transitionMs: 50, createAnswerDelayMs: 600 } },
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    store.cleanup();
  });

  it('replays the first answer (status, body, Location, Operation-Location) and creates one node', async () => {
    const k = key();
    const body = { name: `idem-${run}-replay`, image: 'img-debian-12', size: 'small' };
    const first = await post('/nodes', body, k);
    expect(first.status).toBe(202);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const second = await post('/nodes', body, k);
    expect(second.status).toBe(202);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('location')).toBe(first.headers.get('location'));
    expect(second.headers.get('operation-location')).toBe(first.headers.get('operation-location'));
    expect(first.headers.get('operation-location')).toMatch(/^\/api\/v1\/operations\/[0-9a-f-]{36}$/);
    // Same body with keys in another order is the same request.
    const reordered = await post('/nodes', { size: 'small', image: 'img-debian-12', name: body.name }, k);
    expect(reordered.headers.get('idempotent-replayed')).toBe('true');
    expect(await nodesNamed(body.name)).toHaveLength(1);
  });

  it('refuses the same key with a different body or another cloud (422) and creates nothing', async () => {
    const k = key();
    const name = `idem-${run}-mismatch`;
    expect((await post('/nodes', { name, image: 'img-debian-12', size: 'small' }, k)).status).toBe(202);
    const otherBody = await post('/nodes', { name, image: 'img-debian-12', size: 'large' }, k);
    const problem = expectProblem(otherBody, 422, /already used for a different request/);
    expect(problem.type).toBe('urn:cloud-orchestrator:problem:idempotency-key-reused');
    expectProblem(await post('/nodes', { name, image: 'img-debian-12', size: 'small' }, k, 'slow'), 422);
    expect(await nodesNamed(name)).toHaveLength(1);
    expect(await nodesNamed(name, 'slow')).toHaveLength(0);
  });

  it('50 requests at once with one key create one node; the others replay it or get 409 with Retry-After', async () => {
    const k = key();
    const name = `idem-${run}-fifty`;
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => post('/nodes', { name, image: 'img-fedora-41', size: 'small' }, k, 'slow')),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s !== 202 && s !== 409)).toEqual([]);
    const accepted = answers.filter((a) => a.status === 202);
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    expect(new Set(accepted.map((a) => a.body.id)).size).toBe(1);
    for (const conflict of answers.filter((a) => a.status === 409)) {
      expect(expectProblem(conflict, 409).type).toBe('urn:cloud-orchestrator:problem:idempotency-key-in-flight');
      expect(Number(conflict.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    expect(statuses.filter((s) => s === 409).length).toBeGreaterThan(0); // the cloud is slow: most found it in flight
    expect(await nodesNamed(name, 'slow')).toHaveLength(1);
    // Once the first is done, the same key replays it.
    const later = await post('/nodes', { name, image: 'img-fedora-41', size: 'small' }, k, 'slow');
    expect(later.headers.get('idempotent-replayed')).toBe('true');
    expect(later.body.id).toBe(accepted[0].body.id);
  });

  it('forgets a key after idempotency.ttlSeconds: the same key then starts a new request', async () => {
    const k = key();
    const name = `idem-${run}-expiry`;
    expect((await post('/nodes', { name, image: 'img-debian-12', size: 'small' }, k)).status).toBe(202);
    await new Promise((r) => setTimeout(r, 1_300));
    const again = await post('/nodes', { name, image: 'img-debian-12', size: 'medium' }, k);
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect((await nodesNamed(name)).map((n: any) => n.sizeId).sort()).toEqual(['medium', 'small']);
  });

  it.each([
    ['empty', '""'],
    ['too long', `"${'k'.repeat(256)}"`],
    ['with parameters', '"abc";x=1'],
    ['unterminated', '"abc'],
    ['a list', '"a", "b"'],
    ['spaces', 'two words'],
    // The draft makes the key a Structured Field String: other structured types are not keys.
    ['a token (bare key starting with a letter)', 'f47ac10b-58cc-4372-a567-0e02b2c3d479'],
    ['a bare key starting with a digit', '8e03978e-40d5-43e8-bc93-6894a57f9324'],
    ['an integer', '12345'],
    ['a decimal', '1.5'],
    ['a byte sequence', ':a2V5:'],
    ['a boolean', '?1'],
    ['a token list', 'a, b'],
    ['an inner list', '("a" "b")'],
  ])('answers a malformed key (%s) with 400 naming the header, and creates nothing', async (label, value) => {
    const name = `idem-${run}-bad-${label.replace(/\W+/g, '-')}`;
    const problem = expectProblem(
      await post('/nodes', { name, image: 'img-debian-12', size: 'small' }, value),
      400,
      /Idempotency-Key/,
    );
    expect(problem.type).toBe('urn:cloud-orchestrator:problem:idempotency-key-malformed');
    expect(problem.errors).toEqual([{ field: 'Idempotency-Key', message: problem.detail }]);
    expect(await nodesNamed(name)).toHaveLength(0);
  });

  it('accepts the same key quoted, and names what a bare one parsed as', async () => {
    const k = randomUUID();
    const body = { name: `idem-${run}-quoted`, image: 'img-debian-12', size: 'small' };
    expect(expectProblem(await post('/nodes', body, `f${k.slice(1)}`), 400).detail).toMatch(/got a token/);
    expect(expectProblem(await post('/nodes', body, '42'), 400).detail).toMatch(/got an integer/);
    expect(await nodesNamed(body.name)).toHaveLength(0);
    expect((await post('/nodes', body, `"${k}"`)).status).toBe(202);
    expect((await post('/nodes', body, `"${k}"`)).headers.get('idempotent-replayed')).toBe('true');
  });

  it('frees a key whose request was refused before reaching the cloud (4xx), so it can be used with a fixed body', async () => {
    const k = key();
    const name = `idem-${run}-fixed`;
    expectProblem(await post('/nodes', { name, image: 'img-nope', size: 'small' }, k), 422, /image/);
    const fixed = await post('/nodes', { name, image: 'img-debian-12', size: 'small' }, k);
    expect(fixed.status).toBe(202);
    expect(await nodesNamed(name)).toHaveLength(1);
  });

  it('node actions and importKeyPair replay too instead of acting twice', async () => {
    const created = await post('/nodes', { name: `idem-${run}-act`, image: 'img-debian-12', size: 'small' }, key());
    const id = created.body.id;
    await call(t.url, 'GET', `${created.headers.get('operation-location')}?wait=10`);
    const k = key();
    const stop = await post(`/nodes/${id}/actions/stop`, undefined, k);
    expect(stop.status).toBe(202);
    const stopAgain = await post(`/nodes/${id}/actions/stop`, undefined, k);
    // Without the key this would be 409 (a stopping node cannot stop); with it, the first answer.
    expect(stopAgain.status).toBe(202);
    expect(stopAgain.headers.get('idempotent-replayed')).toBe('true');
    expect(stopAgain.headers.get('operation-location')).toBe(stop.headers.get('operation-location'));

    const keyName = `idem-${run}-key`;
    const kk = key();
    const publicKey = opensshPublicKey();
    const imported = await post('/key-pairs', { name: keyName, publicKey }, kk);
    expect(imported.status).toBe(201);
    const importedAgain = await post('/key-pairs', { name: keyName, publicKey }, kk);
    expect(importedAgain.status).toBe(201);
    expect(importedAgain.body).toEqual(imported.body);
    expect(importedAgain.headers.get('idempotent-replayed')).toBe('true');
  });

  it('a create the cloud accepted but answered too late (504) is found by its mark on retry: one node', async () => {
    const k = key();
    const body = { name: `idem-${run}-late`, image: 'img-debian-12', size: 'small' };
    const first = await post('/nodes', body, k, 'late');
    expectProblem(first, 504, /late/);
    expect(await nodesNamed(body.name, 'late')).toHaveLength(1); // the cloud did create it
    const retry = await post('/nodes', body, k, 'late');
    expect(retry.status).toBe(202);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    const nodes = await nodesNamed(body.name, 'late');
    expect(nodes).toHaveLength(1);
    expect(retry.body.id).toBe(nodes[0].id);
    // From now on, a plain replay.
    const third = await post('/nodes', body, k, 'late');
    expect(third.headers.get('idempotent-replayed')).toBe('true');
    expect(third.body.id).toBe(nodes[0].id);
  });
});
