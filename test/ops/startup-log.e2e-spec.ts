import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call } from '../support/app';
import { FixtureServer } from '../support/fixture-server';
import { ServiceProcess, startService } from '../support/service-process';

const SECRET = 'do-token-startup-log-0123456789';

/** A site config with two clouds: the site's own default (a dummy) and a DigitalOcean with a token. */
function siteConfig(endpoint: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'co-startup-')), 'site.yaml');
  writeFileSync(
    file,
    [
      'clouds:',
      '  lab:',
      '    engine: dummy',
      '    default: true',
      '  do:',
      '    engine: digitalocean',
      `    password: ${SECRET}`,
      `    extraParams: { endpoint: "${endpoint}" }`,
      'health:',
      '  cloudCheckIntervalMs: 3600000',
    ].join('\n'),
  );
  return file;
}

/** Runs the built service until it listens, a little longer, then stops it; returns its output lines. */
async function startupOutput(env: Record<string, string>): Promise<{ lines: string[]; service: ServiceProcess }> {
  const service = await startService(env);
  await new Promise((r) => setTimeout(r, 300));
  await service.stop();
  const lines = service
    .output()
    .split('\n')
    .filter((l) => l.trim());
  return { lines, service };
}

const messages = (lines: string[], level: number) =>
  lines
    .map((l) => JSON.parse(l) as { level: number; msg: string; context?: string })
    .filter((l) => l.level === level)
    .map((l) => l.msg);

/**
 * What an operator reads at start-up, from the production build as a real process: at the default
 * level one line per cloud and one saying where it listens and where the docs are; Nest's module and
 * route tables only at debug.
 */
describe('start-up log of the built service', () => {
  let digitalOcean: FixtureServer;
  beforeAll(async () => {
    // Answers the boot-time health check of cloud "do", so the log has no warning about it.
    digitalOcean = await FixtureServer.start();
    digitalOcean.on({ method: 'GET', path: '/v2/account', file: 'digitalocean/account.json' });
  });
  afterAll(() => digitalOcean?.close());

  it('at the default level: the state store, one line per cloud (name, engine), one with the address and the docs, nothing else', async () => {
    const { lines, service } = await startupOutput({ CONFIG_FILE: siteConfig(digitalOcean.url), LOG_FORMAT: 'json' });
    // Every line is a JSON log line: no framework warnings on stderr either.
    expect(lines.filter((l) => !l.startsWith('{'))).toEqual([]);
    const started = messages(lines, 30).filter((m) => !/^SIGTERM|^stopped$/.test(m));
    expect(started).toEqual([
      // Where the state that must outlive the process is kept: an operator needs to know.
      expect.stringMatching(/^state store: /),
      'cloud lab: dummy (default)',
      'cloud do: digitalocean',
      expect.stringMatching(
        /^listening on http:\/\/127\.0\.0\.1:(\d+) \(API http:\/\/127\.0\.0\.1:\1\/api\/v1, Swagger UI http:\/\/127\.0\.0\.1:\1\/docs\) after \d+ ms$/,
      ),
    ]);
    expect(messages(lines, 40)).toEqual([]);
    expect(service.output()).not.toContain(SECRET);
  }, 30_000);

  it('shows the route tables and module wiring at debug', async () => {
    const { lines } = await startupOutput({ LOG_FORMAT: 'json', LOG_LEVEL: 'debug' });
    const debug = lines.map((l) => JSON.parse(l)).filter((l) => l.level === 20);
    expect(debug.map((l) => l.context)).toEqual(expect.arrayContaining(['InstanceLoader', 'RouterExplorer']));
    expect(debug.some((l) => /Mapped \{\/api\/v1\/clouds, GET\}|Mapped \{.*clouds.*GET\}/.test(l.msg))).toBe(true);
  }, 30_000);

  it('warns when a dummy cloud runs under NODE_ENV=production, naming it; not otherwise', async () => {
    const production = await startupOutput({ LOG_FORMAT: 'json', NODE_ENV: 'production' });
    expect(messages(production.lines, 40)).toEqual([
      expect.stringMatching(/^cloud default is the in-memory dummy cloud in production \(NODE_ENV=production\)/),
    ]);
    const development = await startupOutput({ LOG_FORMAT: 'json', NODE_ENV: 'development' });
    expect(messages(development.lines, 40)).toEqual([]);
  }, 30_000);

  it("serves the site's own default cloud under the name `default`, without the shipped demo cloud", async () => {
    const service = await startService({ CONFIG_FILE: siteConfig(digitalOcean.url) });
    try {
      const clouds = await call(service.url, 'GET', '/api/v1/clouds');
      expect(clouds.body.items.map((c: { name: string }) => c.name).sort()).toEqual(['do', 'lab']);
      expect((await call(service.url, 'GET', '/api/v1/clouds/default')).body).toMatchObject({
        name: 'lab',
        default: true,
      });
    } finally {
      await service.stop();
    }
  }, 30_000);
});
