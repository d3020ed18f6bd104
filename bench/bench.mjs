#!/usr/bin/env node
// npm run bench: every performance target of the service, each as a figure and a ratio measured in
// this one run on this machine (absolute figures on a shared 2-core machine drift by 30 % and more).
// Starts the production build, the reference servers of ../shared/bench (bare node:http; the Flask +
// Libcloud seed stack when its Debian packages are installed), fake slow clouds on loopback, and loads
// each target with alternating runs after a warm-up. Prints one table; writes docs/perf/bench.json and
// docs/perf/bench.svg (the README's chart).
//
// Knobs (environment): BENCH_SECONDS (5), BENCH_ROUNDS (3), BENCH_CONNECTIONS (64), BENCH_WARMUP (2),
// BENCH_ONLY=list,health,all-nodes,openstack,catalog,logins,process (comma list), BENCH_REF_DIR
// (../shared/bench), BENCH_NO_WRITE=1 (print only).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { ratioChart } from './lib/chart.mjs';
import { fakeCloudSettings, startFakeOpenstack } from './lib/fake-openstack.mjs';
import { alternate, haveAb, load, loadTool, median, sequential } from './lib/load.mjs';
import { freePort, root, startReference, startService } from './lib/processes.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : undefined;
const REF_DIR = resolve(root, process.env.BENCH_REF_DIR ?? '../shared/bench');
const KEY = 'bench-key-0123456789abcdef';
const AUTH = { Authorization: `Bearer ${KEY}` };
const LIST = '/api/v1/clouds/default/nodes';

const rows = [];
const notes = [];
const wanted = (section) => !ONLY || ONLY.has(section);

/**
 * Settings as in production: an API key required, logs on (info, JSON), caller rate limits on (with
 * the benchmark's key allowed far more than any run sends, so the limiter runs but never refuses).
 */
function settings(clouds, extra = {}) {
  return {
    auth: { apiKeys: [{ name: 'bench', key: KEY, scopes: ['read', 'write'] }] },
    rateLimit: { perKey: { bench: 1_000_000 } },
    clouds,
    ...extra,
  };
}

/** A row of the table. goal: { ratio, direction: 'min' | 'max' } applies to `ratio`. */
function row(section, target, figures, vs, ratio, goal, extra = {}) {
  const met = goal ? (goal.direction === 'min' ? ratio >= goal.ratio : ratio <= goal.ratio) : undefined;
  const r = { section, target, ...figures, vs, ratio, goal, met, ...extra };
  rows.push(r);
  return r;
}

/** Serves fixed bytes on a port, so bare-node.js can fetch an answer that needs an API key. */
async function serveOnce(body) {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((r) => server.close(r)) };
}

function hasSeedStack() {
  try {
    // gunicorn runs under the interpreter of its shebang (Debian's), whatever python3 is on PATH.
    const gunicorn = execFileSync('sh', ['-c', 'command -v gunicorn'], { encoding: 'utf8' }).trim();
    const python = /^#!\s*(\S+)/.exec(readFileSync(gunicorn, 'utf8').split('\n')[0])?.[1] ?? 'python3';
    execFileSync(python, ['-c', 'import flask, libcloud'], { stdio: 'ignore' });
    return existsSync(join(REF_DIR, 'seed-stack', 'app.py'));
  } catch {
    return false;
  }
}

function bareNode(sourceUrl, port, mode = 'stringify') {
  return startReference(process.execPath, [join(REF_DIR, 'bare-node.js'), sourceUrl, String(port), mode], {
    probe: `http://127.0.0.1:${port}/`,
  });
}

// ---- 1. listNodes (100 nodes) and the health probes against bare node:http and the seed stack ----

