import { isIP } from 'node:net';
import type { AuthSettings } from '../config/settings.schema';
import { ConfigError } from '../config/config-error';

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  const bare = host.replace(/^\[|\]$/g, '');
  return bare === '::1' || bare.startsWith('::ffff:127.');
}

/**
 * With no API keys the service may run open only on loopback (the dev default). Anywhere else it
 * refuses to start, unless auth is explicitly disabled; then it returns a warning to log.
 */
export function checkExposure(host: string, auth: AuthSettings): string | undefined {
  if (auth.apiKeys.length > 0 || isLoopback(host)) return undefined;
  if (auth.disabled) return `auth.disabled is set: the API is open to anyone who can reach ${host}`;
  throw new ConfigError(
    `refusing to listen on ${host} with no API keys: configure auth.apiKeys, or set auth.disabled: true to run open on purpose`,
  );
}
