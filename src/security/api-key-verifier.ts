import { hash, timingSafeEqual } from 'node:crypto';
import type { ApiKeyScope, AuthSettings } from '../config/settings.schema';

export interface Caller {
  /** The key's configured name, safe to log. */
  name: string;
  scopes: ReadonlySet<ApiKeyScope>;
}

/**
 * Checks presented API keys against the configured ones in constant time: both sides are hashed to
 * equal-length digests and every configured key is compared, whatever matched first.
 */
export class ApiKeyVerifier {
  private readonly keys: Array<{ digest: Buffer; caller: Caller }>;

  constructor(apiKeys: AuthSettings['apiKeys']) {
    this.keys = apiKeys.map((k) => ({ digest: digest(k.key!), caller: { name: k.name, scopes: new Set(k.scopes) } }));
  }

  get configured(): boolean {
    return this.keys.length > 0;
  }

  verify(presented: string | undefined): Caller | undefined {
    if (!presented) return undefined;
    const candidate = digest(presented);
    let found: Caller | undefined;
    for (const key of this.keys) {
      if (timingSafeEqual(key.digest, candidate) && !found) found = key.caller;
    }
    return found;
  }
}

/** SHA-256 in one call (Node's one-shot hash: no Hash object per request, same digest). */
function digest(value: string): Buffer {
  return hash('sha256', value, 'buffer');
}

/** The key from `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  const apiKey = headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey.length > 0 ? apiKey.trim() : undefined;
}
