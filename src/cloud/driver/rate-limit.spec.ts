import { httpDate, parseRetryAfter, rateLimitDelay } from './rate-limit';

const NOW = Date.parse('1994-11-06T08:49:00Z');

describe('parseRetryAfter (RFC 9110 §10.2.3)', () => {
  it.each([
    ['120', 120],
    [' 3 ', 3],
    ['0', 0],
    // The three HTTP-date forms of RFC 9110 §5.6.7, all meaning 08:49:37 GMT.
    ['Sun, 06 Nov 1994 08:49:37 GMT', 37],
    ['Sunday, 06-Nov-94 08:49:37 GMT', 37],
    ['Sun Nov  6 08:49:37 1994', 37],
    // A date already past: retry, but not in a tight loop.
    ['Sun, 06 Nov 1994 08:00:00 GMT', 1],
  ])('%j → %d s', (value, seconds) => {
    expect(parseRetryAfter(value, NOW)).toBe(seconds);
  });

  it.each(['', '-5', '1.5', '1e3', '0x10', 'soon', 'Sun, 31 Feb 1994 08:49:37 GMT', '2024-03-01T12:00:00Z'])(
    'ignores %j',
    (value) => {
      expect(parseRetryAfter(value, NOW)).toBeUndefined();
    },
  );

  it('reads asctime dates as GMT whatever the local time zone', () => {
    expect(httpDate('Sun Nov  6 08:49:37 1994')).toBe(Date.parse('1994-11-06T08:49:37Z'));
  });
});

describe('rateLimitDelay', () => {
  it('prefers Retry-After, then the body retry time, then RateLimit-Reset', () => {
    const reset = String(NOW / 1000 + 90);
    expect(rateLimitDelay({ headers: { 'retry-after': '5', 'ratelimit-reset': reset } }, NOW)).toBe(5);
    expect(rateLimitDelay({ headers: { 'ratelimit-reset': reset }, retryAt: '1994-11-06T08:49:30Z' }, NOW)).toBe(30);
    expect(rateLimitDelay({ headers: { 'ratelimit-reset': reset } }, NOW)).toBe(90);
    expect(rateLimitDelay({ headers: {} }, NOW)).toBeUndefined();
  });
});

describe('rateLimitDelay with a rate-limit budget (fault kind: a burst 429 answered with the hourly reset)', () => {
  const at = (seconds: number) => String(NOW / 1000 + seconds);
  it.each([
    // DigitalOcean: 4712 of 5000 left, reset 55 minutes ahead: the per-minute burst limit refused.
    ['budget left, reset far ahead', { 'ratelimit-remaining': '4712', 'ratelimit-reset': at(3300) }, 5],
    ['budget left, reset sooner than the burst wait', { 'ratelimit-remaining': '3', 'ratelimit-reset': at(2) }, 2],
    ['budget left, no reset', { 'ratelimit-remaining': '10' }, 5],
    ['budget spent: wait for the reset', { 'ratelimit-remaining': '0', 'ratelimit-reset': at(3300) }, 3300],
    ['budget spent, reset already past', { 'ratelimit-remaining': '0', 'ratelimit-reset': at(-30) }, 5],
    ['no remaining, reset past', { 'ratelimit-reset': at(-600) }, 5],
    ['reset as delta-seconds (IETF RateLimit fields)', { 'ratelimit-remaining': '0', 'ratelimit-reset': '42' }, 42],
  ])('%s → %d s', (_label, headers, seconds) => {
    expect(rateLimitDelay({ headers }, NOW)).toBe(seconds);
  });

  it('never turns a reset in the past into an instant retry', () => {
    for (const past of [-1, -60, -86_400]) {
      expect(rateLimitDelay({ headers: { 'ratelimit-reset': at(past) } }, NOW)).toBeGreaterThanOrEqual(5);
    }
  });
});
