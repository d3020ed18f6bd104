import { Agent as HttpAgent, request as httpRequest, IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { currentCallScope } from '../../call-scope';
import { RequestAborted } from './pkgcloud-request';

/** pkgcloud's identity (not in its typings): what the subclass below relies on. */
interface PkgcloudIdentity {
  options: { url: string; strictSSL?: boolean; tenantId?: string; tenantName?: string; headers?: object };
  basePath: string;
  _authenticationPayload?: { auth: Record<string, unknown> };
  _buildAuthenticationPayload(): void;
  _parseIdentityResponse(body: unknown, headers: Record<string, unknown>): void;
}
export type IdentityClass = new (options: object) => PkgcloudIdentity;

/**
 * A pkgcloud identity class (OpenStack's Keystone, or Rackspace Identity, which extends it) with its
 * one HTTP request (the login) sent the way every other request of the driver is: through the
 * driver's agents, with a socket timeout, and torn down when the running call's signal aborts. Why
 * own code: pkgcloud sends the login with the `request` module's defaults (no timeout, the global
 * agent) and gives no handle on it, so a hung identity service left one open socket per timed-out
 * login; and it reads only the statuses in its failCodes, so a 429 lost its status and Retry-After.
 * Payload building (password, or Rackspace's API key) and response parsing stay `Base`'s. pkgcloud's
 * v1 and tenant-discovery paths are not used by this service.
 */
export function boundedIdentity(
  Base: IdentityClass,
  agents: { http: HttpAgent; https: HttpsAgent },
  timeoutMs: number,
): IdentityClass {
  class BoundedIdentity extends Base {
    authorize(options: unknown, callback?: (err?: unknown) => void): void {
      const done = (typeof options === 'function' ? options : callback) as (err?: unknown) => void;
      this._buildAuthenticationPayload();
      const payload = this._authenticationPayload;
      delete this._authenticationPayload; // no copy of the credentials kept in memory
      if (!payload) return void process.nextTick(() => done(new Error('Unable to authorize; missing required inputs')));
      if (this.options.tenantId) payload.auth.tenantId = this.options.tenantId;
      else if (this.options.tenantName) payload.auth.tenantName = this.options.tenantName;
      const url = new URL(this.options.url.replace(/\/+$/, '') + this.basePath);
      postJson(url, payload, {
        agents,
        timeoutMs,
        strictSSL: this.options.strictSSL,
        headers: this.options.headers,
      }).then(
        ({ status, headers, body }) => {
          // The shape pkgcloud's own errors have, so the driver's login classification reads it.
          if (status >= 400) return done({ statusCode: status, headers, result: body, message: `HTTP ${status}` });
          try {
            this._parseIdentityResponse(body, headers);
          } catch (err) {
            return done(err);
          }
          done();
        },
        (err: unknown) => done(err),
      );
    }
  }
  return BoundedIdentity;
}

function postJson(
  url: URL,
  payload: unknown,
  options: {
    agents: { http: HttpAgent; https: HttpsAgent };
    timeoutMs: number;
    strictSSL?: boolean;
    headers?: object;
  },
): Promise<{ status: number; headers: Record<string, unknown>; body: unknown }> {
  const signal = currentCallScope()?.signal;
  if (signal?.aborted) return Promise.reject(new RequestAborted(false));
  const text = JSON.stringify(payload);
  const https = url.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(url, {
      method: 'POST',
      agent: https ? options.agents.https : options.agents.http,
      timeout: options.timeoutMs,
      signal,
      ...(https ? { rejectUnauthorized: options.strictSSL !== false } : {}),
      headers: {
        ...(options.headers ?? {}),
        'content-type': 'application/json',
        accept: 'application/json',
        'content-length': Buffer.byteLength(text),
      },
    });
    // The socket timeout ends the request and frees its socket, instead of leaving it open.
    req.on('timeout', () => req.destroy(Object.assign(new Error('login timed out'), { code: 'ESOCKETTIMEDOUT' })));
    req.on('error', (err: Error & { code?: string }) =>
      reject(err.name === 'AbortError' || err.code === 'ABORT_ERR' ? new RequestAborted(true) : err),
    );
    req.on('response', (res: IncomingMessage) => {
      let raw = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (raw += chunk));
      res.on('error', reject);
      res.on('end', () => {
        let body: unknown = raw;
        try {
          body = raw ? JSON.parse(raw) : undefined;
        } catch {
          /* not JSON: kept as text; the caller decides */
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    req.end(text);
  });
}
