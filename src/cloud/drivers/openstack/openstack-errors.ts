import { CloudError } from '../../driver/cloud-error';
import { providerMessage, toCloudError } from '../pkgcloud/pkgcloud-error';

/**
 * Nova answers 400 both for a malformed request and for one naming something that does not exist;
 * only its message tells them apart. These are the references a create request can name.
 */
const UNKNOWN_REFERENCE = [
  /flavor .*(could not be found|not found)|invalid flavorref|field\/attribute flavorRef/i,
  /can ?not find requested image|image .*(could not be found|not found)|invalid imageref|field\/attribute imageRef/i,
  /invalid key_?name|key ?pair .*not found/i,
  /availability zone/i,
  /network .*(could not be found|not found)|port .*(could not be found|not found)|field\/attribute uuid/i,
];

/** Nova's error for one operation, refined where the generic status mapping would mislead. */
export function novaError(err: unknown, operation: string): CloudError {
  const error = toCloudError(err, operation);
  const status = (err as { statusCode?: number })?.statusCode;
  if (
    status === 400 &&
    error.kind === 'invalid_request' &&
    UNKNOWN_REFERENCE.some((re) => re.test(providerMessage(err)))
  ) {
    return new CloudError('invalid_reference', error.message, { cause: err });
  }
  // Older Novas (and rate-limiting proxies in front of them) say "slow down" with 413 overLimit.
  if (status === 413 && error.kind === 'unavailable') {
    const retryAfter = Number(headerOf(err, 'retry-after'));
    return new CloudError('rate_limited', `${operation}: the cloud asked to slow down (HTTP 413)${suffix(err)}`, {
      cause: err,
      ...(Number.isFinite(retryAfter) && retryAfter >= 0 ? { retryAfterSeconds: Math.ceil(retryAfter) } : {}),
    });
  }
  // Nova's 403 is a policy refusal of a valid token, not a rejected credential.
  if (status === 403 && error.kind === 'auth_failed') {
    return new CloudError(
      'auth_failed',
      `${operation}: the cloud refused this operation for the configured user (HTTP 403)${suffix(err)}`,
      { cause: err },
    );
  }
  return error;
}

/** Keystone's answer to a login: anything but "no" or "too slow" is a setup problem, never the caller's. */
export function keystoneError(err: unknown, where: { tokensUrl: string; region: string }): CloudError {
  const operation = 'log in to Keystone';
  if (err instanceof CloudError) return err;
  const status = (err as { statusCode?: number })?.statusCode;
  if (status === 401 || status === 403) {
    return new CloudError('auth_failed', `${operation}: credentials rejected by the cloud (HTTP ${status})`, {
      cause: err,
    });
  }
  if (status === 404) {
    return new CloudError(
      'unavailable',
      `${operation}: ${where.tokensUrl} answered HTTP 404: check extraParams.authUrl (no version path) and keystoneVersion`,
      { cause: err },
    );
  }
  const message = (err as Error)?.message ?? '';
  if (!status && /endpoint/i.test(message)) {
    return new CloudError(
      'unavailable',
      `${operation}: the catalog has no compute endpoint in region "${where.region}": check extraParams.region`,
      { cause: err },
    );
  }
  const error = toCloudError(err, operation);
  // A 400 or 409 from Keystone comes from our settings (e.g. a project without its domain).
  if (error.kind === 'invalid_request' || error.kind === 'conflict' || error.kind === 'not_found') {
    return new CloudError('unavailable', `${operation}: Keystone refused the request (HTTP ${status})${suffix(err)}`, {
      cause: err,
    });
  }
  return error;
}

function headerOf(err: unknown, name: string): unknown {
  const headers = (err as { headers?: Record<string, unknown> })?.headers ?? {};
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function suffix(err: unknown): string {
  const message = providerMessage(err);
  return message ? `: ${message}` : '';
}
