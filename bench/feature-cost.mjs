#!/usr/bin/env node
// What caller rate limiting and tracing cost per request, measured in one run on this machine: the
// built service (dummy cloud, 10 nodes) started once per variant, each driven by autocannon in turn
// (twice, interleaved, to even out a loaded machine). Prints a Markdown table.
//   npm run build && node bench/feature-cost.mjs [seconds=4] [connections=10]
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const seconds = Number(process.argv[2] ?? 4);
const connections = Number(process.argv[3] ?? 10);
const root = new URL('..', import.meta.url).pathname;
const PATH = '/api/v1/clouds/default/nodes?limit=10';
const CLOUDS = 'clouds:\n  default:\n    engine: dummy\n    extraParams: {nodes: 10}\n';

// Each variant: a settings file. Add a variant here when a per-request feature lands.
// OTLP sink for the exported-tracing variant: accepts and drops what the exporter sends.
const sink = createServer((req, res) => req.resume().on('end', () => res.end('{}')));
await new Promise((r) => sink.listen(39299, '127.0.0.1', r));
sink.unref();
const OFF = 'rateLimit: {enabled: false}\ntracing: {enabled: false}\n';
const variants = [
  ['rate limits and tracing off', OFF],
  ['rate limits on', 'rateLimit: {max: 1000000}\ntracing: {enabled: false}\n'],
  ['tracing on, not exported (default)', 'rateLimit: {enabled: false}\n'],
  ['tracing on, every span exported', 'rateLimit: {enabled: false}\ntracing: {otlpEndpoint: "http://127.0.0.1:39299/v1/traces"}\n'],
  ['defaults (rate limits + tracing)', 'rateLimit: {max: 1000000}\n'],
];

async function start(yaml, port) {
  const dir = mkdtempSync(join(tmpdir(), 'co-cost-'));
  writeFileSync(join(dir, 'bench.yaml'), yaml + CLOUDS);
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      CONFIG_FILE: join(dir, 'bench.yaml'),
      LOG_FORMAT: 'json',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 200; i++) {
    if (
      await fetch(`http://127.0.0.1:${port}/health/ready`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error('service did not become ready in 10 s');
}

const run = (url) =>
  new Promise((resolve, reject) =>
    autocannon({ url, connections, duration: seconds }, (err, r) => (err ? reject(err) : resolve(r))),
  );

const services = [];
try {
  for (let i = 0; i < variants.length; i++) services.push(await start(variants[i][1], 39211 + i));
  const results = variants.map(() => []);
  for (let i = 0; i < variants.length; i++) await run(`http://127.0.0.1:${39211 + i}${PATH}`); // warm-up
  // CPU time the service process spent per request (Linux /proc): steadier than req/s on a loaded machine.
  const cpu = variants.map(() => ({ ms: 0, requests: 0 }));
  for (let round = 0; round < 2; round++)
    for (let i = 0; i < variants.length; i++) {
      const before = cpuMs(services[i].pid);
      const r = await run(`http://127.0.0.1:${39211 + i}${PATH}`);
      cpu[i].ms += cpuMs(services[i].pid) - before;
      cpu[i].requests += r.requests.total;
      results[i].push(r);
    }
  console.log(`\nGET ${PATH}, ${seconds} s x 2 each, ${connections} connections, Node ${process.version}\n`);
  console.log('| variant | req/s | mean µs/request | p99 ms | non-2xx | cost vs first | service CPU µs/request | CPU vs first |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  const cpuBase = (cpu[0].ms * 1000) / cpu[0].requests;
  const base = 1e6 / avg(results[0].map((r) => r.requests.average));
  for (let i = 0; i < variants.length; i++) {
    const rps = avg(results[i].map((r) => r.requests.average));
    const micros = 1e6 / rps; // CPU-bound on one event loop: time per request
    const non2xx = results[i].reduce((n, r) => n + r.non2xx + r.errors, 0);
    const p99 = Math.max(...results[i].map((r) => r.latency.p99));
    const cpuPer = (cpu[i].ms * 1000) / cpu[i].requests;
    const signed = (n) => (n >= 0 ? '+' : '') + n.toFixed(0);
    console.log(
      `| ${variants[i][0]} | ${Math.round(rps)} | ${micros.toFixed(0)} | ${p99} | ${non2xx} | ${signed(micros - base)} µs | ${cpuPer.toFixed(0)} | ${signed(cpuPer - cpuBase)} µs |`,
    );

  }
} finally {
  for (const s of services) s.kill('SIGTERM');
}

/** User + system CPU milliseconds of a process so far (Linux; clock ticks of 10 ms). */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function avg(values) {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