async function hotPaths() {
  const service = await startService({
    settings: settings({ default: { engine: 'dummy', extraParams: { nodes: 100 } } }),
  });
  const refs = [];
  try {
    const body = Buffer.from(await (await fetch(`${service.url}${LIST}`, { headers: AUTH })).arrayBuffer());
    const source = await serveOnce(body);
    const haveRefs = existsSync(join(REF_DIR, 'bare-node.js'));
    if (!haveRefs) notes.push(`no reference servers at ${REF_DIR}: listNodes and health have no baseline`);

    if (wanted('list') && haveRefs) {
      const [barePort, bufferPort, seedPort] = [await freePort(), await freePort(), await freePort()];
      refs.push(await bareNode(source.url, barePort, 'stringify'), await bareNode(source.url, bufferPort, 'buffer'));
      const targets = [
        { name: 'bare', url: `http://127.0.0.1:${barePort}/` },
        { name: 'buffer', url: `http://127.0.0.1:${bufferPort}/` },
        { name: 'service', url: `${service.url}${LIST}`, headers: AUTH },
      ];
      if (hasSeedStack()) {
        refs.push(
          await startReference(
            'gunicorn',
            ['-w', '1', '-b', `127.0.0.1:${seedPort}`, '--chdir', join(REF_DIR, 'seed-stack'), 'app:app'],
            {
              probe: `http://127.0.0.1:${seedPort}${LIST}`,
              env: { SEEDREF_NODES: '100' },
            },
          ),
        );
        targets.push({ name: 'seed', url: `http://127.0.0.1:${seedPort}${LIST}` });
      } else {
        notes.push("seed stack skipped: install Debian's python3-flask python3-libcloud gunicorn to measure it");
      }
      const r = Object.fromEntries(
        (
          await alternate(targets, {
            rounds: ROUNDS,
            seconds: SECONDS,
            warmupSeconds: WARMUP,
            connections: CONNECTIONS,
          })
        ).map((x) => [x.name, x]),
      );
      const fig = (x) => ({ rps: x.rps, p50: x.p50, p99: x.p99, errors: x.errors, runs: x.runs });
      const list = (target, x, vs, ratio, goal) => row('listNodes, 100 nodes', target, fig(x), vs, ratio, goal);
      const atLeast = (ratio) => ({ ratio, direction: 'min' });
      list('bare node:http + JSON.stringify', r.bare, 'itself', 1);
      list('bare node:http, pre-built buffer', r.buffer, 'bare stringify', r.buffer.rps / r.bare.rps);
      if (r.seed) list('seed stack (Flask + Libcloud)', r.seed, 'bare stringify', r.seed.rps / r.bare.rps);
      list('service listNodes (auth, logs)', r.service, 'bare stringify', r.service.rps / r.bare.rps, atLeast(1));
      if (r.seed)
        list('service listNodes vs seed stack', r.service, 'seed stack', r.service.rps / r.seed.rps, atLeast(5));
      list(`service listNodes p99 (ms), ${loadTool}`, r.service, '20 ms', r.service.p99 / 20, {
        ratio: 1,
        direction: 'max',
      });
      // The same p99 by a second, single-threaded load generator (see haveAb in lib/load.mjs).
      if (haveAb) {
        const [bare, svc] = await alternate(targets.slice(0, 1).concat(targets[2]), {
          rounds: ROUNDS,
          seconds: SECONDS,
          warmupSeconds: WARMUP,
          connections: CONNECTIONS,
          tool: 'ab',
        });
        list('bare node:http + JSON.stringify, ab -k', bare, 'itself', 1);
        list('service listNodes (auth, logs), ab -k', svc, 'bare stringify', svc.rps / bare.rps, atLeast(1));
        list('service listNodes p99 (ms), ab -k', svc, '20 ms', svc.p99 / 20, { ratio: 1, direction: 'max' });
      } else {
        notes.push("listNodes p99 by ab skipped: install Debian's apache2-utils to measure it");
      }
    }
    await source.close();

    if (wanted('health') && haveRefs) {
      for (const path of ['/health/live', '/health/ready']) {
        const [port, samePort] = [await freePort(), await freePort()];
        refs.push(await bareNode(`${service.url}${path}`, port, 'stringify'));
        // The same answer, headers included: what node:http spends on the security headers by itself.
        refs.push(
          await startReference(
            process.execPath,
            [join(root, 'bench', 'lib', 'same-answer-server.cjs'), `${service.url}${path}`, String(samePort)],
            { probe: `http://127.0.0.1:${samePort}/` },
          ),
        );
        const r = await alternate(
          [
            { name: 'bare', url: `http://127.0.0.1:${port}/` },
            { name: 'same', url: `http://127.0.0.1:${samePort}/` },
            { name: 'service', url: `${service.url}${path}` },
          ],
          { rounds: ROUNDS, seconds: SECONDS, warmupSeconds: WARMUP, connections: CONNECTIONS },
        );
        const [bare, same, svc] = r;
        const fig = (x) => ({ rps: x.rps, p50: x.p50, p99: x.p99, errors: x.errors, runs: x.runs });
        row(path, 'bare node:http, same body', fig(bare), 'itself', 1);
        row(path, 'bare node:http, same body and headers', fig(same), 'bare node:http', same.rps / bare.rps);
        row(path, `service ${path}`, fig(svc), 'bare node:http', svc.rps / bare.rps, { ratio: 1, direction: 'min' });
        row(path, `service ${path} vs same headers`, fig(svc), 'bare, same headers', svc.rps / same.rps);
      }
    }
  } finally {
    for (const ref of refs) await ref.stop();
    await service.stop();
  }
}

