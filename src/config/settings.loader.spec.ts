import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config-error';
import { deepMerge, defaultCloudName, loadSettings, substituteEnv, validateSettings } from './settings.loader';

function configDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'co-config-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('loadSettings', () => {
  it('reads default.yaml and fills defaults', () => {
    const dir = configDir({ 'default.yaml': 'clouds:\n  default:\n    engine: dummy\n' });
    const settings = loadSettings({ configDir: dir, env: {} });
    expect(settings.clouds.default).toEqual({ engine: 'dummy', timeoutMs: 30000, extraParams: {} });
  });

  it('merges CONFIG_FILE over the defaults, cloud by cloud, and substitutes ${VAR}', () => {
    const dir = configDir({
      'default.yaml': 'clouds:\n  default:\n    engine: dummy\n    extraParams: {nodes: 3}\n',
      'site.yaml':
        'clouds:\n  default:\n    extraParams: {transitionMs: 5}\n  lab:\n    engine: openstack\n    password: ${LAB_PASSWORD}\n    user: ${LAB_USER:-demo}\n',
    });
    const settings = loadSettings({
      configDir: dir,
      env: { CONFIG_FILE: join(dir, 'site.yaml'), LAB_PASSWORD: 's3cret' },
    });
    expect(settings.clouds.default.extraParams).toEqual({ nodes: 3, transitionMs: 5 });
    expect(settings.clouds.lab).toMatchObject({ engine: 'openstack', user: 'demo', password: 's3cret' });
  });

  it('uses config/<NODE_ENV>.yaml when present', () => {
    const dir = configDir({
      'default.yaml': 'clouds:\n  default:\n    engine: dummy\n',
      'staging.yaml': 'clouds:\n  default:\n    timeoutMs: 1234\n',
    });
    expect(loadSettings({ configDir: dir, env: { NODE_ENV: 'staging' } }).clouds.default.timeoutMs).toBe(1234);
    expect(loadSettings({ configDir: dir, env: { NODE_ENV: 'production' } }).clouds.default.timeoutMs).toBe(30000);
  });

  it('names the field and the variable when an environment variable is missing, never a value', () => {
    const dir = configDir({
      'default.yaml': 'clouds:\n  default:\n    engine: dummy\n    password: ${NOPE_PASSWORD}\n',
    });
    expect(() => loadSettings({ configDir: dir, env: {} })).toThrow(
      'clouds.default.password: environment variable NOPE_PASSWORD is not set',
    );
  });

  it('reports bad YAML and missing files as ConfigError', () => {
    const dir = configDir({ 'default.yaml': 'clouds: [\n' });
    expect(() => loadSettings({ configDir: dir, env: {} })).toThrow(ConfigError);
    expect(() => loadSettings({ configDir: dir, env: { CONFIG_FILE: '/nonexistent.yaml' } })).toThrow(
      /not valid YAML|not found/,
    );
    const empty = configDir({});
    expect(() => loadSettings({ configDir: empty, env: {} })).toThrow(/configuration file not found/);
  });

  describe('a site file and the shipped demo cloud (config/default.yaml)', () => {
    const SHIPPED = 'clouds:\n  default:\n    engine: dummy\n    extraParams: {nodes: 3}\n';
    const load = (site: string, env: NodeJS.ProcessEnv = {}) => {
      const dir = configDir({ 'default.yaml': SHIPPED, 'site.yaml': site });
      return loadSettings({ configDir: dir, env: { ...env, CONFIG_FILE: join(dir, 'site.yaml') } });
    };

    it('a site cloud marked default: true replaces the demo cloud: no conflict, no `default: null` needed', () => {
      const settings = load('clouds:\n  lab:\n    engine: dummy\n    default: true\n');
      expect(Object.keys(settings.clouds)).toEqual(['lab']);
      expect(defaultCloudName(settings.clouds)).toBe('lab');
    });

    it('also when the site file is config/<NODE_ENV>.yaml, and with several site clouds', () => {
      const dir = configDir({
        'default.yaml': SHIPPED,
        'production.yaml': 'clouds:\n  a:\n    engine: dummy\n  b:\n    engine: dummy\n    default: true\n',
      });
      const settings = loadSettings({ configDir: dir, env: { NODE_ENV: 'production' } });
      expect(Object.keys(settings.clouds).sort()).toEqual(['a', 'b']);
      expect(defaultCloudName(settings.clouds)).toBe('b');
    });

    it('a site file that adds clouds without marking one keeps the demo cloud as the default', () => {
      const settings = load('clouds:\n  lab:\n    engine: dummy\n');
      expect(Object.keys(settings.clouds).sort()).toEqual(['default', 'lab']);
      expect(defaultCloudName(settings.clouds)).toBe('default');
    });

    it('a site file that configures `default` itself and marks another cloud is refused, naming both', () => {
      expect(() =>
        load('clouds:\n  default:\n    extraParams: {nodes: 1}\n  lab:\n    engine: dummy\n    default: true\n'),
      ).toThrow(/lab is marked default: true but another cloud is named "default"/);
    });
  });

  it('ships a default config that runs the dummy cloud', () => {
    const settings = loadSettings({ configDir: join(__dirname, '..', '..', 'config'), env: {} });
    expect(settings.clouds.default.engine).toBe('dummy');
  });
});

