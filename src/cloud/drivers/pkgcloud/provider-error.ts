import { CloudError, CloudErrorKind } from '../../driver/cloud-error';

/**
 * Building blocks of each provider's one classification step (its driver's `classify`): what a
 * failure with no HTTP answer means, the kind an HTTP status means when the provider's own words say
 * nothing finer, and the provider's words themselves.
 */

const NETWORK_TIMEOUT = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'ECONNABORTED', 'TimeoutError']);
const NETWORK_DOWN = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  'EPIPE',
  'NetworkingError',
]);

/** The HTTP status of a provider error (pkgcloud's `statusCode`, aws-sdk's too), when it has one. */
export function statusOf(err: unknown): number | undefined {
  const e = err as { statusCode?: unknown; status?: unknown } | null | undefined;
  return httpStatus(e?.statusCode) ?? httpStatus(e?.status);
}

/**
 * A request that got no HTTP answer (socket errors and timeouts, a client that failed before
 * sending): `timeout` or `unavailable`. A CloudError passes through unchanged.
 */
export function noAnswerError(err: any, operation: string): CloudError {
  if (err instanceof CloudError) return err;
  const code: string | undefined = typeof err?.code === 'string' ? err.code : undefined;
  if (code && NETWORK_TIMEOUT.has(code))
    return new CloudError('timeout', `${operation}: no answer from the cloud in time`, { cause: err });
  if (code && NETWORK_DOWN.has(code))
    return new CloudError('unavailable', `${operation}: cannot reach the cloud (${code})`, { cause: err });
  const message = providerMessage(err);
  return new CloudError('unavailable', `${operation}: the cloud failed${message ? `: ${message}` : ''}`, {
    cause: err,
  });
}

/** The kind an HTTP error status means when the provider's message says nothing finer. */
export function statusKind(status: number, message: string): CloudErrorKind {
  if (/quota|limit exceeded|exceeded .*limit/i.test(message) && status !== 429) return 'quota_exceeded';
  if (status === 401 || status === 403) return 'auth_failed';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 429) return 'rate_limited';
  if (status === 400 || status === 422) return 'invalid_request';
  if (status === 501) return 'unsupported';
  if (status === 408 || status === 504) return 'timeout';
  return 'unavailable';
}

/** The CloudError for an HTTP answer of this kind, in the words every provider's errors use. */
export function answerError(
  kind: CloudErrorKind,
  operation: string,
  status: number,
  err: unknown,
  retryAfterSeconds?: number,
): CloudError {
  const message = providerMessage(err);
  const text =
    kind === 'auth_failed'
      ? `${operation}: credentials rejected by the cloud (HTTP ${status})`
      : `${operation}: the cloud answered HTTP ${status}${message ? `: ${message}` : ''}`;
  return new CloudError(kind, text, { retryAfterSeconds, cause: err });
}

/** The provider's own words: Nova {"itemNotFound": {"message"}}, DigitalOcean {"message"}, EC2 XML Message. */
export function providerMessage(err: any): string {
  const candidates: unknown[] = [];
  const body = err?.result ?? err?.body;
  if (body && typeof body === 'object') {
    candidates.push(body.message, body.error_message, body.error?.message);
    for (const value of Object.values(body)) {
      if (value && typeof value === 'object') candidates.push((value as any).message);
    }
  }
  if (typeof body === 'string') candidates.push(body);
  if (err?.code && err?.message) candidates.push(err.message);
  const found = candidates.find((c): c is string => typeof c === 'string' && c.trim().length > 0);
  return found ? found.trim().replace(/\s+/g, ' ').slice(0, 300) : '';
}

function httpStatus(value: unknown): number | undefined {
  const n = Number(value);
  return Number.isInteger(n) && n >= 100 && n < 600 ? n : undefined;
}
