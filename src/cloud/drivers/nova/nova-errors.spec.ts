import { novaError } from './nova-errors';

const answer = (statusCode: number, body: unknown, headers: Record<string, string> = {}) => ({
  statusCode,
  headers,
  result: body,
});

describe('novaError (OpenStack and Rackspace alike)', () => {
  it.each([
    [400, { badRequest: { message: 'Invalid key_name provided.', code: 400 } }, 'invalid_reference'],
    [400, { badRequest: { message: 'Invalid flavorRef provided.', code: 400 } }, 'invalid_reference'],
    [400, { badRequest: { message: 'Can not find requested image', code: 400 } }, 'invalid_reference'],
    [400, { badRequest: { message: 'Network abc does not exist', code: 400 } }, 'invalid_reference'],
    [400, { badRequest: { message: "Flavor's disk is too small for requested image.", code: 400 } }, 'invalid_request'],
    // The marker a walk of ours sent is gone (deleted or archived): not the caller's request.
    [
      400,
      { badRequest: { message: 'marker [7d1f0a52-9c1b-4b8e-a7a3-0d1e2f3a4b5c] not found', code: 400 } },
      'cursor_expired',
    ],
    [400, { badRequest: { message: 'Marker 7d1f0a52 could not be found.', code: 400 } }, 'cursor_expired'],
    [
      413,
      {
        overLimit: {
          message: 'Quota exceeded for ram: Requested 4096, but already used 61440 of 65536 ram',
          code: 413,
        },
      },
      'quota_exceeded',
    ],
    [413, { overLimit: { message: 'OverLimit Retry...', code: 413 } }, 'rate_limited'],
    [429, { message: 'Too many requests' }, 'rate_limited'],
    [502, '<html>Bad Gateway</html>', 'unavailable'],
    [503, '', 'unavailable'],
    // The gateway in front of Nova gave up waiting: the cloud did not answer in time.
    [504, '', 'timeout'],
    [501, { notImplemented: { message: 'Not implemented', code: 501 } }, 'unsupported'],
  ])('HTTP %i %j → %s', (status, body, kind) => {
    expect(novaError(answer(status, body), 'op').kind).toBe(kind);
  });

  it('takes the wait from Retry-After (seconds or HTTP-date), else from the body', () => {
    const now = Date.parse('2024-03-01T12:00:00Z');
    const limited = (status: number, headers: Record<string, string>, retryAfter?: string) =>
      novaError(answer(status, { overLimit: { message: 'OverLimit Retry...', retryAfter } }, headers), 'op', now)
        .options.retryAfterSeconds;
    expect(limited(413, { 'retry-after': '9' })).toBe(9);
    expect(limited(413, { 'retry-after': 'Fri, 01 Mar 2024 12:00:20 GMT' })).toBe(20);
    expect(limited(429, { 'retry-after': 'Fri, 01 Mar 2024 12:00:20 GMT' })).toBe(20);
    expect(limited(413, {}, '2024-03-01T12:01:00Z')).toBe(60);
    expect(limited(413, {})).toBeUndefined();
  });

  it('maps a request with no answer to timeout or unavailable', () => {
    expect(novaError(Object.assign(new Error('socket hang up'), { code: 'ESOCKETTIMEDOUT' }), 'op').kind).toBe(
      'timeout',
    );
    expect(novaError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), 'op').message).toBe(
      'op: cannot reach the cloud (ECONNREFUSED)',
    );
  });
});
