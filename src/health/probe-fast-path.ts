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

/** What the service's own node:http server is made with. */
export interface ServerSettings {
  /** node:http's limit for the request line and headers together, in bytes. */
  maxHeaderSize: number;
}

const LIVE = '/health/live';
const READY = '/health/ready';
/** Per-answer headers, never copied from the routed answer. */
const OWN = new Set(['content-length', 'x-request-id', 'date', 'connection', 'keep-alive', 'transfer-encoding']);

/** What readiness depends on: the service's lifecycle and the state store's last background check. */
export interface ReadinessSources {
  readonly readiness: { readonly current: string };
  readonly store: { readonly verdict: { readonly status: string; readonly dialect: string } };
}

/**
 * Kubernetes probes answered on the socket, before Fastify and Nest: kubelets call them every few
 * seconds on every pod, and the routed path (hooks, middleware, pipes, interceptors, serializer) cost
 * several times what the answer itself does. Answered here: a plain GET of exactly /health/live, and
 * of exactly /health/ready while the service is ready and the state store's last background check
 * passed (StoreHealthService: no query per probe). Everything else (HEAD, a query string, a CORS
 * request, the first probe of each path, any not-ready answer) goes to the routed HealthController,
 * which documents it and stays the reference: the fast path copies its headers from the controller's
 * first 200 and builds the same terminus body (a test compares the two). Fast answers are neither
 * logged (as before) nor counted in the HTTP metrics.
 */
export class ProbeFastPath {
  /** Per path, the routed answer's headers as a flat [name, value, …] list (node:http's cheapest form). */
  private readonly headers = new Map<string, string[]>();
  private sources?: ReadinessSources;
  private liveSecond = -1;
  private live?: Prepared;
  private readyDialect = '';
  private ready?: Prepared;

  constructor(private readonly server: ServerSettings) {}

  /** For FastifyAdapter's serverFactory option: a node:http server that tries the fast path first. */
  readonly serverFactory = (handler: (req: IncomingMessage, res: ServerResponse) => void, options: ServerOptions) => {
    const server: Server = createServer({ maxHeaderSize: this.server.maxHeaderSize }, (req, res) => {
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
   * Starts serving a path once the routed controller has answered it with 200 (its headers are
   * learnt). While the service drains, probes are routed again, so keep-alive callers are told to go.
   */
  attach(fastify: FastifyInstance, sources: ReadinessSources): void {
    this.sources = sources;
    fastify.addHook('onSend', (request, reply, payload, done) => {
      const path = request.routeOptions.url;
      if ((path === LIVE || path === READY) && !this.headers.has(path) && reply.statusCode === 200) {
        const headers: string[] = [];
        for (const [name, value] of Object.entries(reply.getHeaders())) {
          if (OWN.has(name.toLowerCase()) || value === undefined) continue;
          for (const one of Array.isArray(value) ? value : [value]) headers.push(name, String(one));
        }
        this.headers.set(path, headers);
      }
      done(null, payload);
    });
  }

  private answer(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url;
    if ((url !== LIVE && url !== READY) || req.method !== 'GET' || req.headers.origin !== undefined) return false;
    const headers = this.headers.get(url);
    const sources = this.sources;
    if (!headers || !sources || sources.readiness.current !== 'ready') return false;
    const answer = url === LIVE ? this.liveAnswer(headers) : this.readyAnswer(headers, sources.store.verdict);
    if (answer === undefined) return false;
    // The one per-answer value goes into the prepared list: writeHead reads it synchronously and keeps
    // no reference, so the next answer cannot see this one's id.
    answer.head[answer.idAt] = requestIdFor(req);
    res.writeHead(200, answer.head);
    res.end(answer.body);
    return true;
  }

  /** terminus' readiness report when every check passed; undefined otherwise (the router answers). */
  private readyAnswer(
    headers: string[],
    store: { readonly status: string; readonly dialect: string },
  ): Prepared | undefined {
    if (store.status !== 'up') return undefined;
    if (store.dialect !== this.readyDialect || this.ready === undefined) {
      this.readyDialect = store.dialect;
      this.ready = prepare(
        headers,
        report('ok', { service: { status: 'up', state: 'ready' }, store: { status: 'up', dialect: store.dialect } }),
      );
    }
    return this.ready;
  }

  /** terminus' liveness report; its only changing part, uptimeSeconds, changes once a second. */
  private liveAnswer(headers: string[]): Prepared {
    const uptimeSeconds = Math.round(process.uptime());
    if (uptimeSeconds !== this.liveSecond || this.live === undefined) {
      this.liveSecond = uptimeSeconds;
      this.live = prepare(headers, report('ok', { process: { status: 'up', uptimeSeconds } }));
    }
    return this.live;
  }
}

/**
 * A 200 worked out once per body (once a second for liveness, once per store dialect for readiness)
 * instead of per answer: the body, and the whole header list with its Content-Length, where only the
 * X-Request-Id value (at idAt) changes from answer to answer.
 */
interface Prepared {
  readonly body: string;
  readonly head: string[];
  readonly idAt: number;
}

function prepare(headers: readonly string[], body: string): Prepared {
  const head = [...headers, 'content-length', String(Buffer.byteLength(body)), 'x-request-id', ''];
  return { body, head, idAt: head.length - 1 };
}

/** The shape terminus answers for checks that all passed. */
function report(status: 'ok', info: Record<string, unknown>): string {
  return JSON.stringify({ status, info, error: {}, details: info });
}
