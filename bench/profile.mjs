#!/usr/bin/env node
// Where a hot path's time goes: runs the built service under `node --cpu-prof`, loads one path, and
// prints the functions with the most self time and the packages they belong to (the .cpuprofile is
// kept for Chrome DevTools / speedscope).
//   node bench/profile.mjs [path=/api/v1/clouds/default/nodes] [seconds=8]
import { readdirSync, readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from './lib/load.mjs';
import { startService } from './lib/processes.mjs';

const path = process.argv[2] ?? '/api/v1/clouds/default/nodes';
const seconds = Number(process.argv[3] ?? 8);
const KEY = 'bench-key-0123456789abcdef';
const dir = mkdtempSync(join(tmpdir(), 'co-prof-'));
const service = await startService({
  nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
  settings: {
    auth: { apiKeys: [{ name: 'bench', key: KEY, scopes: ['read'] }] },
    rateLimit: { perKey: { bench: 1_000_000 } },
    clouds: { default: { engine: 'dummy', extraParams: { nodes: 100 } } },
  },
});
const headers = { Authorization: `Bearer ${KEY}` };
await load(`${service.url}${path}`, { connections: 64, seconds: 2, headers });
const r = await load(`${service.url}${path}`, { connections: 64, seconds, headers });
await service.stop();
const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = profile.timeDeltas;
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (dt[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const fns = new Map();
const pkgs = new Map();
for (const [id, us] of self) {
  const { functionName, url, lineNumber } = byId.get(id).callFrame;
  const where = url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(dist|src)\//, '$1/');
  const key = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
  fns.set(key, (fns.get(key) ?? 0) + us);
  const pkg = url.includes('node_modules/')
    ? url
        .split('node_modules/')
        .pop()
        .split('/')
        .slice(0, url.split('node_modules/').pop().startsWith('@') ? 2 : 1)
        .join('/')
    : url.includes('/dist/')
      ? 'service (dist)'
      : url.startsWith('node:') || !url
        ? functionName.startsWith('(')
          ? functionName
          : 'node core / native'
        : url;
  pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + us);
}
const pct = (us) => `${((100 * us) / total).toFixed(1)}%`;
console.log(
  `${path}: ${Math.round(r.rps)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms under the profiler; profile ${join(dir, file)}\n`,
);
console.log('self time by package:');
for (const [k, v] of [...pkgs].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${pct(v).padStart(6)}  ${k}`);
console.log('\ntop functions by self time:');
for (const [k, v] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${pct(v).padStart(6)}  ${k}`);
