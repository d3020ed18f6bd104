// Load generation: wrk (Debian's) when installed, otherwise autocannon from npm. Both report req/s and
// the latency distribution; wrk costs less CPU on this 2-core machine, so it is preferred.
import { execFileSync, spawn } from 'node:child_process';
import autocannon from 'autocannon';

let wrkPath;
try {
  wrkPath = execFileSync('sh', ['-c', 'command -v wrk'], { encoding: 'utf8' }).trim() || undefined;
} catch {
  wrkPath = undefined;
}
export const loadTool = wrkPath ? 'wrk' : 'autocannon';

let abPath;
try {
  abPath = execFileSync('sh', ['-c', 'command -v ab'], { encoding: 'utf8' }).trim() || undefined;
} catch {
  abPath = undefined;
}
/**
 * ApacheBench (Debian's apache2-utils), a second, single-threaded load generator for the latency
 * tail: on this 2-vCPU machine wrk's p99 at 64 connections ran 5–10× what the server's own timestamps
 * and ab saw for the same server in the same minute (see the README's performance section).
 */
export const haveAb = abPath !== undefined;

/** wrk prints "1.23ms", "850.00us", "1.02s". */
function ms(text) {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
}

/** Runs a load tool with `args`, the headers and the URL; resolves with parse(its output). */
function runTool(tool, path, args, { headers, url }, parse) {
  for (const [k, v] of Object.entries(headers ?? {})) args.push('-H', `${k}: ${v}`);
  args.push(url);
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', () => {
      const result = parse(out);
      if (!Number.isFinite(result.rps)) reject(new Error(`${tool} printed no result for ${url}:\n${out}`));
      else resolve(result);
    });
  });
}

function runWrk(url, { connections, seconds, headers }) {
  const args = ['-t2', `-c${connections}`, `-d${seconds}s`, '--latency'];
  return runTool('wrk', wrkPath, args, { headers, url }, (out) => {
    const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
    const sockErr = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
    return {
      rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
      p50: ms(/\s50%\s+(\S+)/.exec(out)?.[1] ?? ''),
      p99: ms(/\s99%\s+(\S+)/.exec(out)?.[1] ?? ''),
      errors: non2xx + (sockErr ? sockErr.slice(1).reduce((a, b) => a + Number(b), 0) : 0),
    };
  });
}

function runAb(url, { connections, seconds, headers }) {
  // -k keep-alive (as wrk), -t a time limit (with -n large enough not to end first).
  const args = ['-k', '-q', '-c', String(connections), '-t', String(seconds), '-n', '10000000'];
  return runTool('ab', abPath, args, { headers, url }, (out) => {
    // ab prints whole milliseconds: "  50%     12", "  99%     27".
    const pct = (p) => Number(new RegExp(`^\\s+${p}%\\s+(\\d+)`, 'm').exec(out)?.[1]);
    const failed = Number(/Failed requests:\s+(\d+)/.exec(out)?.[1] ?? 0);
    const non2xx = Number(/Non-2xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
    return {
      rps: Number(/Requests per second:\s+([\d.]+)/.exec(out)?.[1]),
      p50: pct(50),
      p99: pct(99),
      errors: failed + non2xx,
    };
  });
}

function runAutocannon(url, { connections, seconds, headers }) {
  return new Promise((resolve, reject) =>
    autocannon({ url, connections, duration: seconds, headers }, (err, r) =>
      err
        ? reject(err)
        : resolve({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx }),
    ),
  );
}

/** One load run: { rps, p50, p99 (ms), errors }. */
export function load(url, options) {
  if (options.tool === 'ab') return runAb(url, options);
  return wrkPath ? runWrk(url, options) : runAutocannon(url, options);
}

/** Median of numbers. */
export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Loads several targets in turn, round after round (so drift from other work on the machine hits all
 * alike), after a short warm-up of each; per target the median of its rounds.
 */
export async function alternate(targets, { rounds, seconds, warmupSeconds, connections, tool }) {
  for (const t of targets) await load(t.url, { connections, seconds: warmupSeconds, headers: t.headers, tool });
  const runs = new Map(targets.map((t) => [t.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const t of targets)
      runs.get(t.name).push(await load(t.url, { connections, seconds, headers: t.headers, tool }));
  }
  return targets.map((t) => {
    const rs = runs.get(t.name);
    return {
      name: t.name,
      rps: median(rs.map((x) => x.rps)),
      p50: median(rs.map((x) => x.p50)),
      p99: median(rs.map((x) => x.p99)),
      errors: rs.reduce((a, x) => a + x.errors, 0),
      runs: rs.map((x) => Math.round(x.rps)),
    };
  });
}

/** Latency of sequential single requests: { p50, p99, max } in ms and the last status. */
export async function sequential(url, { count, headers }) {
  const times = [];
  let status = 0;
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const res = await fetch(url, { headers });
    await res.arrayBuffer();
    times.push(performance.now() - started);
    status = res.status;
  }
  times.sort((a, b) => a - b);
  return {
    p50: median(times),
    p99: times[Math.min(times.length - 1, Math.floor(times.length * 0.99))],
    max: times.at(-1),
    status,
  };
}
