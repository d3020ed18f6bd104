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
