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
/** Per-answer headers, never copied from the routed answer. */
const OWN = new Set(['content-length', 'x-request-id', 'date', 'connection', 'keep-alive', 'transfer-encoding']);

/**
 * Kubernetes probes answered on the socket, before Fastify and Nest: kubelets call them every few
 * seconds on every pod, and the routed path (hooks, middleware, pipes, interceptors, serializer) cost
 * several times what the answer itself does. Answered here: a plain GET of exactly /health/live.
 * Everything else (HEAD, a query string, a CORS request, the first probe) goes to the routed
 * HealthController, which documents it and stays the reference: the fast path copies its headers from
 * the controller's first answer and builds the same terminus body (a test compares the two).
 * Readiness is always routed: it asks the state store every time. Fast liveness answers are neither
 * logged (as before) nor counted in the HTTP metrics.
 */
export class ProbeFastPath {
  /** The routed answer's headers as a flat [name, value, …] list (node:http's cheapest form). */
  private headers?: string[];
  private readiness?: { readonly current: string };
  private liveSecond = -1;
  private liveBody = '';

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
   * Starts serving once the routed controller has answered a liveness probe (its headers are learnt).
   * While the service drains, probes are routed again, so keep-alive callers are told to go.
   */
  attach(fastify: FastifyInstance, readiness: { readonly current: string }): void {
    this.readiness = readiness;
    fastify.addHook('onSend', async (request, reply, payload) => {
      if (!this.headers && request.routeOptions.url === LIVE && reply.statusCode === 200) {
        const headers: string[] = [];
        for (const [name, value] of Object.entries(reply.getHeaders())) {
          if (OWN.has(name.toLowerCase()) || value === undefined) continue;
          for (const one of Array.isArray(value) ? value : [value]) headers.push(name, String(one));
        }
        this.headers = headers;
      }
      return payload;
    });
  }

  private answer(req: IncomingMessage, res: ServerResponse): boolean {
    const headers = this.headers;
    if (!headers || req.url !== LIVE || req.method !== 'GET' || req.headers.origin !== undefined) return false;
    if (this.readiness?.current === 'stopping') return false;
    const body = this.live();
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
