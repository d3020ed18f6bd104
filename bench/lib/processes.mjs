// Child processes of the benchmark: the built service with a given configuration, and the reference
// servers. Every child is started on 127.0.0.1 and stopped by its own PID.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const root = new URL('../..', import.meta.url).pathname;

async function until(url, ok, timeoutMs) {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const ready = await fetch(url).then(
      (r) => r.arrayBuffer().then(() => ok(r)),
      () => false,
    );
    if (ready) return true;
    await sleep(5);
  }
  return false;
}

/** CPU seconds (user + system) process `pid` has used so far (Linux). */
export function cpuSecondsOf(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** A port free on 127.0.0.1 right now (other developers run servers on this machine too). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * The production command (package.json's start:prod, which the Dockerfile mirrors): its environment
 * (`NAME=value` words before `node`) and its Node flags.
 */
export function productionCommand() {
  const words = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts['start:prod'].split(/\s+/);
  const node = words.indexOf('node');
  const env = Object.fromEntries(words.slice(0, node).map((pair) => pair.split(/=(.*)/s, 2)));
  return { env, flags: words.slice(node + 1).filter((word) => word.startsWith('--')) };
}

/**
 * Starts `node dist/main.js` (or another build's `entry`) with the production command's environment and flags, with settings written as its only config file (JSON is YAML). Resolves
 * once /health/ready answers 200, with the time that took (spawn to ready) and a stop() that sends
 * SIGTERM to this child only.
 */
export async function startService({ port: wanted, settings, env = {}, nodeArgs = [], entry = 'dist/main.js' }) {
  const port = wanted ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'co-bench-'));
  writeFileSync(join(dir, 'default.yaml'), JSON.stringify(settings));
  const started = performance.now();
  const production = productionCommand();
  const child = spawn(process.execPath, [...production.flags, ...nodeArgs, entry], {
    cwd: root,
    env: {
      ...process.env,
      ...production.env,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      CONFIG_DIR: dir,
      CONFIG_FILE: '',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stdout.resume(); // logs are written, as in production, and dropped
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const ready = await Promise.race([
    until(`http://127.0.0.1:${port}/health/ready`, (r) => r.status === 200, 20_000),
    exited.then(() => false),
  ]);
  const readyMs = performance.now() - started;
  if (!ready) {
    child.kill('SIGKILL');
    throw new Error(`the service did not become ready on port ${port}:\n${stderr}`);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    readyMs,
    /** CPU seconds (user + system) this process has used so far (Linux). */
    cpuSeconds: () => cpuSecondsOf(child.pid),
    /**
     * Resident set size now, in MB (10^6 bytes; the kernel counts kB = 1024 bytes), with its two
     * parts: anonymous memory (V8's heap, malloc) and file-backed pages (the node binary, libraries).
     */
    rssMB() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const mb = (field) => {
        const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
        return m ? (Number(m[1]) * 1024) / 1e6 : NaN;
      };
      return { rss: mb('VmRSS'), anon: mb('RssAnon'), file: mb('RssFile') };
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000).then(() => child.kill('SIGKILL'))]);
    },
  };
}

/** Starts a reference server; resolves when `probe` answers 200. */
export async function startReference(command, args, { probe, cwd, env = {} }) {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const ok = await Promise.race([until(probe, (r) => r.status === 200, 15_000), exited.then(() => false)]);
  if (!ok) {
    child.kill('SIGKILL');
    throw new Error(`${command} ${args.join(' ')} did not start:\n${output}`);
  }
  return {
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000).then(() => child.kill('SIGKILL'))]);
    },
  };
}
