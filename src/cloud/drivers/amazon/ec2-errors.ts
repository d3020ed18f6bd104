import { CloudError, CloudErrorKind } from '../../driver/cloud-error';
import { rateLimitDelay } from '../../driver/rate-limit';
import { noAnswerError } from '../pkgcloud/provider-error';

/** What we know about a failed EC2 call besides the aws-sdk error itself. */
export interface Ec2Failure {
  /** e.g. "create node"; shown in the message. */
  operation: string;
  /** True for RunInstances: an unknown image, key, type or zone is then a bad reference in the request. */
  creating: boolean;
  /** The last HTTP answer's headers, for Retry-After. */
  headers?: Record<string, string | undefined>;
  /** Strings that must never reach a message (the secret key). */
  secrets?: string[];
}

const AUTH = new Set([
  'AuthFailure',
  'SignatureDoesNotMatch',
  'InvalidClientTokenId',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'ExpiredToken',
  'RequestExpired',
  'UnauthorizedOperation',
  'OptInRequired',
  'Blocked',
]);
const RATE = new Set(['RequestLimitExceeded', 'Throttling', 'ThrottlingException', 'RequestThrottled']);
const CONFLICT = new Set([
  'IncorrectInstanceState',
  'IncorrectState',
  'InvalidKeyPair.Duplicate',
  'InvalidGroup.Duplicate',
  'UnsupportedOperation',
  'OperationNotPermitted',
]);
const UNAVAILABLE = new Set([
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'Unavailable',
  'InsufficientInstanceCapacity',
  'InsufficientCapacity',
]);
/** Something named in the request does not exist (or cannot, being malformed). */
const MISSING =
  /\.NotFound$|^InvalidAMIID\.|^InvalidInstanceID\.Malformed$|^InvalidSubnetID\.Malformed$|^InvalidInstanceType$/;
/**
 * EC2's refusal of a NextToken it issued: expired, or minted for other parameters. EC2's error code
 * list has InvalidPaginationToken ("The specified pagination token is not valid or is expired");
 * some actions and EC2-compatible clouds say InvalidNextToken, or InvalidParameterValue naming the token.
 */
const PAGE_TOKEN_REFUSED = new Set(['InvalidPaginationToken', 'InvalidNextToken']);
const NAMES_PAGE_TOKEN = /next ?token|pagination token/i;
/** EC2 answers an unknown instance type or zone with a generic InvalidParameterValue naming it. */
const BAD_TYPE_OR_ZONE = /instance ?type|availability zone/i;

/**
 * EC2 error codes (the aws-sdk error's `code`) as CloudErrors. The code decides, not the HTTP status:
 * EC2 answers most client errors with 400, and "Request limit exceeded" with 503.
 */
export function ec2CloudError(err: any, failure: Ec2Failure): CloudError {
  if (err instanceof CloudError) return err;
  const { operation } = failure;
  const code = typeof err?.code === 'string' ? err.code : '';
  const status = typeof err?.statusCode === 'number' ? err.statusCode : undefined;
  const said = providerText(err, code, failure.secrets ?? []);
  const cloudError = (kind: CloudErrorKind, text: string, retryAfterSeconds?: number) =>
    new CloudError(kind, `${operation}: ${text}`, {
      cause: err,
      retryAfterSeconds,
      // The v1 field an unknown reference came from, for the problem's errors[].
      ...(kind === 'invalid_reference' ? { field: referenceField(code, said) } : {}),
    });

  if (code === 'XMLParserError')
    return cloudError('unavailable', 'the cloud sent an answer that is not readable EC2 XML');
  // The provider's wording is left out of auth failures: signature errors echo the string that was signed.
  const rejected = () => cloudError('auth_failed', `credentials rejected by the cloud (${code || `HTTP ${status}`})`);
  if (AUTH.has(code)) return rejected();
  if (RATE.has(code) || status === 429)
    return cloudError(
      'rate_limited',
      `the cloud asks to slow down (${said})`,
      rateLimitDelay({ headers: failure.headers }),
    );
  if (code.endsWith('LimitExceeded') && code !== 'TagLimitExceeded') return cloudError('quota_exceeded', said);
  if (CONFLICT.has(code)) return cloudError('conflict', said);
  // The token came from an EC2 answer to this service, never from the caller: the listing resumes
  // from the ids its cursor carries where it can (AmazonDriver.listNodes), and only then is it expired.
  if (PAGE_TOKEN_REFUSED.has(code) || (code === 'InvalidParameterValue' && NAMES_PAGE_TOKEN.test(said)))
    return cloudError('cursor_expired', `the cloud no longer accepts the page token (${said})`);
  if (MISSING.test(code)) return cloudError(failure.creating ? 'invalid_reference' : 'not_found', said);
  if (failure.creating && code === 'InvalidParameterValue' && BAD_TYPE_OR_ZONE.test(said))
    return cloudError('invalid_reference', said);
  if (UNAVAILABLE.has(code) || (status !== undefined && status >= 500))
    return cloudError('unavailable', `the cloud failed (${said})`);
  if (status === 401 || status === 403) return rejected();
  if (status !== undefined && status >= 400) return cloudError('invalid_request', said);
  // No HTTP answer at all: socket timeouts and refused connections.
  return noAnswerError(err, operation);
}

/** "Code: message", without secrets, bounded. */
function providerText(err: any, code: string, secrets: string[]): string {
  const message = typeof err?.message === 'string' ? err.message : '';
  let text = [code || (err?.statusCode ? `HTTP ${err.statusCode}` : ''), message].filter(Boolean).join(': ');
  for (const secret of secrets) if (secret) text = text.split(secret).join('***');
  return text.replace(/\s+/g, ' ').trim().slice(0, 300) || 'no details';
}

/** The v1 create field an EC2 error about an unknown reference is about. */
function referenceField(code: string, said: string): string | undefined {
  if (code.startsWith('InvalidAMIID')) return 'image';
  if (code.startsWith('InvalidKeyPair')) return 'keyName';
  if (code.startsWith('InvalidSubnetID') || code.startsWith('InvalidNetworkInterfaceID')) return 'networks';
  if (code === 'InvalidInstanceType' || /instance ?type/i.test(said)) return 'size';
  if (code.startsWith('InvalidAvailabilityZone') || /availability zone/i.test(said)) return 'location';
  return undefined;
}
