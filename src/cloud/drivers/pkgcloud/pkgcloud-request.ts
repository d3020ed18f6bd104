import type { ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import type { ComputeClient } from 'pkgcloud';
import { currentCallScope } from '../../call-scope';
import { CloudError } from '../../driver/cloud-error';

export interface ProviderRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Relative to the client's base URL (pkgcloud's `_getUrl`). */
  path: string;
  /** Query parameters; an array repeats its key (`sort_key=a&sort_key=b`), as OpenStack APIs read it. */
  qs?: Record<string, string | number | string[]>;
  body?: unknown;
}

export interface ProviderResponse {
  status: number;
  headers: Record<string, unknown>;
  /** Parsed JSON, or the raw text when the answer was not JSON. */
  body: unknown;
}

/** What pkgcloud's `_request` returns: the `request` module's Request (or its inline-login proxy). */
interface Abortable {
  abort?: () => void;
  on?: (event: 'request', listener: (outgoing: ClientRequest) => void) => void;
}

/** Thrown when a request was stopped by its call's deadline (or its caller), whether or not it was sent. */
export class RequestAborted extends Error {
  override readonly name = 'RequestAborted';
  constructor(readonly sent: boolean) {
    super(sent ? 'the request was sent and then abandoned at its deadline' : 'the request was never sent');
  }
}

/** A request that failed after it was handed to a socket: the cloud may have received it. */
export class SentWithoutAnswer extends Error {
  override readonly name = 'SentWithoutAnswer';
  constructor(override readonly cause: unknown) {
    super('the request was sent but no answer came');
  }
}

/**
 * One HTTP exchange through a pkgcloud client's own `_request`, so its base URL, auth headers,
 * `before` hooks (socket timeout, agent) and inline login still apply, but answered whatever the
 * status. Why: pkgcloud's failCodes lists are incomplete (DigitalOcean passes 422 and 429 off as
 * success, OpenStack 429 and 502), and several of its methods throw inside the HTTP callback on a
 * body they cannot read, which would crash the process. Rejects only when no HTTP answer came
 * (socket errors, timeouts, a failed login without a status).
 *
 * Bounded by the running cloud call's signal (see CallScope): nothing is sent once it has aborted,
 * a request still queued for a socket is dropped, one in flight is torn down with its socket. The
 * call scope counts writes (not GET) handed to a socket and not answered, so the call can tell
 * "nothing happened" from "outcome unknown".
 */
export function providerRequest(client: ComputeClient, request: ProviderRequest): Promise<ProviderResponse> {
  const scope = currentCallScope();
  const signal = scope?.signal;
  const write = (request.method ?? 'GET') !== 'GET';
  if (scope) scope.tracked = true;
  if (signal?.aborted) return Promise.reject(new RequestAborted(false));
  return new Promise<ProviderResponse>((resolve, reject) => {
    let settled = false;
    let sent = false;
    let pending: Abortable | undefined;
    const finish = () => {
      signal?.removeEventListener('abort', onAbort);
      if (sent && write && scope) scope.unansweredWrites--;
    };
    const onAbort = () => {
      if (settled) return;
      settled = true;
      pending?.abort?.();
      // Still counted as unanswered: the call's deadline decides what to say about it.
      signal?.removeEventListener('abort', onAbort);
      reject(new RequestAborted(sent));
    };
    const callback = (err: any, body?: unknown, res?: any) => {
      if (settled) return;
      settled = true;
      finish();
      if (err && typeof err.statusCode === 'number') {
        // pkgcloud's own HTTP error (a listed failCode, or a login answer): still an answer.
        resolve({ status: err.statusCode, headers: err.headers ?? {}, body: err.result });
      } else if (err) {
        reject(sent && write ? new SentWithoutAnswer(err) : (err as Error));
      } else {
        resolve({ status: Number(res?.statusCode ?? 0), headers: res?.headers ?? {}, body });
      }
    };
    try {
      const options: Record<string, unknown> = { method: request.method ?? 'GET', path: request.path };
      if (request.qs) options.qs = request.qs;
      if (request.body !== undefined) options.body = request.body;
      pending = client._request(options, callback) as Abortable | undefined;
      // `request` hands out the node ClientRequest once it starts. It counts as sent once it holds a
      // connected socket (its bytes go out then); while it waits in the agent's queue, it does not.
      const markSent = () => {
        if (settled || sent) return;
        sent = true;
        if (write && scope) scope.unansweredWrites++;
      };
      pending?.on?.('request', (outgoing: ClientRequest) =>
        outgoing.on('socket', (socket: Socket) => {
          if (socket.connecting) socket.once('connect', markSent);
          else markSent();
        }),
      );
      signal?.addEventListener('abort', onAbort, { once: true });
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
