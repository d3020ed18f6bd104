#!/usr/bin/env node
// Where listNodes' cost over bare node:http comes from, layer by layer: the same 26 KB answer (100
// dummy nodes, fetched once from the service) served by five servers, each adding one layer to the
// one before. Each runs as its own process with the production command's Node flags and is loaded in
// turn (wrk -t2 -c64, alternating rounds); CPU seconds per request (/proc/<pid>/stat) are far steadier
// than req/s on a shared 2-core machine, so the table reads in µs of CPU per request.
//   npm run bench:ladder -- [seconds=4] [rounds=3]   (builds first)
// Rungs: bare node:http + JSON.stringify (../shared/bench), Fastify alone with the service's compiled
// response schema, NestJS on Fastify with one controller, the service with auth, rate limits and
// tracing off and logs at warn, then with logs, the API key, rate limits and tracing added one by one
// (the last is the service as `npm run bench` runs it). Last, a control: bare node:http made to spend
// the full service's CPU per request by busy-waiting, to show what that CPU time alone does to p50/p99.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { haveAb, load, loadTool, median } from './lib/load.mjs';
import { cpuSecondsOf, freePort, productionCommand, root, startReference, startService } from './lib/processes.mjs';

const seconds = Number(process.argv[2] ?? 4);
const rounds = Number(process.argv[3] ?? 3);
const KEY = 'bench-key-0123456789abcdef';
const AUTH = { Authorization: `Bearer ${KEY}` };
const LIST = '/api/v1/clouds/default/nodes';
const bareNode = resolve(root, process.env.BENCH_REF_DIR ?? '../shared/bench', 'bare-node.js');
const clouds = { default: { engine: 'dummy', extraParams: { nodes: 100 } } };

/** The service with the features named on (each false = off; logs off = level warn). */
function service({ auth = false, logs = false, rateLimit = false, tracing = false }) {
  return startService({
    settings: {
      auth: auth ? { apiKeys: [{ name: 'bench', key: KEY, scopes: ['read', 'write'] }] } : { disabled: true },
      rateLimit: rateLimit ? { perKey: auth ? { bench: 1_000_000 } : undefined, max: 1_000_000 } : { enabled: false },
      tracing: { enabled: tracing },
      clouds,
      state: { path: ':memory:' },
    },
    env: { LOG_LEVEL: logs ? 'info' : 'warn' },
  });
}

// Cumulative: each service adds one feature to the one before; the last is the bench's production setup.
const services = [
  ['service: auth, logs, rate limits, tracing off', {}],
  ['+ access and cloud-call logs (info)', { logs: true }],
  ['+ API key', { logs: true, auth: true }],
  ['+ caller rate limits', { logs: true, auth: true, rateLimit: true }],
  ['+ tracing (spans, not exported): as benchmarked', { logs: true, auth: true, rateLimit: true, tracing: true }],
];
const started = [];
for (const [name, features] of services) started.push({ name, features, process: await service(features) });
// Every rung serves the very answer the service gives (fetched once, without a key).
const source = `${started[0].process.url}${LIST}`;
const rungs = [];
const stops = started.map((s) => s.process.stop);

/** A reference process (bare node:http or a ladder rung) with the production Node flags and environment, and CPU accounting. */
async function reference(name, args, port) {
  const production = productionCommand();
  const ref = await startReference(process.execPath, [...production.flags, ...args], {
    probe: `http://127.0.0.1:${port}${name === 'bare' ? '/' : LIST}`,
    cwd: root,
    env: production.env,
  });
  stops.push(ref.stop);
  return ref;
}

try {
  if (existsSync(bareNode)) {
    const port = await freePort();
    const ref = await reference('bare', [bareNode, source, String(port), 'stringify'], port);
    rungs.push({ name: 'bare node:http + JSON.stringify', url: `http://127.0.0.1:${port}/`, pid: ref.pid });
  }
  for (const [rung, name] of [
    ['fastify', 'Fastify alone, compiled response schema'],
    ['nest', 'NestJS on Fastify, one controller'],
  ]) {
    const port = await freePort();
    const ref = await reference(
      rung,
      [join(root, 'bench', 'lib', 'ladder-server.cjs'), rung, source, String(port)],
      port,
    );
    rungs.push({ name, url: `http://127.0.0.1:${port}${LIST}`, pid: ref.pid });
  }
  for (const s of started)
    rungs.push({
      name: s.name,
      url: `${s.process.url}${LIST}`,
      pid: s.process.pid,
      headers: s.features.auth ? AUTH : undefined,
    });

  for (const r of rungs) await load(r.url, { connections: 64, seconds: 2, headers: r.headers });
  for (const r of rungs) r.runs = [];
  /** One load run of a rung, with the CPU µs its process spent per request. */
  const measure = async (r) => {
    const cpu0 = cpuSecondsOf(r.pid);
    const x = await load(r.url, { connections: 64, seconds, headers: r.headers });
    r.runs.push({ ...x, us: ((cpuSecondsOf(r.pid) - cpu0) * 1e6) / (x.rps * seconds) });
  };
  for (let round = 0; round < rounds; round++) for (const r of rungs) await measure(r);
  const us = (r) => median(r.runs.map((x) => x.us));
  // The control: bare node:http made to spend the full service's CPU per request by busy-waiting, so
  // its latency is what that CPU time alone gives at 64 connections on this machine.
  const bare = rungs[0];
  const full = rungs.at(-1);
  if (bare?.name.startsWith('bare')) {
    const port = await freePort();
    const spin = Math.max(0, us(full) - us(bare));
    const ref = await reference(
      'spin',
      [join(root, 'bench', 'lib', 'ladder-server.cjs'), `spin:${spin}`, source, String(port)],
      port,
    );
    const control = {
      name: `control: bare node:http + ${Math.round(spin)} µs busy-wait`,
      url: `http://127.0.0.1:${port}${LIST}`,
      pid: ref.pid,
      runs: [],
    };
    await load(control.url, { connections: 64, seconds: 2 });
    for (let round = 0; round < rounds; round++) await measure(control);
    rungs.push(control);
  }
  // The tail by a second load generator, for the floor, the full service and the control.
  if (haveAb)
    for (const r of [bare, full, rungs.at(-1)]) {
      const runs = [];
      for (let round = 0; round < rounds; round++)
        runs.push(await load(r.url, { connections: 64, seconds, headers: r.headers, tool: 'ab' }));
      r.abP99 = median(runs.map((x) => x.p99));
    }
  const lines = [
    `listNodes (100 nodes, 26 KB) layer by layer: ${loadTool} -c64, ${rounds} × ${seconds} s alternating (medians), Node ${process.version}`,
    '',
    `| rung | req/s | p50 ms | p99 ms | p99 ms, ab -k | µs CPU / request | added by this layer |`,
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  let previous;
  for (const r of rungs) {
    const cost = us(r);
    const control = r.name.startsWith('control');
    const added =
      previous === undefined || control ? '' : `${cost - previous >= 0 ? '+' : ''}${Math.round(cost - previous)}`;
    const m = (k) => median(r.runs.map((x) => x[k]));
    lines.push(
      `| ${r.name} | ${Math.round(m('rps')).toLocaleString('en-US')} | ${m('p50').toFixed(1)} | ${m('p99').toFixed(1)} | ${r.abP99 ?? ''} | ${Math.round(cost)} | ${added} |`,
    );
    previous = cost;
  }
  console.log(lines.join('\n'));
} finally {
  for (const stop of stops) await stop();
}