// ---- 2. listAllNodes over 10 clouds answering in 50 ms; one of them hung ----

async function allNodes() {
  const DELAY = 50;
  const HUNG_TIMEOUT = 1000;
  const fakes = await Promise.all(Array.from({ length: 10 }, () => startFakeOpenstack({ delayMs: DELAY, nodes: 20 })));
  const hung = await startFakeOpenstack({ hang: true });
  const clouds = Object.fromEntries(fakes.map((f, i) => [`c${i}`, fakeCloudSettings(f)]));
  const service = await startService({
    settings: settings({ ...clouds, default: { engine: 'dummy', default: true } }),
  });
  const withHung = await startService({
    settings: settings({
      ...Object.fromEntries(fakes.slice(0, 9).map((f, i) => [`c${i}`, fakeCloudSettings(f)])),
      hung: fakeCloudSettings(hung, HUNG_TIMEOUT),
      default: { engine: 'dummy', default: true },
    }),
  });
  try {
    const count = 20;
    await sequential(`${service.url}/api/v1/nodes`, { count: 3, headers: AUTH }); // logins, JIT
    await sequential(`${service.url}/api/v1/clouds/c0/nodes`, { count: 3, headers: AUTH });
    const one = await sequential(`${service.url}/api/v1/clouds/c0/nodes`, { count, headers: AUTH });
    const all = await sequential(`${service.url}/api/v1/nodes`, { count, headers: AUTH });
    const all10 = await (await fetch(`${service.url}/api/v1/nodes`, { headers: AUTH })).json();
    row(
      'listAllNodes, 10 clouds × 50 ms',
      'one cloud (listNodes c0), p50 ms',
      { p50: one.p50, p99: one.p99 },
      'itself',
      1,
    );
    row(
      'listAllNodes, 10 clouds × 50 ms',
      `all 10 clouds (listAllNodes, ${all10.items?.length} nodes), p50 ms`,
      { p50: all.p50, p99: all.p99 },
      'one cloud',
      all.p50 / one.p50,
      { ratio: 1.5, direction: 'max' },
    );
    const first = await sequential(`${withHung.url}/api/v1/nodes`, { count: 1, headers: AUTH });
    // The circuit breaker opens after a few consecutive failures (resilience.consecutiveFailures):
    // keep calling, then time the last calls.
    await sequential(`${withHung.url}/api/v1/nodes`, { count: 7, headers: AUTH });
    const later = await sequential(`${withHung.url}/api/v1/nodes`, { count: 3, headers: AUTH });
    const answer = await (await fetch(`${withHung.url}/api/v1/nodes`, { headers: AUTH })).json();
    const errs = (answer.errors ?? []).map((e) => `${e.cloud}: ${e.status}`).join(', ');
    row(
      'listAllNodes, one cloud hung',
      `9 clouds + 1 hung (timeout ${HUNG_TIMEOUT} ms), first call ms`,
      { p50: first.p50 },
      'hung cloud timeout',
      first.p50 / HUNG_TIMEOUT,
      { ratio: 1.1, direction: 'max' },
      { note: `errors: ${errs}; ${answer.items?.length} nodes from the others` },
    );
    row(
      'listAllNodes, one cloud hung',
      'calls 9-11, p50 ms (circuit open: as fast as one cloud)',
      { p50: later.p50, p99: later.p99 },
      'one cloud',
      later.p50 / one.p50,
      { ratio: 1.5, direction: 'max' },
    );
  } finally {
    await service.stop();
    await withHung.stop();
    for (const f of [...fakes, hung]) await f.close();
  }
}

// ---- 3. The real OpenStack on loopback: what the service adds to a read ----

