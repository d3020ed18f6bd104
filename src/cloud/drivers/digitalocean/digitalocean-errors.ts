import { CloudError, CloudErrorKind } from '../../driver/cloud-error';
import { header, retryAfterSeconds } from '../pkgcloud/pkgcloud-request';
import { providerMessage, toCloudError } from '../pkgcloud/pkgcloud-error';

/**
 * DigitalOcean's answers refined beyond the generic mapping: errors are `{id, message}`; 422
 * (unprocessable_entity) covers unknown references, state conflicts and account limits alike, so
 * the message decides; 429 says when to come back in Retry-After or, failing that, RateLimit-Reset
 * (a Unix time); every 5xx means the cloud is unavailable.
 */
export function classifyDigitalOcean(err: any, operation: string, now = Date.now()): CloudError {
  const generic = toCloudError(err, operation);
  const status = typeof err?.statusCode === 'number' ? err.statusCode : undefined;
  if (status === undefined) return generic;
  const message = providerMessage(err);
  const headers: Record<string, unknown> = err.headers ?? {};

  let kind: CloudErrorKind = generic.kind;
  let retryAfter: number | undefined;
  if (status >= 500) kind = 'unavailable';
  else if (status === 422) kind = kindOf422(message);
  else if (status === 429) {
    kind = 'rate_limited';
    retryAfter =
      retryAfterSeconds(header(headers, 'retry-after'), now) ?? untilReset(header(headers, 'ratelimit-reset'), now);
  }
  if (kind === generic.kind && retryAfter === undefined) return generic;
  const text = `${operation}: the cloud answered HTTP ${status}${message ? `: ${message}` : ''}`;
  return new CloudError(kind, text, { retryAfterSeconds: retryAfter, cause: err });
}

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

function untilReset(reset: string | undefined, now: number): number | undefined {
  const epoch = Number(reset);
  if (!reset || !Number.isFinite(epoch)) return undefined;
  return Math.max(1, Math.ceil(epoch - now / 1000));
}
