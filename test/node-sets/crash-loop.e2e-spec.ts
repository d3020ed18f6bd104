/**
 * kill -9 at random points of a node set's life, on the built service (dist/main.js) with a
 * file-backed SQLite store and three dummy clouds whose nodes persist in that store. Each run creates
 * a set of 6 members across the clouds (every other run one member goes to `error`, so the set rolls
 * back), kills the service at a random moment (before the answer, mid-create, mid-wait, mid-rollback),
 * restarts it on the same store and waits: the set must end `ready` or `failed`, and each cloud must
 * hold exactly the members of a ready set (each once) or none of a failed one. Ready sets are then
 * deleted with another kill -9 at a random moment, and must end `deleted` with nothing left.
 * Prints the counts: runs, outcomes, nodes leaked, duplicates.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call } from '../support/app';
import { ServiceProcess, startService } from '../support/service-process';

const RUNS = Number(process.env.CRASH_RUNS ?? 20);
const CLOUDS = ['a', 'b', 'c'];
jest.setTimeout(RUNS * 30_000 + 30_000);

/** A seeded generator (mulberry32), so a failing run can be replayed with the printed seed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('node sets survive kill -9 at random points (dummy clouds, SQLite file)', () => {
  let dir: string;
  let service: ServiceProcess | undefined;
  const seed = Number(process.env.CRASH_SEED ?? Date.now() % 100_000);
  const rand = random(seed);
  const prefix = `cl${process.pid}`;
  const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    call(service!.url, method, `/api/v1${path}`, body, headers);

  const start = async () => {
    service = await startService({ CONFIG_FILE: join(dir, 'config.json.yaml') });
  };
  const kill = async () => {
    await service!.stop('SIGKILL');
  };
  /** Every node of `cloud` whose name starts with `namePrefix`. */
  const nodesOf = async (cloud: string, namePrefix: string) => {
    const res = await api('GET', `/clouds/${cloud}/nodes?limit=1000&name=${namePrefix}*`);
    expect(res.status).toBe(200);
    return res.body.items as Array<{ id: string; name: string }>;
  };
  const setNamed = async (name: string) =>
    ((await api('GET', '/node-sets?limit=1000')).body.items as Array<any>).find((s) => s.name === name);
  const settle = async (id: string, states: string[]) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const set = (await api('GET', `/node-sets/${id}`)).body;
      if (states.includes(set.state)) return set;
      if (Date.now() > deadline) throw new Error(`set ${id} still ${set.state} after 30 s:\n${JSON.stringify(set)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'node-set-crash-'));
    const dummy = (extra: Record<string, unknown> = {}) => ({
      engine: 'dummy',
      timeoutMs: 2_000,
      extraParams: { persist: true, transitionMs: 400, latencyMs: 30, ...extra },
    });
    writeFileSync(
      join(dir, 'config.json.yaml'),
      JSON.stringify({
        state: { path: join(dir, 'state.db') },
        rateLimit: { enabled: false },
        nodeSets: { pollIntervalMs: 100, leaseMs: 1_000, retryBackoffMs: 100 },
        clouds: {
          a: { ...dummy(), default: true },
          b: { ...dummy(), maxConcurrentCreates: 1 },
          c: dummy({ failingImages: ['img-windows-2022'] }),
        },
      }),
    );
    await start();
  });
  afterAll(async () => {
    await service?.stop('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`${RUNS} runs: every set ends ready or fully rolled back; no node leaked, none duplicated`, async () => {
    const tally = { runs: 0, ready: 0, failed: 0, neverAccepted: 0, deleted: 0, kills: 0, leaked: 0, duplicated: 0 };
    for (let run = 0; run < RUNS; run++) {
      const name = `${prefix}-r${run}`;
      const failing = run % 2 === 1;
      const body = {
        name,
        timeoutSeconds: 20,
        nodes: [
          { cloud: 'a', name: `${name}-a`, image: 'img-debian-12', size: 'small', count: 2 },
          { cloud: 'b', name: `${name}-b`, image: 'img-debian-12', size: 'small', count: 2 },
          { cloud: 'c', name: `${name}-c`, image: 'img-debian-12', size: 'small' },
          { cloud: 'c', name: `${name}-w`, image: failing ? 'img-windows-2022' : 'img-debian-12', size: 'small' },
        ],
      };
      // One run in five is killed right after the request leaves; the others at a random moment after the answer.
      const early = rand() < 0.2;
      const delay = Math.floor(rand() * (early ? 30 : 1_500));
      const posting = api('POST', '/node-sets', body).catch(() => undefined);
      if (!early) await posting;
      await new Promise((r) => setTimeout(r, delay));
      await kill();
      tally.kills++;
      await start();

      const found = await setNamed(name);
      if (!found) {
        // Cut off before the set was stored: nothing may exist anywhere.
        for (const cloud of CLOUDS) expect(await nodesOf(cloud, `${name}-`)).toEqual([]);
        tally.neverAccepted++;
        tally.runs++;
        continue;
      }
      const set = await settle(found.id, ['ready', 'failed']);
      let leakedHere = 0;
      let duplicatedHere = 0;
      for (const cloud of CLOUDS) {
        const nodes = await nodesOf(cloud, `${name}-`);
        const byName = new Map<string, number>();
        for (const n of nodes) byName.set(n.name, (byName.get(n.name) ?? 0) + 1);
        for (const count of byName.values()) duplicatedHere += count - 1;
        const expected =
          set.state === 'ready' ? set.members.filter((m: any) => m.cloud === cloud).map((m: any) => m.nodeId) : [];
        leakedHere += nodes.filter((n) => !expected.includes(n.id)).length;
        expect(nodes.map((n) => n.id).sort()).toEqual([...expected].sort());
      }
      tally.leaked += leakedHere;
      tally.duplicated += duplicatedHere;
      if (set.state === 'ready') {
        expect(failing).toBe(false);
        tally.ready++;
        const del = await api('DELETE', `/node-sets/${set.id}`);
        expect(del.status).toBe(202);
        await new Promise((r) => setTimeout(r, Math.floor(rand() * 300)));
        await kill();
        tally.kills++;
        await start();
        const gone = await settle(set.id, ['deleted']);
        expect(gone.members.every((m: any) => m.step === 'destroyed')).toBe(true);
        for (const cloud of CLOUDS) {
          const left = await nodesOf(cloud, `${name}-`);
          tally.leaked += left.length;
          expect(left).toEqual([]);
        }
        tally.deleted++;
      } else {
        expect(set.error.detail).toMatch(failing ? /reached error/ : /./);
        expect(set.members.every((m: any) => ['destroyed', 'cancelled', 'failed'].includes(m.step))).toBe(true);
        tally.failed++;
      }
      // The service's own leak check agrees: no node of this run carries a mark of no live set.
      const orphans = (await api('GET', '/node-sets/orphans')).body;
      expect(orphans.errors).toEqual([]);
      expect(orphans.items.filter((o: any) => o.name.startsWith(`${name}-`))).toEqual([]);
      tally.runs++;
    }
    // The closing numbers of the issue; CI logs show them.
    console.log(`node set crash loop (seed ${seed}): ${JSON.stringify(tally)}`);
    expect(tally).toMatchObject({ runs: RUNS, leaked: 0, duplicated: 0 });
    expect(tally.ready + tally.failed + tally.neverAccepted).toBe(RUNS);
  });
});
