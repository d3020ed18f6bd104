import { CloudError, CloudErrorKind } from '../../driver/cloud-error';
import { rateLimitDelay } from '../../driver/rate-limit';
import { answerError, noAnswerError, providerMessage, statusKind, statusOf } from '../pkgcloud/provider-error';

/**
 * DigitalOcean's errors, in one step: errors are `{id, message}`; 422 (unprocessable_entity) covers
 * unknown references, state conflicts and account limits alike, so the message decides; 429 says
 * when to come back (see rateLimitDelay); every 5xx means the cloud is unavailable.
 */
export function classifyDigitalOcean(err: any, operation: string, now = Date.now()): CloudError {
  const status = statusOf(err);
  if (status === undefined) return noAnswerError(err, operation);
  const message = providerMessage(err);
  let kind: CloudErrorKind = statusKind(status, message);
  if (status >= 500) kind = 'unavailable';
  else if (status === 422) kind = kindOf422(message);
  const delay = kind === 'rate_limited' ? rateLimitDelay({ headers: err.headers }, now) : undefined;
  const error = answerError(kind, operation, status, err, delay);
  if (kind !== 'invalid_reference') return error;
  // The v1 field the unknown reference came from, for the problem's errors[].
  const field = REFERENCE_FIELDS.find(([re]) => re.test(message))?.[1];
  return new CloudError(kind, error.message, { cause: err, ...(field ? { field } : {}) });
}

const REFERENCE_FIELDS: Array<[RegExp, string]> = [
  [/\bimage\b/i, 'image'],
  [/\bsize\b/i, 'size'],
  [/\bregion\b/i, 'location'],
  [/\bssh[ _]?keys?\b/i, 'keyName'],
  [/\bvpc\b/i, 'networks'],
];

function kindOf422(message: string): CloudErrorKind {
  if (/exceed.*limit|limit.*(exceed|reached)|quota/i.test(message)) return 'quota_exceeded';
  if (/already|pending event|in progress|is locked/i.test(message)) return 'conflict';
  if (
    /\b(image|size|region|ssh[ _]?keys?|vpc)\b/i.test(message) &&
    /invalid|not (found|available)|unavailable|does not exist|unknown/i.test(message)
  ) {
    return 'invalid_reference';
  }
  return 'invalid_request';
}
