// Time for a node set to reach `ready` on dummy clouds: a 20-node set (10 + 10 on two clouds) against
// a one-node set (the baseline), measured in the same run on the built service (npm run build first).
// Each size is created REPEAT times, alternating, and the medians printed. The dummy clouds take
// transitionMs (500) to move a node from pending to running, and maxConcurrentCreates stays at its default (5).
// Usage: node bench/node-set-time.mjs [repeat]
import { startService } from './lib/processes.mjs';

const REPEAT = Number(process.argv[2] ?? 5);
const settings = {
  state: { path: ':memory:' },
  rateLimit: { enabled: false },
  nodeSets: { pollIntervalMs: 100 },
  clouds: {
    default: { engine: 'dummy', extraParams: { transitionMs: 500, latencyMs: 20 } },
    east: { engine: 'dummy', extraParams: { transitionMs: 500, latencyMs: 20 } },
  },
};

const service = await startService({ settings });
const base = service.url;
const json = async (method, path, body) => {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  return r.json();
};

async function timeSet(nodes) {
  const started = performance.now();
  const set = await json('POST', '/api/v1/node-sets', { name: 'bench', nodes });
  for (;;) {
    const op = await json('GET', `/api/v1/operations/${set.operationId}?wait=30`);
    if (op.done) {
      if (op.state !== 'succeeded') throw new Error(`set failed: ${JSON.stringify(op.error)}`);
      break;
    }
  }
  const ms = performance.now() - started;
  const del = await json('DELETE', `/api/v1/node-sets/${set.id}`);
  await json('GET', `/api/v1/operations/${del.operationId}?wait=30`);
  return ms;
}

const one = [{ cloud: 'default', name: 'one', image: 'img-debian-12', size: 'small' }];
const twenty = [
  { cloud: 'default', name: 'web', image: 'img-debian-12', size: 'small', count: 10 },
  { cloud: 'east', name: 'db', image: 'img-debian-12', size: 'small', count: 10 },
];
const times = { one: [], twenty: [] };
try {
  for (let i = 0; i < REPEAT; i++) {
    times.one.push(await timeSet(one));
    times.twenty.push(await timeSet(twenty));
  }
} finally {
  await service.stop();
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const m1 = median(times.one);
const m20 = median(times.twenty);
console.log(`node set to ready on dummy clouds (transitionMs 500, latencyMs 20, ${REPEAT} runs each, medians):`);
console.log(`  1 node:   ${m1.toFixed(0)} ms`);
console.log(`  20 nodes: ${m20.toFixed(0)} ms  (${(m20 / m1).toFixed(2)}x the one-node set)`);
