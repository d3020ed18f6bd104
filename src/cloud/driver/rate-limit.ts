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
 * Seconds to wait before retrying a rate-limited request, or undefined when the cloud gave no usable
 * hint. `Retry-After` wins; then a body's retry time; then `RateLimit-Reset` (Unix seconds, as
 * DigitalOcean sends it).
 */
export function rateLimitDelay(signals: RateLimitSignals, now = Date.now()): number | undefined {
  const retryAfter = parseRetryAfter(header(signals.headers, 'retry-after'), now);
  if (retryAfter !== undefined) return retryAfter;
  if (signals.retryAt !== undefined) {
    const at = Date.parse(signals.retryAt);
    if (!Number.isNaN(at)) return Math.max(1, Math.ceil((at - now) / 1000));
  }
  const reset = header(signals.headers, 'ratelimit-reset');
  if (reset !== undefined && /^\d+$/.test(reset.trim())) return Math.max(1, Math.ceil(Number(reset) - now / 1000));
  return undefined;
}
