import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { ProblemException } from './problem/problem.exception';
import { sendProblem } from './problem/problem.filter';

/** The route patterns (Fastify's `:param` form) of every operation that defines a request body, per method. */
export type BodiedRoutes = Set<string>;

const routeKey = (method: string, url: string) => `${method.toUpperCase()} ${url}`;

/** Which operations of the OpenAPI document define a request body, keyed as the router names them. */
export function bodiedRoutes(document: OpenAPIObject): BodiedRoutes {
  const routes: BodiedRoutes = new Set();
  for (const [path, item] of Object.entries(document.paths))
    for (const method of ['put', 'post', 'patch', 'delete'] as const)
      if (item[method]?.requestBody) routes.add(routeKey(method, path.replace(/\{([^}]+)\}/g, ':$1')));
  return routes;
}

/** True when the request carries content (a non-zero Content-Length, or a Transfer-Encoding). */
function hasContent(request: FastifyRequest): boolean {
  return Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
}

/**
 * The rules for request content, one for every route, before the body is read:
 * - an operation that defines no request body refuses any content with a 415 ("takes no request
 *   body"): RFC 9110 §9.3 gives content in GET and DELETE no meaning and the actions define none,
 *   so `{"force": true}` on a reboot would otherwise be silently ignored while the caller believes it
 *   was honoured (§15.5.16: content "in a format not supported by this method on the target resource");
 * - an operation that defines one reads JSON only: any other media type is a 415, not a confusing
 *   validation error about a string where an object was expected;
 * - a Content-Encoding other than identity is a 415 with `Accept-Encoding: identity` (RFC 9110
 *   §15.5.16, §12.5.3): the service decodes no content coding, and reading gzip bytes as JSON, or
 *   plain JSON labelled gzip as if it were, would answer something the caller did not send.
 * `bodied` is filled from the OpenAPI document once the routes are known (see createApp); routes
 * outside it (the docs, metrics, probes) take no body.
 */
export function registerJsonOnly(fastify: FastifyInstance, bodied: BodiedRoutes): void {
  // Callback form: it never waits (an async hook costs two promises per request).
  fastify.addHook('onRequest', (request, reply, done) => {
    const route = request.routeOptions.url;
    if (route === undefined || !hasContent(request)) return done();
    // errors[] names what to change: the body itself, or the header that describes it.
    const refuse = (detail: string, field: string) =>
      sendProblem(reply, request, new ProblemException(415, detail, { errors: [{ field, message: detail }] }));
    if (!bodied.has(routeKey(request.method, route)))
      return refuse(
        `${request.method} ${route} takes no request body; send none (no Content-Length or an empty one)`,
        'body',
      );
    const coding = String(request.headers['content-encoding'] ?? 'identity')
      .trim()
      .toLowerCase();
    if (coding !== 'identity' && coding !== '') {
      reply.header('Accept-Encoding', 'identity');
      return refuse(
        `the request body's Content-Encoding "${coding}" is not supported; send it unencoded (identity)`,
        'Content-Encoding',
      );
    }
    const type = String(request.headers['content-type'] ?? '')
      .split(';')[0]
      .trim()
      .toLowerCase();
    if (type === 'application/json' || /^application\/[\w.+-]+\+json$/.test(type)) return done();
    return refuse(`the request body must be application/json (got ${type || 'no Content-Type'})`, 'Content-Type');
  });
}
