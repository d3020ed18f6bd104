#!/usr/bin/env node
// What an Idempotency-Key adds to createNode, measured in one run: the built service (dummy cloud,
// embedded SQLite store in a temporary folder, or PostgreSQL with STATE_URL=postgres://...) gets
// creates one at a time, alternating without a key and with a fresh key, so both see the same load.
// Prints p50/p95 of each, the added p50, and a replay's p50 (same key sent again).
//   npm run build && node bench/idempotency-cost.mjs [pairs=400]
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const pairs = Number(process.argv[2] ?? 400);
const root = new URL('..', import.meta.url).pathname;
const port = 39000 + Math.floor(Math.random() * 900);
const dir = mkdtempSync(join(tmpdir(), 'co-idem-bench-'));
const state = process.env.STATE_URL ? `state: {url: "${process.env.STATE_URL}"}` : `state: {path: "${join(dir, 'state.db')}"}`;
writeFileSync(
  join(dir, 'bench.yaml'),
  `${state}\nrateLimit: {enabled: false}\ntracing: {enabled: false}\n` +
    'clouds:\n  default:\n    engine: dummy\n    extraParams: {transitionMs: 10}\n',
);
const child = spawn(process.execPath, ['dist/main.js'], {
  cwd: root,
  env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', CONFIG_FILE: join(dir, 'bench.yaml'), LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const base = `http://127.0.0.1:${port}`;
try {
  for (let i = 0; ; i++) {
    if (await fetch(`${base}/health/ready`).then((r) => r.ok, () => false)) break;
    if (i > 200) throw new Error('service did not become ready in 10 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  const body = (n) => JSON.stringify({ name: `bench-${n}`, image: 'img-debian-12', size: 'small' });
  const create = async (n, key) => {
    const started = performance.now();
    const res = await fetch(`${base}/api/v1/clouds/default/nodes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
      body: body(n),
    });
    await res.arrayBuffer();
    if (res.status !== 202) throw new Error(`create answered ${res.status}`);
    return performance.now() - started;
  };
  for (let i = 0; i < 50; i++) await create(`warm-${i}`, i % 2 ? `"${randomUUID()}"` : undefined);
  const without = [];
  const withKey = [];
  const replay = [];
  for (let i = 0; i < pairs; i++) {
    without.push(await create(`a-${i}`));
    const key = `"${randomUUID()}"`;
    withKey.push(await create(`b-${i}`, key));
    if (i % 4 === 0) replay.push(await create(`b-${i}`, key));
  }
  const q = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
  const ms = (x) => `${x.toFixed(2)} ms`;
  console.log(`store: ${process.env.STATE_URL ? 'PostgreSQL' : 'SQLite file'}; ${pairs} creates each way, interleaved`);
  console.log('| createNode | p50 | p95 |\n| --- | --- | --- |');
  console.log(`| without Idempotency-Key | ${ms(q(without, 0.5))} | ${ms(q(without, 0.95))} |`);
  console.log(`| with a new Idempotency-Key | ${ms(q(withKey, 0.5))} | ${ms(q(withKey, 0.95))} |`);
  console.log(`| replay (same key again) | ${ms(q(replay, 0.5))} | ${ms(q(replay, 0.95))} |`);
  console.log(`added p50 of a key: ${ms(q(withKey, 0.5) - q(without, 0.5))}`);
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
