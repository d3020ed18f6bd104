import { setTimeout as sleep } from 'node:timers/promises';
import { CloudError } from '../../driver/cloud-error';

/**
 * How long a write counts as recent. EC2's API is eventually consistent: right after RunInstances,
 * ImportKeyPair or TerminateInstances, describe and act calls may answer `*.NotFound` for seconds
 * (AWS EC2 API reference, "Eventual consistency in the Amazon EC2 API").
 */
export const RECENT_TTL_MS = 120_000;
/** Pauses between tries while a recent write settles: at most ~3 s added, then the NotFound stands. */
export const SETTLE_DELAYS_MS = [200, 400, 800, 1600];
/** The first of SETTLE_DELAYS_MS whose sum stays within `budgetMs`. */
export function settleDelays(budgetMs: number): number[] {
  let total = 0;
  return SETTLE_DELAYS_MS.filter((ms) => (total += ms) <= budgetMs);
}
/** Bound on remembered names, so a launch storm cannot grow the memory without limit. */
const MAX_REMEMBERED = 10_000;

/**
 * Names (instance ids, key names) this driver wrote moments ago, each forgotten after `ttlMs`.
 * A Map in insertion order is enough here (a few entries, one TTL, oldest evicted first), so no
 * cache library. Per process: another replica does not know what this one launched.
 */
export class RecentWrites {
  private readonly until = new Map<string, number>();

  constructor(private readonly ttlMs = RECENT_TTL_MS) {}

  remember(name: string): void {
    this.until.delete(name);
    this.until.set(name, Date.now() + this.ttlMs);
    while (this.until.size > MAX_REMEMBERED) this.until.delete(this.until.keys().next().value as string);
  }

  has(name: string | undefined): boolean {
    if (!name) return false;
    const until = this.until.get(name);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.until.delete(name);
    return false;
  }
}

/** An EC2 answer that something named in the request does not exist (yet). */
export function isEc2NotFound(err: unknown): boolean {
  if (!CloudError.is(err) || (err.kind !== 'not_found' && err.kind !== 'invalid_reference')) return false;
  const code = (err.options.cause as { code?: unknown } | undefined)?.code;
  // A driver-made not_found (the instance missing from a describe answer) has no EC2 code.
  return typeof code === 'string' ? code.endsWith('.NotFound') : err.kind === 'not_found';
}

/**
 * Runs `call`; when it fails with NotFound and `recent` says the name was just written by this
 * driver, tries again after each of `delays`, then lets the last NotFound through. Names not written
 * recently get the first answer as is: a truly unknown id is a 404 at once.
 */
export async function settleRecent<T>(recent: boolean, call: () => Promise<T>, delays = SETTLE_DELAYS_MS): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!recent || attempt >= delays.length || !isEc2NotFound(err)) throw err;
      await sleep(delays[attempt]);
    }
  }
}
