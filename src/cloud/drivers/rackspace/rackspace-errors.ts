import { CloudError, CloudErrorKind } from '../../driver/cloud-error';
import { header, retryAfterSeconds } from '../pkgcloud/pkgcloud-request';
import { providerMessage, toCloudError } from '../pkgcloud/pkgcloud-error';

/**
 * Rackspace's answers refined beyond the generic mapping. Rate limits come as 413 (Nova's
 * "overLimit", with Retry-After) or 429 from Repose; a 413 about a quota is an absolute limit. Nova
 * reports unknown key pairs, images and flavors on create as 400. Every 5xx but 501 is "unavailable".
 */
export function classifyRackspace(err: any, operation: string, now = Date.now()): CloudError {
  const generic = toCloudError(err, operation);
  const status = typeof err?.statusCode === 'number' ? err.statusCode : undefined;
  if (status === undefined) return generic;
  const message = providerMessage(err);

  let kind: CloudErrorKind = generic.kind;
  let retryAfter: number | undefined;
  if (status === 413 || status === 429) {
    kind = status === 413 && /quota/i.test(message) ? 'quota_exceeded' : 'rate_limited';
    if (kind === 'rate_limited') {
      const body = err.result ?? {};
      retryAfter =
        retryAfterSeconds(header(err.headers ?? {}, 'retry-after'), now) ??
        retryAfterSeconds(typeof body.overLimit?.retryAfter === 'string' ? body.overLimit.retryAfter : undefined, now);
    }
  } else if (status >= 500 && status !== 501) {
    kind = 'unavailable';
  } else if (status === 400 && isUnknownReference(message)) {
    kind = 'invalid_reference';
  }
  if (kind === generic.kind && retryAfter === undefined) return generic;
  const text = `${operation}: the cloud answered HTTP ${status}${message ? `: ${message}` : ''}`;
  return new CloudError(kind, text, { retryAfterSeconds: retryAfter, cause: err });
}

function isUnknownReference(message: string): boolean {
  return (
    /invalid (key_name|flavorRef|imageRef|networks?)\b/i.test(message) ||
    /can ?not find requested image/i.test(message) ||
    /\b(flavor|image|key ?pair|network)\b.*\b(not found|could not be found|does not exist)/i.test(message)
  );
}
