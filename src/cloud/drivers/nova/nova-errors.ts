import { CloudError, CloudErrorKind } from '../../driver/cloud-error';
import { rateLimitDelay } from '../../driver/rate-limit';
import { answerError, noAnswerError, providerMessage, statusKind, statusOf } from '../pkgcloud/provider-error';

/**
 * Nova answers 400 both for a malformed request and for one naming something that does not exist;
 * only its message tells them apart. These are the references a create request can name.
 */
const UNKNOWN_REFERENCE: Array<[RegExp, string]> = [
  [/flavor .*(could not be found|not found|does not exist)|invalid flavorref|field\/attribute flavorRef/i, 'size'],
  [
    /can ?not find requested image|image .*(could not be found|not found|does not exist)|invalid imageref|field\/attribute imageRef/i,
    'image',
  ],
  [/invalid key_?name|key ?pair .*(not found|does not exist)/i, 'keyName'],
  [/availability zone/i, 'location'],
  [
    /invalid networks?\b|network .*(could not be found|not found|does not exist)|port .*(could not be found|not found)|field\/attribute uuid/i,
    'networks',
  ],
];
/** Nova's 400 for a marker it does not know (nova.exception.MarkerNotFound: "Marker %(marker)s could not be found", older "marker [x] not found"). */
const MARKER_NOT_FOUND = /marker .*(not found|could not be found)/i;

/**
 * Nova's error for one operation (v2.1, and Rackspace's Cloud Servers, which speaks it): the one
 * classification step of every Nova-family driver.
 * - 400 naming an unknown flavor, image, key pair, zone or network: `invalid_reference`.
 * - 400 "marker [x] not found" (the item a page ended at was deleted, or its row archived):
 *   `cursor_expired`. The marker came from a walk of ours, never from the caller; the walks resume
 *   from their own cursor where they can (see NovaCursor) and let it through where they cannot.
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
  if (status === 400 && MARKER_NOT_FOUND.test(message)) kind = 'cursor_expired';
  const reference =
    status === 400 && kind === 'invalid_request' ? UNKNOWN_REFERENCE.find(([re]) => re.test(message)) : undefined;
  if (reference) {
    // The v1 field the unknown reference came from, for the problem's errors[].
    return new CloudError('invalid_reference', answerError(kind, operation, status, err).message, {
      cause: err,
      field: reference[1],
    });
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
