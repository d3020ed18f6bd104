import { ec2CloudError } from './ec2-errors';

/** An aws-sdk error as the SDK builds it from an EC2 error answer. */
const sdkError = (code: string | number, statusCode?: number, message = 'details') =>
  Object.assign(new Error(message), { code, statusCode, retryable: false });

const kindOf = (err: unknown, creating = false) => ec2CloudError(err, { operation: 'op', creating }).kind;

describe('ec2CloudError', () => {
  it.each([
    ['AuthFailure', 401, 'auth_failed'],
    ['SignatureDoesNotMatch', 403, 'auth_failed'],
    ['InvalidClientTokenId', 403, 'auth_failed'],
    ['UnauthorizedOperation', 403, 'auth_failed'],
    ['RequestLimitExceeded', 503, 'rate_limited'],
    ['Throttling', 400, 'rate_limited'],
    ['InstanceLimitExceeded', 400, 'quota_exceeded'],
    ['VcpuLimitExceeded', 400, 'quota_exceeded'],
    ['IncorrectInstanceState', 400, 'conflict'],
    ['InvalidKeyPair.Duplicate', 400, 'conflict'],
    ['OperationNotPermitted', 400, 'conflict'],
    ['InvalidInstanceID.NotFound', 400, 'not_found'],
    ['InvalidInstanceID.Malformed', 400, 'not_found'],
    ['InvalidKeyPair.NotFound', 400, 'not_found'],
    ['InternalError', 500, 'unavailable'],
    ['Unavailable', 503, 'unavailable'],
    ['InsufficientInstanceCapacity', 500, 'unavailable'],
    ['InvalidParameterValue', 400, 'invalid_request'],
    // A NextToken EC2 issued and no longer accepts: the listing's place is what is gone.
    ['InvalidPaginationToken', 400, 'cursor_expired'],
    ['InvalidNextToken', 400, 'cursor_expired'],
    ['MissingParameter', 400, 'invalid_request'],
    ['TagLimitExceeded', 400, 'invalid_request'],
    [403, 403, 'auth_failed'],
    [502, 502, 'unavailable'],
  ])('maps %s (HTTP %i) outside create to %s', (code, status, kind) => {
    expect(kindOf(sdkError(code, status))).toBe(kind);
  });

  it.each([
    ['InvalidAMIID.NotFound', 'The image id does not exist'],
    ['InvalidAMIID.Malformed', "Invalid id: 'nope'"],
    ['InvalidKeyPair.NotFound', "The key pair 'x' does not exist"],
    ['InvalidSubnetID.NotFound', "The subnet ID 'subnet-x' does not exist"],
    ['InvalidParameterValue', "Invalid value 'm9.colossal' for InstanceType."],
    ['InvalidParameterValue', 'Invalid availability zone: [eu-west-1z]'],
  ])('maps %s on create to invalid_reference (%s)', (code, message) => {
    expect(kindOf(sdkError(code, 400, message), true)).toBe('invalid_reference');
  });

  it('keeps other InvalidParameterValue answers on create an invalid request', () => {
    expect(kindOf(sdkError('InvalidParameterValue', 400, 'User data is limited to 16384 bytes'), true)).toBe(
      'invalid_request',
    );
  });

  it('reads an unreadable answer as an unavailable cloud', () => {
    const error = ec2CloudError(sdkError('XMLParserError', 200, 'Unexpected end'), {
      operation: 'list nodes',
      creating: false,
    });
    expect([error.kind, error.message]).toEqual([
      'unavailable',
      'list nodes: the cloud sent an answer that is not readable EC2 XML',
    ]);
  });

  it('takes Retry-After from the answer when rate limited, and only then', () => {
    const limited = ec2CloudError(sdkError('RequestLimitExceeded', 503), {
      operation: 'op',
      creating: false,
      headers: { 'retry-after': '4' },
    });
    expect(limited.options.retryAfterSeconds).toBe(4);
    const without = ec2CloudError(sdkError('RequestLimitExceeded', 503), {
      operation: 'op',
      creating: false,
      headers: {},
    });
    expect(without.options.retryAfterSeconds).toBeUndefined();
    const failed = ec2CloudError(sdkError('InternalError', 500), {
      operation: 'op',
      creating: false,
      headers: { 'retry-after': '4' },
    });
    expect(failed.options.retryAfterSeconds).toBeUndefined();
  });

  it('maps socket timeouts and refused connections without an HTTP answer', () => {
    expect(kindOf(Object.assign(new Error('Connection timed out after 400ms'), { code: 'TimeoutError' }))).toBe(
      'timeout',
    );
    expect(kindOf(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'NetworkingError' }))).toBe(
      'unavailable',
    );
  });

  it('never repeats what the cloud said about a signature, nor the secret anywhere', () => {
    const auth = ec2CloudError(sdkError('SignatureDoesNotMatch', 403, 'The canonical string was AKIA...'), {
      operation: 'op',
      creating: false,
    });
    expect(auth.message).toBe('op: credentials rejected by the cloud (SignatureDoesNotMatch)');
    const echoed = ec2CloudError(sdkError('InvalidParameterValue', 400, 'bad value s3cr3t-key in request'), {
      operation: 'op',
      creating: false,
      secrets: ['s3cr3t-key'],
    });
    expect(echoed.message).toBe('op: InvalidParameterValue: bad value *** in request');
  });

  it.each([
    ["Invalid value 'abc' for nextToken", 'cursor_expired'],
    ['The pagination token is expired', 'cursor_expired'],
    ["Invalid value 'x' for MaxResults", 'invalid_request'],
  ])('InvalidParameterValue "%s" is %s', (message, kind) => {
    expect(kindOf(sdkError('InvalidParameterValue', 400, message))).toBe(kind);
  });
});
