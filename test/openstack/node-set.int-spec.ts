/**
 * A node set across the real OpenStack on loopback and a dummy cloud: 5 members (3 Nova servers, 2
 * dummy nodes kept in the store), the service (dist/main.js, SQLite file) killed with SIGKILL while the
 * set is being created, restarted on the same store: the set must end ready with exactly 3 servers of
 * its prefix in Nova (none duplicated), then be deleted with none left. Nova's count is checked after
 * each step; only this run's servers (unique name prefix) are counted.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, waitFor } from '../support/app';
import { ServiceProcess, startService } from '../support/service-process';
import { KEYSTONE, NovaDirect, PASSWORD, PROJECT, REGION, USER } from './nova-direct';

const PREFIX = `nset-${process.pid}-${Date.now().toString(36)}-`;

describe('a node set across OpenStack and a dummy cloud survives kill -9 mid-create (real OpenStack)', () => {
  let nova: NovaDirect;
  let imageId: string;
  let dir: string;
  const services: ServiceProcess[] = [];
  const ours = async () => (await nova.allServers()).filter((s) => String(s.name).startsWith(PREFIX));

  beforeAll(async () => {
    nova = await NovaDirect.login();
    imageId = (await nova.request('GET', '/images/detail')).body.images.find((i: any) => i.name === 'cirros-fake').id;
    dir = mkdtempSync(join(tmpdir(), 'co-nodeset-'));
    writeFileSync(
      join(dir, 'config.json.yaml'),
      JSON.stringify({
        state: { path: join(dir, 'state.db') },
        nodeSets: { pollIntervalMs: 300, leaseMs: 2_000 },
        clouds: {
          lab: {
            engine: 'openstack',
            default: true,
            user: USER,
            password: '${OS_LAB_PASSWORD}',
            timeoutMs: 10_000,
            maxConcurrentCreates: 2,
            extraParams: { authUrl: KEYSTONE, region: REGION, projectName: PROJECT },
          },
          d: { engine: 'dummy', extraParams: { persist: true, transitionMs: 300 } },
        },
      }),
    );
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop('SIGKILL')));
    const leftovers = await ours();
    await Promise.all(leftovers.map((s) => nova.request('DELETE', `/servers/${s.id}`)));
    await waitFor(async () => (await ours()).length === 0, 60_000, 250).catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const start = async () => {
    const service = await startService({
      CONFIG_FILE: join(dir, 'config.json.yaml'),
      OS_LAB_PASSWORD: PASSWORD,
      no_proxy: '127.0.0.1,localhost',
      NO_PROXY: '127.0.0.1,localhost',
    });
    services.push(service);
    return service;
  };

  it('killed mid-create, resumed to ready with 3 Nova servers (no duplicate), deleted to 0', async () => {
    const first = await start();
    const created = await call(first.url, 'POST', '/api/v1/node-sets', {
      name: `${PREFIX}set`,
      timeoutSeconds: 300,
      nodes: [
        { cloud: 'lab', name: `${PREFIX}web`, image: imageId, size: '1', count: 3 },
        { cloud: 'd', name: `${PREFIX}cache`, image: 'img-debian-12', size: 'small', count: 2 },
      ],
    });
    expect(created.status).toBe(202);
    // Kill as soon as Nova has the first server: the others are queued or in flight (maxConcurrentCreates 2).
    await waitFor(async () => (await ours()).length >= 1, 60_000, 50);
    await first.stop('SIGKILL');
    const afterKill = (await ours()).length;
    expect(afterKill).toBeGreaterThanOrEqual(1);
    expect(afterKill).toBeLessThanOrEqual(3);

    const second = await start();
    const op = await call(second.url, 'GET', `${created.headers.get('operation-location')}?wait=60`);
    const done = op.body.done
      ? op.body
      : await waitFor(
          async () => {
            const o = await call(second.url, 'GET', `${created.headers.get('operation-location')}?wait=30`);
            return o.body.done ? o.body : undefined;
          },
          240_000,
          0,
        );
    expect(done.state).toBe('succeeded');
    const set = (await call(second.url, 'GET', `/api/v1/node-sets/${created.body.id}`)).body;
    expect(set.state).toBe('ready');
    const servers = await ours();
    const counts = { afterKill, afterResume: servers.length, names: new Set(servers.map((s) => s.name)).size };
    expect(counts).toEqual({ afterKill, afterResume: 3, names: 3 });
    expect(servers.map((s) => s.id).sort()).toEqual(
      set.members
        .filter((m: any) => m.cloud === 'lab')
        .map((m: any) => m.nodeId)
        .sort(),
    );
    const dummy = (await call(second.url, 'GET', `/api/v1/clouds/d/nodes?name=${PREFIX}*`)).body.items;
    expect(dummy).toHaveLength(2);

    const del = await call(second.url, 'DELETE', `/api/v1/node-sets/${created.body.id}`);
    expect(del.status).toBe(202);
    const deleted = await waitFor(
      async () => {
        const o = await call(second.url, 'GET', `${del.headers.get('operation-location')}?wait=30`);
        return o.body.done ? o.body : undefined;
      },
      240_000,
      0,
    );
    expect(deleted.state).toBe('succeeded');
    // The service counts a server Nova is deleting (task_state deleting, or DELETED) as terminated, as
    // destroyNode operations do; Nova drops it from the list shortly after.
    const lingering = (await ours()).filter((s) => s.status !== 'DELETED' && s['OS-EXT-STS:task_state'] !== 'deleting');
    expect(lingering).toEqual([]);
    await waitFor(async () => (await ours()).length === 0, 60_000, 250);
    expect((await call(second.url, 'GET', `/api/v1/clouds/d/nodes?name=${PREFIX}*`)).body.items).toEqual([]);
    process.stdout.write(
      `node set on OpenStack: Nova servers after kill ${afterKill}, after resume 3, after delete 0\n`,
    );
  });
});
