import { CloudError, CloudErrorKind } from '../../driver/cloud-error';

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

/**
 * Turns what pkgcloud hands a callback (HTTP errors with statusCode and a parsed body, raw socket
 * errors, aws-sdk errors) into a CloudError. Providers refine it through PkgcloudDriver.classify.
 */
export function toCloudError(err: any, operation: string): CloudError {
  if (err instanceof CloudError) return err;
  const status: number | undefined = numberOr(err?.statusCode) ?? numberOr(err?.status);
  const code: string | undefined = typeof err?.code === 'string' ? err.code : undefined;
  const message = providerMessage(err);

  if (code && NETWORK_TIMEOUT.has(code))
    return new CloudError('timeout', `${operation}: no answer from the cloud in time`, { cause: err });
  if (code && NETWORK_DOWN.has(code) && !status)
    return new CloudError('unavailable', `${operation}: cannot reach the cloud (${code})`, { cause: err });
  if (!status) {
    return new CloudError('unavailable', `${operation}: the cloud failed${message ? `: ${message}` : ''}`, {
      cause: err,
    });
  }
  const kind = kindForStatus(status, message);
  const retryAfterSeconds = kind === 'rate_limited' ? retryAfter(err) : undefined;
  const text =
    kind === 'auth_failed'
      ? `${operation}: credentials rejected by the cloud (HTTP ${status})`
      : `${operation}: the cloud answered HTTP ${status}${message ? `: ${message}` : ''}`;
  return new CloudError(kind, text, { retryAfterSeconds, cause: err });
}

function kindForStatus(status: number, message: string): CloudErrorKind {
  if (/quota|limit exceeded|exceeded .*limit/i.test(message) && status !== 429) return 'quota_exceeded';
  if (status === 401) return 'auth_failed';
  if (status === 403) return 'auth_failed';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 429) return 'rate_limited';
  if (status === 400 || status === 422) return 'invalid_request';
  if (status === 501) return 'unsupported';
  if (status === 408 || status === 504) return 'timeout';
  return 'unavailable';
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
  if (err?.code && err?.message && !err?.statusCode) candidates.push(err.message);
  if (err?.code && err?.statusCode) candidates.push(err.message);
  const found = candidates.find((c): c is string => typeof c === 'string' && c.trim().length > 0);
  return found ? found.trim().replace(/\s+/g, ' ').slice(0, 300) : '';
}

function retryAfter(err: any): number | undefined {
  const header = err?.headers?.['retry-after'] ?? err?.response?.headers?.['retry-after'];
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.ceil(seconds) : undefined;
}

function numberOr(value: unknown): number | undefined {
  const n = Number(value);
  return Number.isInteger(n) && n >= 100 && n < 600 ? n : undefined;
}
