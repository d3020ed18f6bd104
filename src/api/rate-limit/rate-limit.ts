import rateLimit from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { RateLimitSettings } from '../../config/settings.schema';
import { ProblemException } from '../problem/problem.exception';

/**
 * Caller rate limits through @fastify/rate-limit: a fixed window per API key (by its name), or per
 * client IP when the service runs without keys. Counters live in this process (each replica limits
 * on its own). Probes under /health/ are never limited: Kubernetes must always reach them.
 *
 * Headers follow draft-ietf-httpapi-ratelimit-headers on every limited answer: the current draft's
 * `RateLimit-Policy: "caller";q=<max>;w=<window s>` and `RateLimit: "caller";r=<remaining>;t=<reset s>`,
 * and the earlier drafts' `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` that the
 * library sends (older clients read those); plus `Retry-After` (seconds) on the 429, whose body is a
 * problem (RFC 9457) like every other error.
 *
 * Registered after the auth hook (see app.factory.ts), so the key's name is known: a request
 * refused with 401 is answered before it counts.
 */
export async function registerRateLimit(app: NestFastifyApplication, settings: RateLimitSettings): Promise<void> {
  if (!settings.enabled) return;
  const perKey = new Map(Object.entries(settings.perKey));
  await app.register(rateLimit, {
    global: true,
    max: perKey.size ? (request: FastifyRequest) => limitFor(request, settings.max, perKey) : settings.max,
    timeWindow: settings.windowMs,
    enableDraftSpec: true,
    keyGenerator: (request: FastifyRequest) =>
      request.raw.apiKeyName ? `key:${request.raw.apiKeyName}` : `ip:${request.ip}`,
    allowList: (request: FastifyRequest) => request.url.startsWith('/health/'),
    errorResponseBuilder: (_request, context) =>
      new ProblemException(
        429,
        `too many requests: at most ${context.max} per ${settings.windowMs / 1000} s for this caller; retry in ${context.after}`,
      ),
  });
  // The current draft's structured fields, from what the plugin set: one cheap hook per response.
  const windowSeconds = Math.ceil(settings.windowMs / 1000);
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onSend', (_request, reply, payload, done) => {
      const limit = reply.getHeader('ratelimit-limit');
      if (limit !== undefined) {
        const remaining = String(reply.getHeader('ratelimit-remaining'));
        const reset = String(reply.getHeader('ratelimit-reset'));
        reply.header('RateLimit-Policy', `"caller";q=${String(limit)};w=${windowSeconds}`);
        reply.header('RateLimit', `"caller";r=${remaining};t=${reset}`);
      }
      done(null, payload);
    });
}

function limitFor(request: FastifyRequest, max: number, perKey: Map<string, number>): number {
  const name = request.raw.apiKeyName;
  return (name !== undefined && perKey.get(name)) || max;
}
