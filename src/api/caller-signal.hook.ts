import type { FastifyInstance } from 'fastify';
import { runForCaller } from '../cloud/call-scope';

/**
 * Runs each handler on behalf of its HTTP request: when the client goes away before its answer, the
 * request's signal aborts, and the cloud calls it started stop (nothing more is sent for them).
 * Registered as a preHandler, after the body is read, so the async context reaches the handler.
 */
export function registerCallerSignal(fastify: FastifyInstance): void {
  fastify.addHook('preHandler', (request, reply, done) => {
    const controller = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) controller.abort();
    });
    runForCaller(controller.signal, done);
  });
}
