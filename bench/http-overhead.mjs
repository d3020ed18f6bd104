#!/usr/bin/env node
// What the service costs on top of the bare minimum, measured in one run on this machine:
// the built service (dummy cloud, 100 nodes) against a plain node:http server that returns the very
// same bytes. Both on loopback; autocannon drives each in turn. Prints a Markdown table.
//   npm run build && node bench/http-overhead.mjs [seconds=5] [connections=20]
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const seconds = Number(process.argv[2] ?? 5);
const connections = Number(process.argv[3] ?? 20);
const root = new URL('..', import.meta.url).pathname;
const PATH = '/api/v1/clouds/default/nodes?limit=100';

async function startService(port) {
  const dir = mkdtempSync(join(tmpdir(), 'co-bench-'));
  writeFileSync(join(dir, 'bench.yaml'), 'rateLimit: {max: 1000000}\nclouds:\n  default:\n    engine: dummy\n    extraParams: {nodes: 100}\n');
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: root,
    env: { ...process.env, PORT: String(port), LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info', HOST: '127.0.0.1', CONFIG_FILE: join(dir, 'bench.yaml'), LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout.resume(); // logs are written (as in production) but not kept
  for (let i = 0; i < 200; i++) {
    const ready = await fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.ok, () => false);
    if (ready) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error('service did not become ready in 10 s');
}

function run(url) {
  return new Promise((resolve, reject) =>
    autocannon({ url, connections, duration: seconds, pipelining: 1 }, (err, result) => (err ? reject(err) : resolve(result))),
  );
}

const port = 39111;
const service = await startService(port);
try {
  const sample = await fetch(`http://127.0.0.1:${port}${PATH}`);
  const body = Buffer.from(await sample.arrayBuffer());
  const baseline = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(body));
  await new Promise((r) => baseline.listen(39112, '127.0.0.1', r));

  await run(`http://127.0.0.1:${port}${PATH}`); // warm-up (JIT) for both paths
  const targets = [
    ['baseline: node:http, same bytes', `http://127.0.0.1:39112${PATH}`],
    ['service: listNodes (100 nodes)', `http://127.0.0.1:${port}${PATH}`],
    ['service: /health/live', `http://127.0.0.1:${port}/health/live`],
  ];
  const rows = [];
  for (const [name, url] of targets) {
    const r = await run(url);
    rows.push({ name, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx });
  }
  baseline.close();
  console.log(`\n${seconds} s each, ${connections} connections, response ${body.length} bytes, Node ${process.version}, ${new Date().toISOString()}\n`);
  console.log('| target | req/s | p50 ms | p99 ms | errors | vs baseline |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const ratio = (r.rps / rows[0].rps).toFixed(2);
    console.log(`| ${r.name} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${r.errors} | ${ratio}× |`);
  }
} finally {
  service.kill('SIGTERM');
}
