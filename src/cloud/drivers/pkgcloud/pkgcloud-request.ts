import type { ComputeClient } from 'pkgcloud';
import { CloudError } from '../../driver/cloud-error';

export interface ProviderRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Relative to the client's base URL (pkgcloud's `_getUrl`). */
  path: string;
  qs?: Record<string, string | number>;
  body?: unknown;
}

export interface ProviderResponse {
  status: number;
  headers: Record<string, unknown>;
  /** Parsed JSON, or the raw text when the answer was not JSON. */
  body: unknown;
}

/**
 * One HTTP exchange through a pkgcloud client's own `_request`, so its base URL, auth headers,
 * `before` hooks (socket timeout, agent) and inline login still apply, but answered whatever the
 * status. Why: pkgcloud's failCodes lists are incomplete (DigitalOcean passes 422 and 429 off as
 * success, OpenStack 429 and 502), and several of its methods throw inside the HTTP callback on a
 * body they cannot read, which would crash the process. Rejects only when no HTTP answer came
 * (socket errors, timeouts, a failed login without a status).
 */
export function providerRequest(client: ComputeClient, request: ProviderRequest): Promise<ProviderResponse> {
  return new Promise<ProviderResponse>((resolve, reject) => {
    let settled = false;
    const callback = (err: any, body?: unknown, res?: any) => {
      if (settled) return;
      settled = true;
      if (err && typeof err.statusCode === 'number') {
        // pkgcloud's own HTTP error (a listed failCode, or a login answer): still an answer.
        resolve({ status: err.statusCode, headers: err.headers ?? {}, body: err.result });
      } else if (err) {
        reject(err as Error);
      } else {
        resolve({ status: Number(res?.statusCode ?? 0), headers: res?.headers ?? {}, body });
      }
    };
    try {
      const options: Record<string, unknown> = { method: request.method ?? 'GET', path: request.path };
      if (request.qs) options.qs = request.qs;
      if (request.body !== undefined) options.body = request.body;
      client._request(options, callback);
    } catch (err) {
      callback(err);
    }
  });
}

/** The shape toCloudError reads (statusCode, headers, result), for a provider answer with an error status. */
export function asHttpError(response: ProviderResponse): {
  statusCode: number;
  headers: Record<string, unknown>;
  result: unknown;
} {
  return { statusCode: response.status, headers: response.headers, result: response.body };
}

/**
 * The JSON object a successful answer must carry (with an object or array under `key`, when given),
 * or an `unavailable` CloudError naming the operation.
 */
export function jsonObject(operation: string, response: ProviderResponse, key?: string): Record<string, any> {
  const body = response.body as Record<string, any> | null;
  const ok =
    body !== null &&
    typeof body === 'object' &&
    !Array.isArray(body) &&
    (key === undefined || (body[key] !== null && typeof body[key] === 'object'));
  if (!ok) throw unreadable(operation, response.status);
  return body;
}

/** The array a list answer must carry, keeping only its objects. */
export function listOf(operation: string, value: unknown): any[] {
  if (!Array.isArray(value)) throw unreadable(operation);
  return value.filter((v) => v && typeof v === 'object');
}

export function unreadable(operation: string, status?: number): CloudError {
  return new CloudError(
    'unavailable',
    `${operation}: the cloud sent an answer that could not be read${status ? ` (HTTP ${status})` : ''}`,
  );
}
