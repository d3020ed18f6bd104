import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { requestIdFor } from '../observability/request-id';

/** Fastify's HTTP/1 server options that a server factory must apply itself. */
interface ServerOptions {
  keepAliveTimeout?: number;
  requestTimeout?: number;
  connectionTimeout?: number;
  maxRequestsPerSocket?: number;
}

const LIVE = '/health/live';
const READY = '/health/ready';
/** Per-answer headers, never copied from the routed answer. */
const OWN = new Set(['content-length', 'x-request-id', 'date', 'connection', 'keep-alive', 'transfer-encoding']);

/**
 * Kubernetes probes answered on the socket, before Fastify and Nest: kubelets call them every few
 * seconds on every pod, and the routed path (hooks, middleware, pipes, interceptors, serializer) cost
 * several times what the answer itself does. Answered here: a plain GET of exactly /health/live, and
 * of /health/ready while the service is ready. Everything else (another state, HEAD, a query string,
 * a CORS request, the first probe of each kind) goes to the routed HealthController, which documents
 * both and stays the reference: the fast path copies its headers from the controller's first answer
 * and builds the same terminus body (a test compares the two). Probes are neither logged (as before)
 * nor counted in the HTTP metrics.
 */
export class ProbeFastPath {
  private readiness?: { readonly current: string };
  /** Per probe path, the routed answer's headers as a flat [name, value, …] list (node:http's cheapest form). */
  private readonly headers = new Map<string, string[]>();
  private liveSecond = -1;
  private liveBody = '';
  private readonly readyBody = report('ok', { service: { status: 'up', state: 'ready' } });

  /** For FastifyAdapter's serverFactory option: a node:http server that tries the fast path first. */
  readonly serverFactory = (handler: (req: IncomingMessage, res: ServerResponse) => void, options: ServerOptions) => {
    const server: Server = createServer((req, res) => {
      if (!this.answer(req, res)) handler(req, res);
    });
    // What Fastify does for the servers it creates itself.
    if (options.keepAliveTimeout !== undefined) server.keepAliveTimeout = options.keepAliveTimeout;
    if (options.requestTimeout !== undefined) server.requestTimeout = options.requestTimeout;
    if (options.connectionTimeout !== undefined) server.setTimeout(options.connectionTimeout);
    if (options.maxRequestsPerSocket) server.maxRequestsPerSocket = options.maxRequestsPerSocket;
    return server;
  };

  /**
   * Starts serving once the app exists: `readiness` is read on every probe, and each probe's headers
   * are learnt from the routed controller's first 200 answer.
   */
  attach(fastify: FastifyInstance, readiness: { readonly current: string }): void {
    this.readiness = readiness;
    fastify.addHook('onSend', async (request, reply, payload) => {
      const url = request.routeOptions.url;
      if ((url === LIVE || url === READY) && reply.statusCode === 200 && !this.headers.has(url)) {
        const headers: string[] = [];
        for (const [name, value] of Object.entries(reply.getHeaders())) {
          if (OWN.has(name.toLowerCase()) || value === undefined) continue;
          for (const one of Array.isArray(value) ? value : [value]) headers.push(name, String(one));
        }
        this.headers.set(url, headers);
      }
      return payload;
    });
  }

  private answer(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url;
    if (req.method !== 'GET' || (url !== LIVE && url !== READY) || req.headers.origin !== undefined) return false;
    const headers = this.headers.get(url);
    if (!headers || !this.readiness) return false;
    let body: string;
    if (url === READY) {
      if (this.readiness.current !== 'ready') return false; // 503 and its report: the controller
      body = this.readyBody;
    } else {
      body = this.live();
    }
    res.writeHead(200, [
      ...headers,
      'x-request-id',
      requestIdFor(req),
      'content-length',
      String(Buffer.byteLength(body)),
    ]);
    res.end(body);
    return true;
  }

  /** terminus' liveness report; its only changing part, uptimeSeconds, changes once a second. */
  private live(): string {
    const uptimeSeconds = Math.round(process.uptime());
    if (uptimeSeconds !== this.liveSecond) {
      this.liveSecond = uptimeSeconds;
      this.liveBody = report('ok', { process: { status: 'up', uptimeSeconds } });
    }
    return this.liveBody;
  }
}

/** The shape terminus answers for checks that all passed. */
function report(status: 'ok', info: Record<string, unknown>): string {
  return JSON.stringify({ status, info, error: {}, details: info });
}
