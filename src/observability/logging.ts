import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import { context, trace } from '@opentelemetry/api';
import type { Params } from 'nestjs-pino';
import { destination } from 'pino';

/** Anything that could carry a secret, wherever it turns up in a log object. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  '*.password',
  '*.token',
  '*.apiKey',
  '*.key',
  '*.secret',
  '*.authorization',
];

declare module 'http' {
  interface IncomingMessage {
    /** The matched route pattern (e.g. /api/v1/clouds/:cloud/nodes), set by a Fastify hook. */
    routePattern?: string;
  }
}

/** The current span's trace and span ids, or nothing outside a traced request. */
export function traceFields(): { traceId?: string; spanId?: string } {
  const span = trace.getSpan(context.active());
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { traceId, spanId };
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
    level: options.silent ? 'silent' : (process.env.LOG_LEVEL ?? 'info'),
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    transport: pretty ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
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
    // Every line written while a request is handled carries its trace (see request-tracing.ts).
    mixin: traceFields,
  };
  return {
    // A wildcard Nest recognises, so paths outside the /api prefix are logged too, and only once.
    forRoutes: [{ path: '*splat', method: RequestMethod.ALL }],
    // JSON lines go to stdout asynchronously: pino's default synchronous write blocks the event loop
    // (busy-waiting in atomic-sleep) whenever the reader of stdout falls behind, which under load was
    // the service's p99 tail. Lines are flushed at exit; only a kill -9 can lose the last few.
    pinoHttp: pretty || options.silent ? pinoOptions : [pinoOptions, destination({ dest: 1, sync: false })],
  };
}
