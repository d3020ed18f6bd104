import { CloudError, CloudErrorKind } from '../../driver/cloud-error';
import { rateLimitDelay } from '../../driver/rate-limit';
import { answerError, noAnswerError, providerMessage, statusKind, statusOf } from '../pkgcloud/provider-error';

/**
 * Nova answers 400 both for a malformed request and for one naming something that does not exist;
 * only its message tells them apart. These are the references a create request can name.
 */
const UNKNOWN_REFERENCE = [
  /flavor .*(could not be found|not found)|invalid flavorref|field\/attribute flavorRef/i,
  /can ?not find requested image|image .*(could not be found|not found)|invalid imageref|field\/attribute imageRef/i,
  /invalid key_?name|key ?pair .*not found/i,
  /availability zone/i,
  /invalid networks?\b|network .*(could not be found|not found)|port .*(could not be found|not found)|field\/attribute uuid/i,
  /\b(flavor|image|key ?pair|network)\b.*\bdoes not exist/i,
];

/**
 * Nova's error for one operation (v2.1, and Rackspace's Cloud Servers, which speaks it): the one
 * classification step of every Nova-family driver.
 * - 400 naming an unknown flavor, image, key pair, zone or network: `invalid_reference`.
 * - 403: a quota, or a policy refusal of a valid token (not a rejected credential).
 * - 413 `overLimit`: a quota when it says so, otherwise a rate limit (older Novas and the rate-limiting
 *   proxies in front of them, Rackspace's Repose among them, say "slow down" with 413); 429 likewise.
 * - Every 5xx but 501 (unsupported) and 504 (the gateway gave up waiting: timeout) is `unavailable`.
 */
export function novaError(err: unknown, operation: string, now = Date.now()): CloudError {
  const status = statusOf(err);
  if (status === undefined) return noAnswerError(err, operation);
  const message = providerMessage(err);
  let kind: CloudErrorKind = statusKind(status, message);
  if (status === 400 && kind === 'invalid_request' && UNKNOWN_REFERENCE.some((re) => re.test(message))) {
    kind = 'invalid_reference';
  }
  if (status === 413 && kind !== 'quota_exceeded') kind = 'rate_limited';
  if (kind === 'rate_limited') {
    const answer = err as { headers?: Record<string, unknown>; result?: { overLimit?: { retryAfter?: unknown } } };
    const retryAt = answer.result?.overLimit?.retryAfter;
    const delay = rateLimitDelay(
      { headers: answer.headers, retryAt: typeof retryAt === 'string' ? retryAt : undefined },
      now,
    );
    if (status === 413) {
      return new CloudError('rate_limited', `${operation}: the cloud asked to slow down (HTTP 413)${suffix(message)}`, {
        cause: err,
        retryAfterSeconds: delay,
      });
    }
    return answerError(kind, operation, status, err, delay);
  }
  if (status === 403 && kind === 'auth_failed') {
    return new CloudError(
      'auth_failed',
      `${operation}: the cloud refused this operation for the configured user (HTTP 403)${suffix(message)}`,
      { cause: err },
    );
  }
  return answerError(kind, operation, status, err);
}

function suffix(message: string): string {
  return message ? `: ${message}` : '';
}
