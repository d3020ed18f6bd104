import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../support/app';
import { freePort, ROOT } from '../support/service-process';

/** Kills every process whose working directory is `dir` (this test's own copy; an orphan, if any). */
function killProcessesIn(dir: string): void {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readlinkSync(`/proc/${pid}/cwd`) === dir) process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone already, or not ours to read
    }
  }
}

/** Answers of GET url: the status, or 0 when nothing answers (connection refused). */
async function status(url: string): Promise<number> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

/**
 * The README's quick start, `npm start`, as a supervisor runs it: SIGTERM goes to npm, the process it
 * started. `nest start` ran the server as its own child and died on the signal without passing it
 * on, so the server stayed up, orphaned, holding the port and never draining. Run in a copy of the
 * project (its own dist and ./data), so the build it does cannot disturb the suites using dist/.
 */
describe('npm start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'co-npm-start-'));
  beforeAll(() => {
    for (const entry of ['package.json', 'nest-cli.json', 'tsconfig.json', 'tsconfig.build.json', 'src', 'config'])
      cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the dummy cloud, and SIGTERM to npm drains and stops the server it started', async () => {
    const port = await freePort();
    const npm = spawn('npm', ['start'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir, HOST: '127.0.0.1', PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    npm.stdout.on('data', (d) => (output += d));
    npm.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
    const base = `http://127.0.0.1:${port}`;
    try {
      // On a timeout, what npm and the server printed is the failure's message.
      await waitFor(async () => (await status(`${base}/health/ready`)) === 200, 60_000, 200).catch(() => {
        throw new Error(`npm start did not become ready:\n${output}`);
      });
      expect(await status(`${base}/api/v1/clouds/default/nodes`)).toBe(200);

      npm.kill('SIGTERM');
      await exited;
      // Nothing may still answer on the port: an orphaned server would.
      await waitFor(async () => (await status(`${base}/health/live`)) === 0, 10_000, 200);
      expect(output).toMatch(/SIGTERM: draining/);
      expect(output).toMatch(/"msg":"stopped"|stopped/);
    } finally {
      if (npm.exitCode === null) npm.kill('SIGKILL');
      killProcessesIn(dir);
    }
  }, 90_000);
});
