import type { FastifyInstance } from 'fastify';
import { ProblemException } from './problem/problem.exception';
import { sendProblem } from './problem/problem.filter';

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/**
 * The API speaks JSON only: a request body of any other media type is a 415, not a confusing
 * validation error about a string where an object was expected.
 */
export function registerJsonOnly(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request, reply) => {
    if (!WITH_BODY.has(request.method)) return;
    const length = Number(request.headers['content-length'] ?? 0);
    if (!length && !request.headers['transfer-encoding']) return;
    const type = String(request.headers['content-type'] ?? '')
      .split(';')[0]
      .trim()
      .toLowerCase();
    if (type === 'application/json' || /^application\/[\w.+-]+\+json$/.test(type)) return;
    sendProblem(
      reply,
      request,
      new ProblemException(415, `the request body must be application/json (got ${type || 'no Content-Type'})`),
    );
    return reply;
  });
}
