/**
 * The orphan sweep over HTTP: GET /api/v1/node-sets/orphans lists nodes carrying the node set mark
 * that belong to no live set (an unknown set, a ready set they are not members of), never a member;
 * with nodeSets.orphans.destroyAfterSeconds the service destroys them after that grace.
 */
import { randomUUID } from 'node:crypto';
import { CloudRegistry } from '../../src/cloud/cloud-registry';
import { NODE_SET_METADATA_KEY } from '../../src/node-sets/node-set.model';
import { OrphanSweeper } from '../../src/node-sets/orphan-sweeper';
import { call, startApp, TestApp, waitFor } from '../support/app';

jest.setTimeout(60_000);

describe('node set orphans (dummy clouds)', () => {
  let t: TestApp;
  const run = randomUUID().slice(0, 8);
  const api = (method: string, path: string, body?: unknown) => call(t.url, method, `/api/v1${path}`, body);
  const ours = async () =>
    ((await api('GET', '/node-sets/orphans')).body.items as Array<any>).filter((o) => o.name.startsWith(run));

  beforeAll(async () => {
    t = await startApp({
      rateLimit: { enabled: false },
      nodeSets: { pollIntervalMs: 50, orphans: { destroyAfterSeconds: 3, sweepIntervalMs: 200 } },
      clouds: {
        a: { engine: 'dummy', default: true, extraParams: { transitionMs: 50 } },
        b: { engine: 'dummy', extraParams: { transitionMs: 50 } },
      },
    });
  });
  afterAll(async () => t?.close());

  it('lists marked nodes of no live set (never members), and destroys them after the grace period', async () => {
    const created = await api('POST', '/node-sets', {
      name: 'live',
      nodes: [{ cloud: 'a', name: `${run}-member`, image: 'img-debian-12', size: 'small' }],
    });
    const op = await call(t.url, 'GET', `${created.headers.get('operation-location')}?wait=20`);
    expect(op.body.state).toBe('succeeded');
    const memberId = op.body.result.members[0].nodeId;

    // Marked as the service marks members (callers may not set orchestrator-* keys): as a create cut
    // off by a crash would leave them, straight through the cloud's driver.
    const stray = async (cloud: string, name: string, setId: string) =>
      (
        await t.app
          .get(CloudRegistry)
          .get(cloud)!
          .driver.createNode({
            name: `${run}-${name}`,
            image: 'img-debian-12',
            size: 'small',
            metadata: { [NODE_SET_METADATA_KEY]: setId },
          })
      ).id;
    const unknownSet = await stray('b', 'unknown-set', randomUUID());
    const notMember = await stray('a', 'not-member', created.body.id);

    const orphans = await ours();
    expect(orphans).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ cloud: 'b', nodeId: unknownSet, setState: null, reason: 'no node set with this id' }),
        expect.objectContaining({
          cloud: 'a',
          nodeId: notMember,
          setId: created.body.id,
          setState: 'ready',
          reason: 'not a member of its ready node set',
        }),
      ]),
    );
    expect(orphans).toHaveLength(2);
    expect(orphans.map((o) => `${o.cloud}/${o.nodeId}`)).not.toContain(`a/${memberId}`);

    // After destroyAfterSeconds the sweeper destroys both; the member stays.
    await waitFor(async () => (await ours()).length === 0, 15_000, 200);
    expect((await api('GET', `/clouds/b/nodes/${unknownSet}`)).status).toBe(404);
    expect((await api('GET', `/clouds/a/nodes/${notMember}`)).status).toBe(404);
    expect((await api('GET', `/clouds/a/nodes/${memberId}`)).status).toBe(200);

    // A deleted set leaves no orphan behind.
    const del = await api('DELETE', `/node-sets/${created.body.id}`);
    expect((await call(t.url, 'GET', `${del.headers.get('operation-location')}?wait=20`)).body.state).toBe('succeeded');
    expect(await ours()).toEqual([]);
  });

  it("the sweep destroys no node its set's journal holds, whatever an older listing said", async () => {
    const created = await api('POST', '/node-sets', {
      name: 'held',
      nodes: [{ cloud: 'b', name: `${run}-held`, image: 'img-debian-12', size: 'small' }],
    });
    const op = await call(t.url, 'GET', `${created.headers.get('operation-location')}?wait=20`);
    expect(op.body.state).toBe('succeeded');
    const member = op.body.result.members[0];
    const sweeper = t.app.get(OrphanSweeper);
    // A listing taken before the set recorded its member would call it an orphan.
    const find = jest.spyOn(sweeper, 'find').mockResolvedValue({
      items: [
        {
          cloud: 'b',
          nodeId: member.nodeId,
          name: member.name,
          state: 'running',
          setId: created.body.id,
          setState: 'creating',
          reason: 'no node set with this id',
        },
      ],
      errors: [],
    });
    try {
      const now = Date.now();
      expect(await sweeper.sweep(now)).toEqual([]);
      expect(await sweeper.sweep(now + 4_000)).toEqual([]);
    } finally {
      find.mockRestore();
    }
    expect((await api('GET', `/clouds/b/nodes/${member.nodeId}`)).body.state).toBe('running');
    const del = await api('DELETE', `/node-sets/${created.body.id}`);
    expect((await call(t.url, 'GET', `${del.headers.get('operation-location')}?wait=20`)).body.state).toBe('succeeded');
  });
});
