import { classifyDigitalOcean } from './digitalocean-errors';

const answer = (statusCode: number, message: string, headers: Record<string, string> = {}) => ({
  statusCode,
  headers,
  result: { id: 'x', message },
});

describe('classifyDigitalOcean', () => {
  it.each([
    [422, 'You specified an invalid image for Droplet creation.', 'invalid_reference'],
    [422, 'Size is not available in this region.', 'invalid_reference'],
    [422, 'Droplet already has a pending event.', 'conflict'],
    [422, 'SSH Key is already in use on your account', 'conflict'],
    [422, 'creating this/these droplet(s) will exceed your droplet limit', 'quota_exceeded'],
    [422, 'Name is invalid', 'invalid_request'],
    [401, 'Unable to authenticate you', 'auth_failed'],
    [404, 'The resource you were accessing could not be found.', 'not_found'],
    [500, 'Unexpected server-side error', 'unavailable'],
    [504, 'Gateway Timeout', 'unavailable'],
  ])('HTTP %i "%s" → %s', (status, message, kind) => {
    expect(classifyDigitalOcean(answer(status, message), 'op').kind).toBe(kind);
  });

  it('429: Retry-After first, else the time until RateLimit-Reset', () => {
    const now = 1_700_000_000_000;
    expect(
      classifyDigitalOcean(
        answer(429, 'API Rate limit exceeded.', { 'retry-after': '5', 'ratelimit-reset': '1700000100' }),
        'op',
        now,
      ).options.retryAfterSeconds,
    ).toBe(5);
    expect(
      classifyDigitalOcean(answer(429, 'API Rate limit exceeded.', { 'ratelimit-reset': '1700000100' }), 'op', now)
        .options.retryAfterSeconds,
    ).toBe(100);
    expect(
      classifyDigitalOcean(answer(429, 'API Rate limit exceeded.', { 'ratelimit-reset': '1600000000' }), 'op', now)
        .options.retryAfterSeconds,
    ).toBe(5);
  });

  it('network errors keep the generic mapping', () => {
    expect(classifyDigitalOcean({ code: 'ESOCKETTIMEDOUT' }, 'op').kind).toBe('timeout');
    expect(classifyDigitalOcean({ code: 'ECONNREFUSED' }, 'op').kind).toBe('unavailable');
  });
});
