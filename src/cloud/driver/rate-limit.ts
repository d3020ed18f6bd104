/**
 * How long a cloud asked us to wait, from what it sent with a refusal. The one place provider
 * rate-limit signals (Retry-After, RateLimit-Reset, a body's own retry time) become a delay.
 *
 * Own code rather than a library: the parser is a dozen lines of RFC 9110, and the policy (which
 * signal wins, what a stale reset means) is provider knowledge the drivers exist to hold.
 */

/** A header's value as one string (Node lowercases names; repeated headers come as arrays). */
export function header(headers: Record<string, unknown> | undefined, name: string): string | undefined {
  const value = headers?.[name.toLowerCase()];
  if (Array.isArray(value)) return value.length ? String(value[0]) : undefined;
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/**
 * Seconds to wait from a `Retry-After` value (RFC 9110 §10.2.3): `delay-seconds` (digits only) or an
 * HTTP-date (IMF-fixdate, and the obsolete RFC 850 and asctime forms a recipient must accept, all
 * GMT). A date already past means "now", but is reported as 1 s so a refusal is never retried in a
 * tight loop. Anything else (negative, fractional, "soon") is no instruction: undefined.
 */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const at = httpDate(text);
  return at === undefined ? undefined : Math.max(1, Math.ceil((at - now) / 1000));
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const IMF_FIXDATE = /^[a-z]{3}, (\d{2}) ([a-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) gmt$/i;
const RFC850_DATE = /^[a-z]{6,9}, (\d{2})-([a-z]{3})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) gmt$/i;
const ASCTIME_DATE = /^[a-z]{3} ([a-z]{3}) ( \d|\d{2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/i;

/** An HTTP-date (RFC 9110 §5.6.7) as epoch milliseconds, or undefined. */
export function httpDate(text: string): number | undefined {
  let parts: [day: string, month: string, year: number, h: string, m: string, s: string] | undefined;
  let match = IMF_FIXDATE.exec(text);
  if (match) parts = [match[1], match[2], Number(match[3]), match[4], match[5], match[6]];
  else if ((match = RFC850_DATE.exec(text))) {
    // Two-digit years more than 50 years ahead are in the past century (RFC 9110 §5.6.7).
    const yy = Number(match[3]);
    const century = Math.floor(new Date().getUTCFullYear() / 100) * 100;
    const year = century + yy > new Date().getUTCFullYear() + 50 ? century - 100 + yy : century + yy;
    parts = [match[1], match[2], year, match[4], match[5], match[6]];
  } else if ((match = ASCTIME_DATE.exec(text))) {
    parts = [match[2].trim(), match[1], Number(match[6]), match[3], match[4], match[5]];
  }
  if (!parts) return undefined;
  const [day, month, year, h, m, s] = parts;
  const monthIndex = MONTHS.indexOf(month.toLowerCase());
  if (monthIndex < 0) return undefined;
  const at = Date.UTC(year, monthIndex, Number(day), Number(h), Number(m), Number(s));
  const check = new Date(at);
  // Reject dates that roll over (31 Feb, 25:00): they are not dates at all.
  return check.getUTCDate() === Number(day) && check.getUTCHours() === Number(h) ? at : undefined;
}

/** The rate-limit signals of one refused answer. */
export interface RateLimitSignals {
  headers?: Record<string, unknown>;
  /**
   * A retry time the provider put in its body rather than a header (Nova's `overLimit.retryAfter`,
   * an ISO 8601 time).
   */
  retryAt?: string;
}

/**
 * The wait after a refusal that was a short-window (burst) limit, not the spent budget: DigitalOcean
 * refuses more than 250 requests a minute however much of the hourly 5,000 is left.
 */
export const BURST_RETRY_SECONDS = 5;

/** Reset values below this (about three years) are delta-seconds (IETF RateLimit fields); above, Unix seconds (DigitalOcean). */
const EPOCH_THRESHOLD = 100_000_000;

/**
 * Seconds to wait before retrying a rate-limited request, or undefined when the cloud gave no usable
 * hint. In order:
 * 1. `Retry-After` (RFC 9110 §10.2.3), the cloud's own instruction;
 * 2. a retry time from the body (`retryAt`);
 * 3. `RateLimit-Remaining` above 0: the budget is not spent, so the refusal was a burst limit and a
 *    short wait (BURST_RETRY_SECONDS, or the reset if sooner) suffices, never the budget's reset;
 * 4. `RateLimit-Reset` (Unix seconds, or delta-seconds when small): the budget is spent, wait for it.
 *    A reset already past (clock skew, a stale header) is no reason to retry at once: the burst wait.
 */
export function rateLimitDelay(signals: RateLimitSignals, now = Date.now()): number | undefined {
  const retryAfter = parseRetryAfter(header(signals.headers, 'retry-after'), now);
  if (retryAfter !== undefined) return retryAfter;
  if (signals.retryAt !== undefined) {
    const at = Date.parse(signals.retryAt);
    if (!Number.isNaN(at)) return Math.max(1, Math.ceil((at - now) / 1000));
  }
  const untilReset = resetDelay(header(signals.headers, 'ratelimit-reset'), now);
  const remaining = header(signals.headers, 'ratelimit-remaining')?.trim();
  if (remaining !== undefined && /^\d+$/.test(remaining) && Number(remaining) > 0) {
    return untilReset !== undefined && untilReset > 0 ? Math.min(untilReset, BURST_RETRY_SECONDS) : BURST_RETRY_SECONDS;
  }
  if (untilReset === undefined) return undefined;
  return untilReset > 0 ? untilReset : BURST_RETRY_SECONDS;
}

/** Seconds until a RateLimit-Reset value (0 or less when already past), or undefined. */
function resetDelay(value: string | undefined, now: number): number | undefined {
  const text = value?.trim();
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n < EPOCH_THRESHOLD ? n : Math.ceil(n - now / 1000);
}
