import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { context, trace } from '@opentelemetry/api';
import type { Params } from 'nestjs-pino';
import { destination } from 'pino';

/** Request headers that carry credentials (pino's redaction, by exact path). */
export const REDACTED_PATHS = ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'];

/** Field names that may hold a secret: censored in any object one level down in a log line (`*.password`). */
export const SECRET_FIELDS = ['password', 'token', 'apiKey', 'key', 'secret', 'authorization'];

export const CENSOR = '[redacted]';

/**
 * pino's wildcard redaction (`*.password`, …) done by a formatter: what pino 10's redaction library
 * (@pinojs/redact 0.4) does for a wildcard path costs ~0.6 µs per path and logged value, since it
 * re-parses every path on each call, even for strings and numbers (4.5 µs of a 6 µs access line with
 * these six paths). This checks only the values that are objects, and copies what it censors, so the
 * caller's object (an error, a settings object) is never changed. Same rule and censor as the paths
 * were: a field of that name directly inside any top-level field, own or inherited.
 */
export function censorSecrets<T extends Record<string, unknown>>(object: T): T {
  let result: Record<string, unknown> | undefined;
  for (const field in object) {
    const value = object[field] as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
    let copy: object | undefined;
    for (const secret of SECRET_FIELDS) {
      if (!(secret in value)) continue;
      // Own properties, including non-enumerable ones (an Error's message and stack), and the prototype.
      copy ??= Object.create(Object.getPrototypeOf(value) as object | null, dataDescriptors(value)) as object;
      Object.defineProperty(copy, secret, { value: CENSOR, enumerable: true, writable: true, configurable: true });
    }
    if (copy) (result ??= { ...object })[field] = copy;
  }
  return (result ?? object) as T;
}

/**
 * An object's own property descriptors with accessors read into plain values: on Node 24 (V8 12+) an
 * Error's `stack` is an own accessor that reads the error's internal slot, so copied as an accessor
 * onto another object it yields nothing and the logged error lost its stack.
 */
function dataDescriptors(value: object): PropertyDescriptorMap {
  const descriptors = Object.getOwnPropertyDescriptors(value);
  for (const [key, d] of Object.entries(descriptors)) {
    if (d.get || d.set)
      descriptors[key] = {
        value: (value as Record<string, unknown>)[key],
        enumerable: d.enumerable,
        writable: true,
        configurable: true,
      };
  }
  return descriptors;
}

declare module 'http' {
  interface IncomingMessage {
    /** The matched route pattern (e.g. /api/v1/clouds/:cloud/nodes), set by a Fastify hook. */
    routePattern?: string;
  }
}

const requestIds = new AsyncLocalStorage<string>();

/**
 * Every line written while a request is handled carries its request id: the id is kept in the async
 * context from the first hook on (registered in app.factory.ts) and added by pino's mixin. This
 * replaces nestjs-pino's HTTP middleware (pino-http), which made two child loggers per request and
 * ran two Nest middlewares through @fastify/middie to bind the same one field (about 4 % of a
 * listNodes by profile).
 */
export function registerRequestLogContext(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, _reply, done) => requestIds.run(String(request.id), done));
}

/** The request id, trace id and span id of the request being handled, or nothing outside one. */
export function requestLogFields(): { requestId?: string; traceId?: string; spanId?: string } {
  const requestId = requestIds.getStore();
  const span = trace.getSpan(context.active());
  if (!span) return requestId === undefined ? {} : { requestId };
  const { traceId, spanId } = span.spanContext();
  return requestId === undefined ? { traceId, spanId } : { requestId, traceId, spanId };
}

function wantsPretty(): boolean {
  if (process.env.LOG_FORMAT) return process.env.LOG_FORMAT === 'pretty';
  if (process.env.NODE_ENV === 'production' || !process.stdout.isTTY) return false;
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/**
 * JSON logs through nestjs-pino (pretty on a developer's terminal): one access line per request with
 * method, route, status, duration, request id and API key name (access-log.ts) — never headers or bodies.
 */
export function loggerParams(options: { silent?: boolean } = {}): Params {
  const pretty = !options.silent && wantsPretty();
  const pinoOptions = {
    ...pinoOptionsFor(options),
    transport: pretty ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
  };
  return {
    // No HTTP middleware: request lines get their id from registerRequestLogContext, and the access
    // line is written by access-log.ts. pino-http still builds the root logger from pinoHttp.
    forRoutes: [],
    // JSON lines go to stdout asynchronously: pino's default synchronous write blocks the event loop
    // (busy-waiting in atomic-sleep) whenever the reader of stdout falls behind, which under load was
    // the service's p99 tail. Lines are flushed at exit; only a kill -9 can lose the last few.
    pinoHttp: pretty || options.silent ? pinoOptions : [pinoOptions, destination({ dest: 1, sync: false })],
  };
}

/** The options of the pino logger (and of pino-http's request loggers), without where lines go. */
export function pinoOptionsFor(options: { silent?: boolean } = {}) {
  return {
    level: options.silent ? 'silent' : (process.env.LOG_LEVEL ?? 'info'),
    redact: { paths: REDACTED_PATHS, censor: CENSOR },
    // Every log object. Child loggers' bindings are not passed through it (pino applies a bindings
    // formatter to the root's only): the service binds only pino-http's request id and request,
    // which the `req` serializer below reduces to method and path.
    formatters: { log: censorSecrets },
    genReqId: (req: IncomingMessage) =>
      typeof req.id === 'string' || typeof req.id === 'number' ? String(req.id) : '',
    customAttributeKeys: { reqId: 'requestId', responseTime: 'durationMs' },
    serializers: {
      req: (req: IncomingMessage) => ({ method: req.method, url: String(req.url ?? '').split('?')[0] }),
      res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
    },
    // The access line is written by access-log.ts, which also sees 404s and refused keys.
    autoLogging: false,
    quietReqLogger: true,
    // Every line written while a request is handled carries its request id and trace (see
    // registerRequestLogContext and request-tracing.ts); the fields of the line itself take precedence.
    mixin: requestLogFields,
  };
}
