import { CloudError } from '../../driver/cloud-error';
import { rateLimitDelay } from '../../driver/rate-limit';
import { answerError, noAnswerError, providerMessage, statusKind, statusOf } from '../pkgcloud/provider-error';

/** Keystone's answer to a login: anything but "no" or "too slow" is a setup problem, never the caller's. */
export function keystoneError(
  err: unknown,
  where: { tokensUrl: string; region: string; interface: string; computeEndpoints: string[] },
): CloudError {
  const operation = 'log in to Keystone';
  if (err instanceof CloudError) return err;
  const status = statusOf(err);
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
  if (status === undefined) {
    if (/endpoint/i.test((err as Error)?.message ?? '')) {
      return new CloudError(
        'unavailable',
        `${operation}: the catalog has no ${where.interface} compute endpoint in region "${where.region}"; it offers ` +
          (where.computeEndpoints.length ? where.computeEndpoints.join(', ') : 'no compute endpoint at all') +
          ': check extraParams.region and extraParams.interface',
        { cause: err },
      );
    }
    return noAnswerError(err, operation);
  }
  const message = providerMessage(err);
  const kind = statusKind(status, message);
  // A 400 or 409 from Keystone comes from our settings (e.g. a project without its domain).
  if (kind === 'invalid_request' || kind === 'conflict' || kind === 'not_found') {
    return new CloudError(
      'unavailable',
      `${operation}: Keystone refused the request (HTTP ${status})${message ? `: ${message}` : ''}`,
      { cause: err },
    );
  }
  const delay =
    kind === 'rate_limited'
      ? rateLimitDelay({ headers: (err as { headers?: Record<string, unknown> }).headers })
      : undefined;
  return answerError(kind, operation, status, err, delay);
}
