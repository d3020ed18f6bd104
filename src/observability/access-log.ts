import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PinoLogger } from 'nestjs-pino';

/** Liveness and readiness are probed every few seconds; logging them would drown the rest. */
const QUIET = new Set(['/health/live', '/health/ready']);

/**
 * One access line per request, written when the response is sent, from a Fastify hook so that it
 * covers every answer: routed, unknown (404) and refused by authentication (401/403).
 */
export function registerAccessLog(fastify: FastifyInstance): void {
  // Callback form: an async hook costs two promises per request, each with async-context bookkeeping.
  fastify.addHook('onResponse', (request, reply, done) => {
    logAccess(request, reply);
    done();
  });
}

function logAccess(request: FastifyRequest, reply: FastifyReply): void {
  const url = request.url.split('?')[0];
  if (QUIET.has(url) && reply.statusCode < 400) return;
  const route = request.routeOptions.url ?? 'unmatched';
  const status = reply.statusCode;
  const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
  PinoLogger.root[level](
    {
      requestId: request.id,
      ...(request.raw.traceId ? { traceId: request.raw.traceId } : {}),
      method: request.method,
      url,
      route,
      status,
      durationMs: Math.round(reply.elapsedTime * 10) / 10,
      ...(request.raw.apiKeyName ? { apiKey: request.raw.apiKeyName } : {}),
    },
    `${request.method} ${request.routeOptions.url ?? url} ${status}`,
  );
}
