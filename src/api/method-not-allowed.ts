import type { FastifyInstance, HTTPMethods } from 'fastify';
import { ProblemException } from './problem/problem.exception';
import { sendProblem } from './problem/problem.filter';

const METHODS: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * A request no route matches, on a path that some route serves with another method, is a 405 with
 * `Allow` listing those methods (RFC 9110 §15.5.6), not a 404: the resource exists, the method does
 * not. The router itself is asked (fastify.findRoute matches a concrete path), so every route,
 * present and future, is covered. Paths no route serves stay a 404.
 */
export function registerMethodNotAllowed(fastify: FastifyInstance): void {
  // Callback form: it never waits (an async hook costs two promises per request).
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!request.is404) return done();
    const path = (request.raw.url ?? '/').split('?')[0];
    const allowed = METHODS.filter((method) => fastify.findRoute({ method, url: path }) !== null);
    if (!allowed.length) return done();
    reply.header('Allow', allowed.join(', '));
    sendProblem(
      reply,
      request,
      new ProblemException(405, `${request.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`),
    );
  });
}
