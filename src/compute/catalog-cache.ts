import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { runDetached } from '../cloud/call-scope';
import type { Settings } from '../config/settings.schema';

/** The catalogue lists a cloud serves: they change rarely and cost a cloud call (or several pages). */
export type CatalogKind = 'images' | 'sizes' | 'locations' | 'keyPairs';

export interface CatalogEntry<T> {
  items: T[];
  /** A digest of the items: equal lists have equal versions, on every replica (an ETag). */
  version: string;
  /** When the entry stops being served (epoch ms); equal to the load time when caching is off. */
  expiresAt: number;
}

/**
 * One cloud's catalogue, cached for `ttlMs` (the cloud's catalogTtlMs; 0 = always ask the cloud).
 * Concurrent reads of a list that is not cached share one cloud call (single flight), whatever the
 * TTL. `invalidate` is called by the service's own writes (key pairs imported or deleted): the entry
 * is dropped at once and a load that started before the write is not stored, so the next read sees
 * the write. Changes made outside this service (or by another replica) show after at most the TTL.
 *
 * Own code rather than lru-cache: its fetch() rejects callers already waiting when the entry is
 * deleted mid-load, and a write must never fail reads that happen to run beside it.
 */
export class CatalogCache {
  private readonly entries = new Map<CatalogKind, CatalogEntry<unknown>>();
  private readonly loading = new Map<CatalogKind, Promise<CatalogEntry<unknown>>>();
  private readonly generations = new Map<CatalogKind, number>();

  constructor(
    readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get<T>(kind: CatalogKind, load: () => Promise<T[]>): Promise<CatalogEntry<T>> {
    const cached = this.entries.get(kind);
    if (cached && cached.expiresAt > this.now()) return Promise.resolve(cached as CatalogEntry<T>);
    const pending = this.loading.get(kind);
    if (pending) return pending as Promise<CatalogEntry<T>>;

    const generation = this.generation(kind);
    // Detached: the callers that join this load must not lose it when the one who started it leaves.
    const attempt: Promise<CatalogEntry<T>> = runDetached(load)
      .then((items) => {
        const entry = { items, version: versionOf(items), expiresAt: this.now() + this.ttlMs };
        if (this.ttlMs > 0 && this.generation(kind) === generation) this.entries.set(kind, entry);
        return entry;
      })
      .finally(() => {
        if (this.loading.get(kind) === attempt) this.loading.delete(kind);
      });
    this.loading.set(kind, attempt);
    return attempt;
  }

  /** Forget a list after a write that changed it; reads already under way still get their answer. */
  invalidate(kind: CatalogKind): void {
    this.generations.set(kind, this.generation(kind) + 1);
    this.entries.delete(kind);
    this.loading.delete(kind);
  }

  /** Bumped by every invalidation: a load stores its answer only if none happened meanwhile. */
  private generation(kind: CatalogKind): number {
    return this.generations.get(kind) ?? 0;
  }
}

function versionOf(items: unknown): string {
  return createHash('sha256').update(JSON.stringify(items)).digest('base64url').slice(0, 27);
}

/** Catalogue lists are served from memory for a minute unless a cloud sets catalogTtlMs. */
export const DEFAULT_CATALOG_TTL_MS = 60_000;

/** Each configured cloud's catalogue cache, made on first use with the cloud's catalogTtlMs. */
@Injectable()
export class CatalogCaches {
  private readonly caches = new Map<string, CatalogCache>();

  constructor(@Inject(ConfigService) private readonly config: ConfigService) {}

  of(cloud: string): CatalogCache {
    let cache = this.caches.get(cloud);
    if (!cache) {
      const settings = this.config.getOrThrow<Settings>('settings').clouds[cloud];
      cache = new CatalogCache(settings?.catalogTtlMs ?? DEFAULT_CATALOG_TTL_MS);
      this.caches.set(cloud, cache);
    }
    return cache;
  }
}
