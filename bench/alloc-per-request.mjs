#!/usr/bin/env node
// Bytes allocated per request on one hot path, by allocation site: runs a build as a production
// process with the bench's settings (auth, logs, rate limits on), warms it up, then samples every
// allocation (V8's sampling heap profiler, collected objects included) while a fixed number of
// requests is served, and prints KB per request by package and by function. Allocation per request
// does not depend on machine load, unlike req/s.
//   node bench/alloc-per-request.mjs [build dir=dist] [path] [requests=4000] [concurrency=16]
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, get } from 'node:http';
import { root, startService } from './lib/processes.mjs';

const [dir = 'dist', path = '/api/v1/clouds/default/nodes'] = process.argv.slice(2);
const requests = Number(process.argv[4] ?? 4000);
const concurrency = Number(process.argv[5] ?? 16);
const KEY = 'bench-key-0123456789abcdef';
if (!existsSync(`${dir}/main.js`)) throw new Error(`no build at ${dir}/main.js`);
const out = join(mkdtempSync(join(tmpdir(), 'co-alloc-')), 'alloc.heapprofile');
const service = await startService({
  entry: `${dir}/main.js`,
  nodeArgs: [...(process.env.ALLOC_NODE_FLAGS?.split(/\s+/) ?? []), '-r', join(root, 'bench/lib/alloc-sampler.cjs')],
  env: { ALLOC_PROFILE_OUT: out },
  settings: {
    auth: { apiKeys: [{ name: 'bench', key: KEY, scopes: ['read'] }] },
    rateLimit: { perKey: { bench: 1_000_000 } },
    clouds: { default: { engine: 'dummy', extraParams: { nodes: 100 } } },
    state: { path: ':memory:' },
  },
});
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
const headers = { authorization: `Bearer ${KEY}` };
let bytes = 0;
async function run(n) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < n) {
        bytes = await new Promise((resolve, reject) =>
          get(`${service.url}${path}`, { headers, agent }, (res) => {
            let n = 0;
            res.on('data', (d) => (n += d.length));
            res.on('end', () =>
              res.statusCode === 200 ? resolve(n) : reject(new Error(`${path}: ${res.statusCode}`)),
            );
          }).on('error', reject),
        );
      }
    }),
  );
}
try {
  await run(requests / 2); // warm-up: optimised code, pools and caches filled
  process.kill(service.pid, 'SIGUSR2');
  await sleep(200);
  await run(requests);
  process.kill(service.pid, 'SIGUSR2');
  for (let i = 0; i < 100 && !existsSync(out); i++) await sleep(100);
  await sleep(300);
} finally {
  await service.stop();
  agent.destroy();
}
const profile = JSON.parse(readFileSync(out, 'utf8'));
const fns = new Map();
const pkgs = new Map();
let total = 0;
// ALLOC_STACKS=<function name>: also print the call paths that allocate in that function.
const stacks = new Map();
(function walk(node, path = []) {
  const here = [
    ...path,
    `${node.callFrame.functionName || '(anon)'}@${node.callFrame.url.split('/').pop()}:${node.callFrame.lineNumber + 1}`,
  ];
  if (node.selfSize && node.callFrame.functionName === process.env.ALLOC_STACKS) {
    const key = here.slice(-8, -1).join(' < ');
    stacks.set(key, (stacks.get(key) ?? 0) + node.selfSize);
  }
  const self = node.selfSize;
  if (self) {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(dist|src)\//, '$1/');
    const fn = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
    fns.set(fn, (fns.get(fn) ?? 0) + self);
    const tail = url.split('node_modules/').pop();
    const pkg = url.includes('node_modules/')
      ? tail
          .split('/')
          .slice(0, tail.startsWith('@') ? 2 : 1)
          .join('/')
      : url.includes('/dist/')
        ? 'service (dist)'
        : url ||
          // fast-json-stringify's generated code has no script URL: its functions are anonymous<N>.
          (/^anonymous\d+$/.test(functionName) ? 'compiled serializers' : `(${functionName || 'native'})`);
    pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + self);
    total += self;
  }
  for (const c of node.children ?? []) walk(c, here);
})(profile.head);
const kb = (b) => (b / requests / 1024).toFixed(1).padStart(7);
console.log(`${path} (${bytes} bytes answered), ${requests} requests at ${concurrency} concurrent, build ${dir}`);
console.log(`allocated per request: ${kb(total).trim()} KB`);
const gc = JSON.parse(readFileSync(`${out}.gc.json`, 'utf8'));
// Counts only: the sampler's per-sample handles make each collection slower than it is unprofiled.
for (const [kind, { count }] of Object.entries(gc))
  console.log(`  GC ${kind}: ${count} (one per ${(requests / count).toFixed(1)} requests)`);
console.log('\nby package (KB/request):');
for (const [k, v] of [...pkgs].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${kb(v)}  ${k}`);
console.log('\nby function (KB/request):');
for (const [k, v] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.ALLOC_TOP ?? 30)))
  console.log(`  ${kb(v)}  ${k}`);
if (stacks.size) {
  console.log(`\ncall paths allocating in ${process.env.ALLOC_STACKS} (KB/request):`);
  for (const [k, v] of [...stacks].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`  ${kb(v)}  ${k}`);
}
