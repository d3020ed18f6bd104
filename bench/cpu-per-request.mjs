#!/usr/bin/env node
// CPU time per request of one hot path, for two builds side by side (A/B): each build runs as its own
// production process with the bench's settings (auth, logs, rate limits on), both are loaded in turn,
// round after round, and the CPU seconds each process used (/proc/<pid>/stat) are divided by the
// requests it served. On a shared, loaded machine this is far steadier than req/s.
//   node bench/cpu-per-request.mjs [baseline build dir=dist-base] [path] [seconds=5] [rounds=4]
// BENCH_A_FLAGS / BENCH_B_FLAGS: extra Node flags for either process (e.g. to compare GC settings);
// BENCH_A_ENV / BENCH_B_ENV: extra environment, `NAME=value NAME2=value` (e.g. glibc's MALLOC_ARENA_MAX).
// Make a baseline: `npm run build && cp -a dist dist-base`, change code, `npm run build`, run this.
import { existsSync } from 'node:fs';
import { load, median } from './lib/load.mjs';
import { startService } from './lib/processes.mjs';

const [baseDir = 'dist-base', path = '/api/v1/clouds/default/nodes'] = process.argv.slice(2);
const seconds = Number(process.argv[4] ?? 5);
const rounds = Number(process.argv[5] ?? 4);
const KEY = 'bench-key-0123456789abcdef';
const headers = { Authorization: `Bearer ${KEY}` };
const settings = {
  auth: { apiKeys: [{ name: 'bench', key: KEY, scopes: ['read', 'write'] }] },
  rateLimit: { perKey: { bench: 1_000_000 } },
  clouds: { default: { engine: 'dummy', extraParams: { nodes: 100 } } },
};
if (!existsSync(`${baseDir}/main.js`)) throw new Error(`no baseline build at ${baseDir}/main.js`);
const builds = [
  { name: `A ${baseDir}`, entry: `${baseDir}/main.js`, flags: process.env.BENCH_A_FLAGS, env: process.env.BENCH_A_ENV },
  { name: 'B dist', entry: 'dist/main.js', flags: process.env.BENCH_B_FLAGS, env: process.env.BENCH_B_ENV },
];
for (const b of builds) {
  const nodeArgs = b.flags ? b.flags.split(/\s+/) : [];
  if (b.flags) b.name += ` ${b.flags}`;
  const env = Object.fromEntries((b.env ?? '').split(/\s+/).filter(Boolean).map((pair) => pair.split(/=(.*)/s, 2)));
  if (b.env) b.name += ` ${b.env}`;
  // Each its own in-memory store: two builds must not share (or migrate) one SQLite file.
  b.service = await startService({ settings: { ...settings, state: { path: ':memory:' } }, entry: b.entry, nodeArgs, env });
}
try {
  for (const b of builds) await load(`${b.service.url}${path}`, { connections: 64, seconds: 2, headers });
  for (const b of builds) b.runs = [];
  for (let r = 0; r < rounds; r++) {
    for (const b of builds) {
      const cpu0 = b.service.cpuSeconds();
      const x = await load(`${b.service.url}${path}`, { connections: 64, seconds, headers });
      const cpu = b.service.cpuSeconds() - cpu0;
      b.runs.push({ ...x, usPerRequest: (cpu * 1e6) / (x.rps * seconds) });
    }
  }
  console.log(`${path}, wrk -t2 -c64, ${rounds} × ${seconds} s alternating (medians)`);
  for (const b of builds) {
    const m = (k) => median(b.runs.map((x) => x[k]));
    console.log(
      `${b.name.padEnd(24)} ${Math.round(m('rps')).toString().padStart(6)} req/s  p50 ${m('p50').toFixed(1)} ms  p99 ${m('p99').toFixed(1)} ms  ${m('usPerRequest').toFixed(0)} µs CPU/request  [${b.runs.map((x) => x.usPerRequest.toFixed(0)).join(' ')}]`,
    );
  }
} finally {
  for (const b of builds) await b.service.stop();
}