async function realOpenstack() {
  const envFile = '/tmp/openstack-ci/env';
  if (!existsSync(envFile)) {
    notes.push('real OpenStack on loopback not found (/tmp/openstack-ci/env): skipped');
    return;
  }
  const env = Object.fromEntries(
    readFileSync(envFile, 'utf8')
      .split('\n')
      .map((l) => /^(?:export\s+)?(\w+)=["']?(.*?)["']?$/.exec(l.trim()))
      .filter(Boolean)
      .map((m) => [m[1], m[2]]),
  );
  const keystone = env.OS_CI_KEYSTONE ?? 'http://127.0.0.1:5000';
  const nova = env.OS_CI_NOVA ?? 'http://127.0.0.1:8774/v2.1';
  const password = env.OS_CI_PASSWORD ?? 'secret';
  const auth = await fetch(`${keystone}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: 'demo', domain: { name: 'Default' }, password } },
        },
        scope: { project: { name: 'demo', domain: { name: 'Default' } } },
      },
    }),
  });
  const token = auth.headers.get('x-subject-token');
  if (!token) {
    notes.push(`real OpenStack: Keystone refused demo (HTTP ${auth.status}): skipped`);
    return;
  }
  const direct = { 'x-auth-token': token };
  const servers = await (await fetch(`${nova}/servers?limit=1`, { headers: direct })).json();
  let nodeId = servers.servers?.[0]?.id;
  const cloud = {
    engine: 'openstack',
    user: 'demo',
    password,
    extraParams: { authUrl: keystone, region: 'RegionOne', projectName: 'demo' },
  };
  // Caching off: this measures what the service adds to a read that does reach the cloud.
  const service = await startService({ settings: settings({ os: { ...cloud, default: true, catalogTtlMs: 0 } }) });
  let made;
  try {
    // A node to read, made through the service when the cloud has none (a fresh stack), removed after.
    if (!nodeId) {
      made = await makeNode(service.url, nova, direct);
      nodeId = made;
    }
    /** The same read straight from Nova, following its next links as the driver does (Nova pages). */
    const novaRead = (url, key) => async () => {
      let next = url;
      for (let page = 0; next && page < 100; page++) {
        const body = await (await fetch(next, { headers: direct })).json();
        next = key ? (body[`${key}_links`] ?? []).find((l) => l.rel === 'next')?.href : undefined;
      }
    };
    const timed = async (read, count) => {
      const times = [];
      for (let i = 0; i < count; i++) {
        const started = performance.now();
        await read();
        times.push(performance.now() - started);
      }
      return median(times);
    };
    const reads = [
      [
        'list sizes (uncached, all pages)',
        novaRead(`${nova}/flavors/detail`, 'flavors'),
        `${service.url}/api/v1/clouds/os/sizes`,
      ],
      [
        'list nodes (one page of 5)',
        // The driver's own query: its walk order (created_at, then uuid, newest first) and one more than the page.
        novaRead(`${nova}/servers/detail?sort_key=created_at&sort_key=uuid&sort_dir=desc&sort_dir=desc&limit=6`),
        `${service.url}/api/v1/clouds/os/nodes?limit=5`,
      ],
      ...(nodeId
        ? [['get node', novaRead(`${nova}/servers/${nodeId}`), `${service.url}/api/v1/clouds/os/nodes/${nodeId}`]]
        : []),
    ];
    if (!nodeId) notes.push('real OpenStack: no server to read and none could be made, get node skipped');
    // One read straight from Nova, then the same read through the service, pair after pair: both
    // halves of a pair see the same moment of a machine whose load swings by the second.
    const serviceRead = (url) => async () => {
      const res = await fetch(url, { headers: AUTH });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
    };
    for (const [what, novaFn, serviceUrl] of reads) {
      const viaService = serviceRead(serviceUrl);
      await timed(viaService, 3);
      await timed(novaFn, 3);
      const d = [];
      const s = [];
      for (let i = 0; i < 40; i++) {
        d.push(await timed(novaFn, 1));
        s.push(await timed(viaService, 1));
      }
      // The median of the pairs' differences: Nova's own swings (tens of ms here) cancel within a pair.
      const added = median(s.map((x, i) => x - d[i]));
      row(
        'real OpenStack on loopback',
        `${what}: service p50 ${median(s).toFixed(1)} ms vs Nova ${median(d).toFixed(1)} ms`,
        { p50: median(s), added },
        '2 ms added',
        added / 2,
        { ratio: 1, direction: 'max' },
      );
    }
  } finally {
    if (made) await fetch(`${service.url}/api/v1/clouds/os/nodes/${made}`, { method: 'DELETE', headers: AUTH });
    await service.stop();
  }
}

/** Creates a node through the service on its default cloud and waits (≤ 60 s) until Nova says ACTIVE; its id or undefined. */
async function makeNode(serviceUrl, nova, direct) {
  const first = async (what) =>
    (await (await fetch(`${serviceUrl}/api/v1/clouds/os/${what}`, { headers: AUTH })).json()).items?.[0]?.id;
  const [image, size] = [await first('images'), await first('sizes')];
  if (!image || !size) return undefined;
  const res = await fetch(`${serviceUrl}/api/v1/clouds/os/nodes`, {
    method: 'POST',
    headers: { ...AUTH, 'content-type': 'application/json', 'idempotency-key': `"bench-${process.pid}"` },
    body: JSON.stringify({ name: `bench-read-${process.pid}`, image, size }),
  });
  const id = res.status === 202 || res.status === 201 ? (await res.json()).id : undefined;
  for (const deadline = performance.now() + 60_000; id && performance.now() < deadline;) {
    const server = await (await fetch(`${nova}/servers/${id}`, { headers: direct })).json();
    if (server.server?.status === 'ACTIVE') return id;
    await new Promise((r) => setTimeout(r, 500));
  }
  return id;
}

// ---- 4. Catalogue cache: single-flight, revalidation ----

async function catalogue() {
  const fake = await startFakeOpenstack({ delayMs: 50 });
  const service = await startService({
    settings: settings({ os: { ...fakeCloudSettings(fake), default: true } }),
  });
  try {
    const url = `${service.url}/api/v1/clouds/os/sizes`;
    await fetch(`${service.url}/api/v1/clouds/os/nodes`, { headers: AUTH }).then((r) => r.arrayBuffer()); // login
    fake.reset();
    const answers = await Promise.all(
      Array.from({ length: 100 }, () =>
        fetch(url, { headers: AUTH }).then(async (r) => ({
          status: r.status,
          etag: r.headers.get('etag'),
          cc: r.headers.get('cache-control'),
          body: await r.text(),
        })),
      ),
    );
    const ok = answers.filter((a) => a.status === 200).length;
    const calls = fake.counts.byRoute.flavors ?? 0;
    row(
      'catalogue cache',
      `100 concurrent listSizes: upstream calls at the fake (${ok}/100 ok)`,
      { upstream: calls },
      '1 call',
      calls,
      { ratio: 1, direction: 'max' },
    );
    const etag = answers[0].etag;
    const again = await fetch(url, { headers: { ...AUTH, 'if-none-match': etag ?? '"none"' } });
    await again.arrayBuffer();
    row(
      'catalogue cache',
      `revalidation with If-None-Match: HTTP ${again.status} (ETag ${etag ?? 'none'}, Cache-Control ${answers[0].cc ?? 'none'})`,
      { status: again.status },
      '304',
      again.status === 304 ? 1 : 0,
      { ratio: 1, direction: 'min' },
    );
    const cached = await sequential(url, { count: 50, headers: AUTH });
    row(
      'catalogue cache',
      `cached listSizes p50 ms (the cloud takes ${50} ms)`,
      { p50: cached.p50, p99: cached.p99 },
      '50 ms cloud',
      cached.p50 / 50,
      { ratio: 0.1, direction: 'max' },
    );
  } finally {
    await service.stop();
    await fake.close();
  }
}

// ---- 5. Logins and TCP connections at the fake during a 10 s load ----

async function logins() {
  const fake = await startFakeOpenstack({ delayMs: 5, nodes: 20 });
  const service = await startService({
    settings: settings({ os: { ...fakeCloudSettings(fake), default: true } }),
  });
  try {
    const connections = 16;
    const r = await load(`${service.url}/api/v1/clouds/os/nodes`, { connections, seconds: 10, headers: AUTH });
    const { logins: n, connections: tcp, requests } = fake.counts;
    row(
      'upstream, 10 s load',
      `logins at the fake (${Math.round(r.rps * 10)} service requests)`,
      { logins: n, rps: r.rps },
      '1 per token lifetime',
      n,
      { ratio: 1, direction: 'max' },
    );
    row(
      'upstream, 10 s load',
      `TCP connections at the fake for ${requests} upstream requests (${connections} concurrent)`,
      { connections: tcp, requests },
      `${connections} (concurrency) + logins`,
      tcp / (connections + n),
      { ratio: 1, direction: 'max' },
    );
  } finally {
    await service.stop();
    await fake.close();
  }
}

// ---- 6. Start to ready, idle memory ----

async function processCosts() {
  const ready = [];
  const rss = [];
  for (let i = 0; i < 3; i++) {
    const service = await startService({
      settings: settings({ default: { engine: 'dummy', extraParams: { nodes: 100 } } }),
    });
    ready.push(service.readyMs);
    await new Promise((r) => setTimeout(r, 3000));
    rss.push(service.rssMB());
    await service.stop();
  }
  row(
    'process',
    'start to ready (spawn → /health/ready 200), ms',
    { ms: median(ready) },
    '2000 ms',
    median(ready) / 2000,
    { ratio: 1, direction: 'max' },
  );
  // MB = 10^6 bytes, as the target; the parts are the medians of each part.
  const mb = median(rss.map((r) => r.rss));
  const [anon, file] = [median(rss.map((r) => r.anon)), median(rss.map((r) => r.file))];
  row(
    'process',
    `idle RSS after ready + 3 s, MB (10^6 bytes; anonymous ${anon.toFixed(1)} + file-backed ${file.toFixed(1)})`,
    { mb },
    '120 MB',
    mb / 120,
    { ratio: 1, direction: 'max' },
  );
}

// ---- run, print, write ----

if (!existsSync(join(root, 'dist', 'main.js'))) {
  console.error('no production build: run `npm run build` first');
  process.exit(1);
}
const started = new Date();
console.error(
  `bench: ${loadTool}, ${SECONDS} s × ${ROUNDS} rounds, ${CONNECTIONS} connections, Node ${process.version}, ${cpus().length} cores`,
);
if (wanted('list') || wanted('health')) await hotPaths();
if (wanted('all-nodes')) await allNodes();
if (wanted('openstack')) await realOpenstack();
if (wanted('catalog')) await catalogue();
if (wanted('logins')) await logins();
if (wanted('process')) await processCosts();

const fmt = (n, d = 1) =>
  n === undefined || !Number.isFinite(n) ? '' : n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(d);
const lines = [
  `${loadTool} -t2 -c${CONNECTIONS}, ${SECONDS} s × ${ROUNDS} alternating rounds (median), Node ${process.version}, ${cpus().length} cores, ${started.toISOString()}`,
  '',
  '| section | target | req/s | p50 ms | p99 ms | figure | vs | ratio | goal | met |',
  '|---|---|---:|---:|---:|---:|---|---:|---|---|',
];
for (const r of rows) {
  const figure = r.upstream ?? r.logins ?? r.connections ?? r.mb ?? r.ms ?? r.added ?? r.status ?? '';
  const goal = r.goal ? `${r.goal.direction === 'min' ? '≥' : '≤'} ${r.goal.ratio}×` : '';
  lines.push(
    `| ${r.section} | ${r.target} | ${fmt(r.rps, 0)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${typeof figure === 'number' ? fmt(figure, 1) : figure} | ${r.vs} | ${fmt(r.ratio, 2)}× | ${goal} | ${r.met === undefined ? '' : r.met ? 'met' : 'NOT met'} |`,
  );
}
if (notes.length) lines.push('', ...notes.map((n) => `- ${n}`));
console.log(lines.join('\n'));

if (!process.env.BENCH_NO_WRITE) {
  const out = join(root, 'docs', 'perf');
  mkdirSync(out, { recursive: true });
  const result = {
    date: started.toISOString(),
    node: process.version,
    cores: cpus().length,
    tool: loadTool,
    seconds: SECONDS,
    rounds: ROUNDS,
    connections: CONNECTIONS,
    rows,
    notes,
  };
  writeFileSync(join(out, 'bench.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(
    join(out, 'bench.svg'),
    ratioChart(
      rows.filter((r) => r.goal),
      `npm run bench, ${started.toISOString().slice(0, 16)} UTC: ratio / goal`,
    ),
  );
  console.error(`wrote ${join(out, 'bench.json')} and bench.svg`);
}
