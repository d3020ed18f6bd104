import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { ConfigError, describeIssues } from './config-error';
import { CloudSettings, Settings, settingsSchema } from './settings.schema';

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** Folder holding default.yaml and <NODE_ENV>.yaml; CONFIG_DIR or ./config by default. */
  configDir?: string;
}

/**
 * Reads config/default.yaml, merges CONFIG_FILE (or config/<NODE_ENV>.yaml) over it, substitutes
 * ${VAR} from the environment, and validates the result. Throws ConfigError with a readable message.
 */
export function loadSettings(options: LoadOptions = {}): Settings {
  const env = options.env ?? process.env;
  const dir = resolve(options.configDir ?? env.CONFIG_DIR ?? join(process.cwd(), 'config'));
  const files = [join(dir, 'default.yaml')];
  if (env.CONFIG_FILE) files.push(resolve(env.CONFIG_FILE));
  else if (env.NODE_ENV && existsSync(join(dir, `${env.NODE_ENV}.yaml`))) files.push(join(dir, `${env.NODE_ENV}.yaml`));

  const [shipped, ...site] = files.map(readYaml);
  let merged = shipped;
  for (const parsed of site) merged = deepMerge(merged, parsed);
  return validateSettings(substituteEnv(dropShippedDefault(merged, site), env, ''));
}

function readYaml(file: string): unknown {
  if (!existsSync(file)) throw new ConfigError(`configuration file not found: ${file}`);
  try {
    return parse(readFileSync(file, 'utf8')) ?? {};
  } catch (error) {
    throw new ConfigError(`${file} is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
}

/**
 * A site file that marks one of its own clouds `default: true` replaces the shipped demo cloud
 * (config/default.yaml's dummy `default`): otherwise that cloud would stay, and the name `default`
 * in URLs would keep reaching it instead of the site's default. A site file that configures a cloud
 * named `default` itself keeps it, merged as usual.
 */
function dropShippedDefault(merged: unknown, site: unknown[]): unknown {
  const siteClouds = site.map((file) => (isPlainObject(file) && isPlainObject(file.clouds) ? file.clouds : {}));
  const marksOwn = siteClouds.some((clouds) =>
    Object.entries(clouds).some(
      ([name, cloud]) => name !== 'default' && isPlainObject(cloud) && cloud.default === true,
    ),
  );
  const namesDefault = siteClouds.some((clouds) => 'default' in clouds);
  if (!marksOwn || namesDefault || !isPlainObject(merged) || !isPlainObject(merged.clouds)) return merged;
  const { default: _shipped, ...clouds } = merged.clouds;
  return { ...merged, clouds };
}

/** Validates an already-parsed settings object (also the entry point for tests and embedding). */
export function validateSettings(raw: unknown): Settings {
  const result = settingsSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(`invalid configuration:\n${describeIssues('', result.error.issues)}`);
  defaultCloudName(result.data.clouds);
  return resolveKeyFiles(result.data);
}

/** Reads keys kept in mounted files, and refuses duplicate key names or values. */
function resolveKeyFiles(settings: Settings): Settings {
  const apiKeys = settings.auth.apiKeys.map((apiKey, i) => {
    if (apiKey.key !== undefined) return apiKey;
    let key: string;
    try {
      key = readFileSync(apiKey.keyFile!, 'utf8').trim();
    } catch {
      throw new ConfigError(`invalid configuration:\nauth.apiKeys.${i}.keyFile: cannot read ${apiKey.keyFile}`);
    }
    if (key.length < 16)
      throw new ConfigError(
        `invalid configuration:\nauth.apiKeys.${i}.keyFile: the key must be at least 16 characters`,
      );
    return { ...apiKey, key };
  });
  const names = apiKeys.map((k) => k.name);
  const duplicateName = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicateName)
    throw new ConfigError(`invalid configuration:\nauth.apiKeys: the name "${duplicateName}" is used twice`);
  if (new Set(apiKeys.map((k) => k.key)).size !== apiKeys.length) {
    throw new ConfigError('invalid configuration:\nauth.apiKeys: two API keys have the same key');
  }
  return { ...settings, auth: { ...settings.auth, apiKeys } };
}

/** The default cloud: the one marked `default: true`, else the one named `default`, else the only one. */
export function defaultCloudName(clouds: Record<string, CloudSettings>): string {
  const marked = Object.entries(clouds)
    .filter(([, c]) => c.default === true)
    .map(([n]) => n);
  if (marked.length > 1)
    throw new ConfigError(
      `invalid configuration:\nclouds: only one cloud may be marked default: true (found ${marked.join(', ')})`,
    );
  if (marked.length === 1) {
    // Otherwise GET /clouds/default would reach the cloud named so, not the default one.
    if (clouds.default && marked[0] !== 'default')
      throw new ConfigError(
        `invalid configuration:\nclouds: ${marked[0]} is marked default: true but another cloud is named "default"; ` +
          'rename or remove one of them',
      );
    return marked[0];
  }
  if (clouds.default && clouds.default.default !== false) return 'default';
  const names = Object.keys(clouds);
  if (names.length === 1) return names[0];
  throw new ConfigError(
    'invalid configuration:\nclouds: no default cloud; name one "default" or mark one default: true',
  );
}

const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Replaces ${VAR} and ${VAR:-fallback} in every string, so secrets stay out of files. */
export function substituteEnv(value: unknown, env: NodeJS.ProcessEnv, path: string): unknown {
  if (typeof value === 'string') {
    return value.replace(VAR, (_match, name: string, fallback: string | undefined) => {
      const found = env[name];
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      throw new ConfigError(`invalid configuration:\n${path || '(root)'}: environment variable ${name} is not set`);
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => substituteEnv(item, env, `${path}.${i}`));
  if (isPlainObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, substituteEnv(item, env, path ? `${path}.${key}` : key)]),
    );
  }
  return value;
}

/** Objects merge key by key; anything else in `over` replaces what is in `base`; null removes. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === null) delete out[key];
    else out[key] = deepMerge(base[key], value);
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
