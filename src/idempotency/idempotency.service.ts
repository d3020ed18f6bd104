import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createHash } from 'node:crypto';
import type { Settings } from '../config/settings.schema';
import { REPLICA_ID } from '../store/store.module';
import { KeyInFlightProblem, keyReused } from './idempotency-problems';
import { STATE_STORE } from '../store/state-store';
import type { OperationRecord, StateStore, StoredResponse } from '../store/state-store';

/** One request's hold on its key, from claim to answer. */
export interface KeyHold {
  scope: string;
  key: string;
  /** Sent to the cloud with a create (EC2 ClientToken, server metadata, a tag), so a retry can find the node. */
  clientToken: string;
  /** An earlier attempt under this key was cut off and may have reached the cloud. */
  recovering: boolean;
}

export type KeyDecision = { hold: KeyHold } | { replay: StoredResponse };

/** Expired keys are deleted this often. */
const PURGE_EVERY_MS = 10 * 60_000;

/**
 * The Idempotency-Key rules of the IETF httpapi draft: a key is bound to one request (caller, method,
 * path, body) for idempotency.ttlSeconds; the same request replays the first answer, a different one is
 * a 422 problem, and one arriving while the first runs is a 409 problem (with Retry-After).
 */
@Injectable()
export class IdempotencyService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly ttlMs: number;
  private purger?: NodeJS.Timeout;

  constructor(
    @Inject(STATE_STORE) private readonly store: StateStore,
    @Inject(REPLICA_ID) private readonly replica: string,
    @Inject(ConfigService) config: ConfigService,
  ) {
    this.ttlMs = config.getOrThrow<Settings>('settings').idempotency.ttlSeconds * 1000;
  }

  onApplicationBootstrap(): void {
    this.purger = setInterval(
      () => void this.store.purgeExpiredKeys(Date.now()).catch(() => undefined),
      PURGE_EVERY_MS,
    );
    this.purger.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.purger);
  }

  /**
   * Claims `key` for this request. `leaseMs` bounds how long the claim holds if this process dies
   * mid-request (the request's own time bound plus a margin); after it, a retry takes over.
   */
  async claim(request: {
    caller: string;
    key: string;
    method: string;
    path: string;
    body: unknown;
    leaseMs: number;
  }): Promise<KeyDecision> {
    const now = Date.now();
    const scope = request.caller;
    const fingerprint = createHash('sha256')
      .update(`${request.method} ${request.path}\n${canonicalJson(request.body)}`)
      .digest('hex');
    const result = await this.store.claimKey({
      scope,
      key: request.key,
      fingerprint,
      owner: this.replica,
      leaseUntil: now + request.leaseMs,
      expiresAt: now + this.ttlMs,
      now,
    });
    switch (result.outcome) {
      case 'execute':
        return {
          hold: {
            scope,
            key: request.key,
            clientToken: clientToken(scope, request.key),
            recovering: result.recovering,
          },
        };
      case 'replay':
        return { replay: result.response };
      case 'mismatch':
        throw keyReused();
      case 'in_flight': {
        const retryAfter = Math.max(1, Math.ceil((result.leaseUntil - now) / 1000));
        throw new KeyInFlightProblem(retryAfter);
      }
    }
  }

  /** Records the answer (and the operation it started) in one transaction. */
  async complete(
    hold: KeyHold | undefined,
    response: StoredResponse | undefined,
    operation?: OperationRecord,
  ): Promise<void> {
    await this.store.recordWrite({
      key: hold && response ? { scope: hold.scope, key: hold.key, owner: this.replica, response } : undefined,
      operation,
    });
  }

  /** The attempt failed: `reachedCloud` false frees the key; true keeps it bound so a retry recovers. */
  async fail(hold: KeyHold, reachedCloud: boolean): Promise<void> {
    await this.store.releaseKey(hold.scope, hold.key, this.replica, !reachedCloud);
  }
}

/**
 * The mark a create leaves in the cloud: derived from caller and key, so every retry computes the
 * same one; hex, 35 characters, which fits every provider's rules (EC2 ClientToken <= 64 ASCII,
 * DigitalOcean tags, OpenStack metadata values).
 */
export function clientToken(scope: string, key: string): string {
  return `co-${createHash('sha256').update(`${scope}\u0000${key}`).digest('hex').slice(0, 32)}`;
}

/** JSON with object keys sorted, so the same body in another key order is the same request. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return '';
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}