describe('validateSettings', () => {
  it('names the cloud and the field that is wrong', () => {
    expect(() => validateSettings({ clouds: { lab: { engine: 'dummy', timeoutMs: 'soon' } } })).toThrow(
      /clouds\.lab\.timeoutMs/,
    );
    expect(() => validateSettings({ clouds: { lab: { engine: 'dummy', pasword: 'x' } } })).toThrow(
      /clouds\.lab.*pasword/,
    );
    expect(() => validateSettings({ clouds: { lab: {} } })).toThrow(/clouds\.lab\.engine/);
  });

  it('rejects bad cloud names and an empty farm', () => {
    expect(() => validateSettings({ clouds: { 'Bad Name': { engine: 'dummy' } } })).toThrow(/cloud names are/);
    expect(() => validateSettings({ clouds: {} })).toThrow(/at least one cloud/);
    expect(() => validateSettings({})).toThrow(/clouds/);
  });

  it('requires exactly one default cloud', () => {
    expect(defaultCloudName({ a: { engine: 'dummy', timeoutMs: 1, extraParams: {} } })).toBe('a');
    expect(defaultCloudName({ b: { engine: 'dummy', timeoutMs: 1, extraParams: {}, default: true } })).toBe('b');
    // A cloud named "default" next to another marked default: `default` in URLs would be ambiguous.
    expect(() =>
      defaultCloudName({
        default: { engine: 'dummy', timeoutMs: 1, extraParams: {} },
        b: { engine: 'dummy', timeoutMs: 1, extraParams: {}, default: true },
      }),
    ).toThrow(/b is marked default: true but another cloud is named "default"/);
    expect(() => validateSettings({ clouds: { a: { engine: 'dummy' }, b: { engine: 'dummy' } } })).toThrow(
      /no default cloud/,
    );
    expect(() =>
      validateSettings({ clouds: { a: { engine: 'dummy', default: true }, b: { engine: 'dummy', default: true } } }),
    ).toThrow(/only one cloud may be marked default/);
  });
});

describe('API keys from mounted files', () => {
  it('reads keyFile (trimmed) and keeps the name and scopes', () => {
    const dir = configDir({ 'ci.key': '  0123456789abcdef-from-file\n' });
    const settings = validateSettings({
      auth: { apiKeys: [{ name: 'ci', keyFile: join(dir, 'ci.key'), scopes: ['read', 'write'] }] },
      clouds: { default: { engine: 'dummy' } },
    });
    expect(settings.auth.apiKeys[0]).toMatchObject({
      name: 'ci',
      key: '0123456789abcdef-from-file',
      scopes: ['read', 'write'],
    });
  });

  it('refuses a short key in a file, duplicate names and duplicate keys', () => {
    const dir = configDir({ 'short.key': 'abc\n' });
    const clouds = { default: { engine: 'dummy' } };
    expect(() =>
      validateSettings({ auth: { apiKeys: [{ name: 's', keyFile: join(dir, 'short.key') }] }, clouds }),
    ).toThrow(/auth\.apiKeys\.0\.keyFile: the key must be at least 16 characters/);
    const key = 'k'.repeat(16);
    expect(() =>
      validateSettings({
        auth: {
          apiKeys: [
            { name: 'a', key },
            { name: 'a', key: `${key}x` },
          ],
        },
        clouds,
      }),
    ).toThrow(/"a" is used twice/);
    expect(() =>
      validateSettings({
        auth: {
          apiKeys: [
            { name: 'a', key },
            { name: 'b', key },
          ],
        },
        clouds,
      }),
    ).toThrow(/two API keys have the same key/);
  });
});

describe('helpers', () => {
  it('deepMerge merges objects, replaces arrays and scalars, and null removes', () => {
    expect(deepMerge({ a: { b: 1, c: [1] }, d: 1 }, { a: { c: [2] }, d: null })).toEqual({ a: { b: 1, c: [2] } });
  });

  it('substituteEnv replaces inside strings and leaves other values alone', () => {
    expect(substituteEnv({ a: 'x-${A}-y', n: 3, l: ['${A}'] }, { A: '1' }, '')).toEqual({ a: 'x-1-y', n: 3, l: ['1'] });
  });
});
