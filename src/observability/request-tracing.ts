import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Span, Tracer } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';

declare module 'http' {
  interface IncomingMessage {
    /** The request's trace id, for the access log line (written outside the request's context). */
    traceId?: string;
  }
}

/**
 * A span per request (`GET /api/v1/clouds/:cloud/nodes`, kind SERVER), child of the caller's W3C
 * `traceparent` when one is sent. Registered before every other hook so refusals (401, 415, 429)
 * are traced too. The rest of the request runs inside the span's context (the async-local context
 * follows it through the later hooks, body parsing and the handler: the tests check a body sent
 * after the headers), so cloud-call spans and log lines made while handling it belong to it.
 * Cost per request: one header parse, one span (not recorded unless exported), one closure.
 * /health/* probes are not traced.
 */
export function registerRequestTracing(fastify: FastifyInstance, tracer: Tracer): void {
  const spans = new WeakMap<FastifyRequest, Span>();

  fastify.addHook('onRequest', (request, _reply, done) => {
    // Probes come every few seconds from Kubernetes and would drown real traces; they call no cloud.
    if (request.url.startsWith('/health/')) return done();
    const parent = propagation.extract(context.active(), request.headers);
    const route = request.routeOptions.url;
    const span = tracer.startSpan(
      route ? `${request.method} ${route}` : request.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'url.path': request.url.split('?')[0],
          ...(route ? { 'http.route': route } : {}),
          'request.id': String(request.id),
        },
      },
      parent,
    );
    spans.set(request, span);
    const current = trace.setSpan(parent, span);
    request.raw.traceId = span.spanContext().traceId;
    context.with(current, done);
  });

  fastify.addHook('onResponse', (request, reply, done) => {
    const span = spans.get(request);
    if (span) {
      span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
    done();
  });
}
