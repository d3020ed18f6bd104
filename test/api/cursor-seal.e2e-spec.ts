import { call, startApp, TestApp } from '../support/app';
import { expectProblem } from '../support/problem';

const SECRET = 'cursor-seal-test-secret-0123456789abcdef';
const settings = (secret = SECRET) => ({
  cursors: { secret },
  clouds: {
    a: { engine: 'dummy', default: true, extraParams: { nodes: 4 } },
    b: { engine: 'dummy', extraParams: { nodes: 6 } },
  },
});
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Cursors are sealed (HMAC-SHA256 over their content and the listing they belong to, keyed by
 * cursors.secret): a cursor the service did not issue, altered, or of another listing, cloud or
 * filters is one 400 invalid-cursor, and changes nothing it could skip.
 */
describe('sealed cursors', () => {
  let t: TestApp;
  const cursors: Record<string, string> = {};
  const listings: Record<string, string> = {
    nodes: '/api/v1/clouds/b/nodes?limit=2',
    allNodes: '/api/v1/nodes?limit=2',
    operations: '/api/v1/operations?limit=1',
    nodeSets: '/api/v1/node-sets?limit=1',
  };

  beforeAll(async () => {
    t = await startApp(settings());
    // Two operations and two node sets, so those listings have a second page.
    const nodes = (await call(t.url, 'GET', '/api/v1/clouds/a/nodes')).body.items;
    for (const n of nodes.slice(0, 2))
      expect((await call(t.url, 'DELETE', `/api/v1/clouds/a/nodes/${n.id}`)).status).toBe(202);
    for (const name of ['s1', 's2'])
      expect(
        (
          await call(t.url, 'POST', '/api/v1/node-sets', {
            name,
            nodes: [{ cloud: 'a', name, image: 'img-debian-12', size: 'small', count: 1 }],
          })
        ).status,
      ).toBe(202);
    for (const [kind, path] of Object.entries(listings)) {
      const res = await call(t.url, 'GET', path);
      expect(res.status).toBe(200);
      expect(res.body.nextCursor).toEqual(expect.stringMatching(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/));
      cursors[kind] = res.body.nextCursor;
    }
  });
  afterAll(() => t.close());

  const invalid = async (path: string) => {
    const problem = expectProblem(await call(t.url, 'GET', path), 400, /cursor/);
    expect(problem).toMatchObject({
      type: 'urn:cloud-orchestrator:problem:invalid-cursor',
      errors: [{ field: 'cursor' }],
    });
  };
  const withCursor = (path: string, cursor: string) => `${path}&cursor=${encodeURIComponent(cursor)}`;

  it('accepts each listing its own cursor', async () => {
    for (const [kind, path] of Object.entries(listings))
      expect((await call(t.url, 'GET', withCursor(path, cursors[kind]))).status).toBe(200);
  });

  it('refuses every cursor on every other listing (all four pairwise)', async () => {
    for (const [kind, path] of Object.entries(listings))
      for (const [other, cursor] of Object.entries(cursors))
        if (other !== kind) await invalid(withCursor(path, cursor));
  });

  it('refuses a cursor of another cloud or other filters', async () => {
    await invalid(withCursor('/api/v1/clouds/a/nodes?limit=2', cursors.nodes));
    await invalid(withCursor('/api/v1/clouds/b/nodes?limit=2&state=running', cursors.nodes));
    await invalid(withCursor('/api/v1/nodes?limit=2&name=demo-*', cursors.allNodes));
    await invalid(withCursor('/api/v1/operations?limit=1&cloud=a', cursors.operations));
  });

  it('refuses a cursor with any one character changed', async () => {
    for (const cursor of Object.values(cursors)) {
      for (const i of [0, Math.floor(cursor.length / 2), cursor.indexOf('.') + 1, cursor.length - 1]) {
        const flipped = cursor.slice(0, i) + (cursor[i] === 'A' ? 'B' : 'A') + cursor.slice(i + 1);
        await invalid(withCursor(listings.nodes, flipped));
        await invalid(withCursor(listings.allNodes, flipped));
      }
    }
    const [body] = cursors.allNodes.split('.');
    await invalid(withCursor(listings.allNodes, body)); // the seal cut off
    await invalid(withCursor(listings.allNodes, `${body}.`));
  });

  it('refuses forged and unsealed (pre-seal format) cursors, whatever cloud they name', async () => {
    for (const forged of [
      b64({ c: 'b', m: 'zzz', p: 2 }),
      b64({ c: 'b', o: 1e308, p: 2 }),
      b64({ c: 'nope', p: 2 }),
      b64({ c: '__proto__', p: 2 }),
      b64([Date.now(), 'x']),
      `${b64({ c: 'b', p: 2 })}.${'A'.repeat(22)}`,
    ]) {
      for (const path of Object.values(listings)) await invalid(withCursor(path, forged));
    }
  });

  it('a cursor survives a restart, and another replica, with the same secret; not with another', async () => {
    const replica = await startApp(settings());
    const other = await startApp(settings('another-secret-of-32-characters-or-more'));
    try {
      // Cloud b is the same in every app (seeded alike, untouched): the page after the cursor is too.
      const res = await call(replica.url, 'GET', withCursor(listings.nodes, cursors.nodes));
      expect(res.status).toBe(200);
      const direct = await call(t.url, 'GET', withCursor(listings.nodes, cursors.nodes));
      expect(res.body.items.map((n: { id: string }) => n.id)).toEqual(
        direct.body.items.map((n: { id: string }) => n.id),
      );
      expect((await call(replica.url, 'GET', withCursor(listings.allNodes, cursors.allNodes))).status).toBe(200);
      expectProblem(await call(other.url, 'GET', withCursor(listings.allNodes, cursors.allNodes)), 400, /cursor/);
    } finally {
      await replica.close();
      await other.close();
    }
  });
});
