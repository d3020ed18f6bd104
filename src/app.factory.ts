import type { IncomingMessage } from 'node:http';
import { BadRequestException, ValidationError, VersioningType } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { registerCallerSignal } from './api/caller-signal.hook';
import { problemFrameworkOptions, registerJsonBodyLimits } from './api/framework-errors';
import { bodiedRoutes, BodiedRoutes, registerJsonOnly } from './api/json-only.hook';
import { registerMethodNotAllowed } from './api/method-not-allowed';
import { MAX_REQUEST_HEAD_BYTES, registerRequestSizeLimits } from './api/request-size';
import { registerUtf8JsonBody } from './api/utf8-json-body';
import { RememberingValidationPipe } from './api/remembering-validation.pipe';
import { NoUnknownQueryGuard } from './api/no-unknown-query.guard';
import { parseQueryString, registerQueryRefusals } from './api/query-string';
import { ProblemException } from './api/problem/problem.exception';
import { ProblemFilter } from './api/problem/problem.filter';
import { AppModule } from './app.module';
import { loadSettings, LoadOptions, validateSettings } from './config/settings.loader';
import type { Settings } from './config/settings.schema';
import { registerAccessLog } from './observability/access-log';
import { registerRequestLogContext } from './observability/logging';
import { FrameworkAtDebugLogger } from './observability/framework-log-level';
import { ProbeFastPath } from './health/probe-fast-path';
import { ReadinessService } from './health/readiness.service';
import { StoreHealthService } from './health/store-health.service';
import { MetricsService } from './observability/metrics.service';
import { requestIdFor } from './observability/request-id';
import { buildOpenApi, setupOpenApi } from './openapi/openapi';
import { registerResponseSchemas } from './api/response-schemas';
import { registerRequestTracing } from './observability/request-tracing';
import { TracingService } from './observability/tracing.service';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { registerAuth } from './security/auth.hook';
import { registerSecurityHeaders, securityHeaders } from './security/security-headers';
import { registerRateLimit } from './api/rate-limit/rate-limit';
import { trackUnusedConnections } from './api/unused-connections';

export interface CreateAppOptions {
  /** Settings as an object (tests, embedding); otherwise read from config/ and the environment. */
  settings?: unknown;
  load?: LoadOptions;
  /** false silences every log line (tests). */
  logger?: false;
  /** Receives every span as it ends (tests: an InMemorySpanExporter). */
  spanExporter?: SpanExporter;
}

/** Builds the fully configured application; main.ts, the e2e tests and the spec writer share it. */
export async function createApp(options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const settings: Settings =
    options.settings !== undefined ? validateSettings(options.settings) : loadSettings(options.load);
  const probes = new ProbeFastPath({ maxHeaderSize: MAX_REQUEST_HEAD_BYTES });
  const adapter = new FastifyAdapter({
    // Liveness probes are answered before routing (see ProbeFastPath).
    serverFactory: probes.serverFactory,
    ...problemFrameworkOptions,
    bodyLimit: settings.http.bodyLimitBytes,
    // On close, drop idle keep-alive sockets at once; sockets with a request in flight finish it first.
    forceCloseConnections: 'idle',
    routerOptions: { ...problemFrameworkOptions.routerOptions, querystringParser: parseQueryString },
    // pino-http reads the same id from the raw request, so logs and responses agree.
    genReqId: (req: IncomingMessage) => {
      const id = requestIdFor(req);
      (req as IncomingMessage & { id?: string }).id = id;
      return id;
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(settings, { silent: options.logger === false, spanExporter: options.spanExporter }),
    adapter,
    {
      bufferLogs: options.logger !== false,
      logger: options.logger,
      abortOnError: false,
    },
  );
  if (options.logger !== false) app.useLogger(new FrameworkAtDebugLogger(app.get(Logger)));

  const fastify = adapter.getInstance();
  const metrics = app.get(MetricsService);
  const readiness = app.get(ReadinessService);
  probes.attach(fastify, { readiness, store: app.get(StoreHealthService) });
  // Idle sockets are closed by forceCloseConnections; these, which Node counts as busy, here.
  const closeUnused = trackUnusedConnections(fastify.server);
  fastify.addHook('preClose', (done) => {
    closeUnused();
    done();
  });
  // First, so every later hook (and a refusal by one) runs inside the request's span.
  const tracer = app.get(TracingService).tracer;
  if (tracer) registerRequestTracing(fastify, tracer);
  registerRequestLogContext(fastify);
  // Hooks that never wait take Fastify's callback form: an async function costs two promises per
  // request, each with its async-context bookkeeping (AsyncLocalStorage, OpenTelemetry).
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header('X-Request-Id', request.id);
    request.raw.routePattern = request.routeOptions.url;
    done();
  });
  // While draining, tell keep-alive clients to go, so sockets close once their request is answered.
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (readiness.current === 'stopping') reply.header('Connection', 'close');
    done(null, payload);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });
  registerAccessLog(fastify);
  registerRequestSizeLimits(fastify);
  registerQueryRefusals(fastify);
  registerMethodNotAllowed(fastify);
  registerAuth(fastify, settings.auth);
  // Filled from the document below, before the server takes requests.
  const bodied: BodiedRoutes = new Set();
  registerJsonOnly(fastify, bodied);
  registerUtf8JsonBody(app, settings.http.bodyLimitBytes);
  registerJsonBodyLimits(fastify);
  registerCallerSignal(fastify);
  await registerRateLimit(app, settings.rateLimit);
  registerSecurityHeaders(fastify, securityHeaders(settings.http.tlsTerminated));
  if (settings.http.corsOrigins.length)
    app.enableCors({ origin: settings.http.corsOrigins, exposedHeaders: ['Location', 'X-Request-Id', 'Retry-After'] });

  app.setGlobalPrefix('api', { exclude: ['health/live', 'health/ready', 'health/clouds', 'metrics'] });
  app.enableVersioning({ type: VersioningType.URI });
  app.useGlobalFilters(new ProblemFilter());
  app.useGlobalGuards(new NoUnknownQueryGuard());
  app.useGlobalPipes(
    new RememberingValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: validationProblem,
    }),
  );
  // The document, built before the routes are registered, compiles the response serializers and
  // lists the routes that take a body; it is not kept: /docs builds it again on its first request
  // (the same scan of the same app, so the same document), so a process nobody reads the docs of
  // does not hold it for its lifetime.
  const document = buildOpenApi(app);
  registerResponseSchemas(fastify, document);
  for (const route of bodiedRoutes(document)) bodied.add(route);
  setupOpenApi(app, () => buildOpenApi(app));
  return app;
}

/** Validation failures as one 400 problem listing every field and why. */
function validationProblem(errors: ValidationError[]): BadRequestException {
  const fields = flatten(errors);
  const detail = fields.map((f) => f.message).join('; ') || 'the request is invalid';
  return new ProblemException(400, detail, { errors: fields });
}

/**
 * Field paths in the form the service's other problems use (`nodes[1].size`, as the node-set checks
 * answer): an element of an array is `[index]`, not class-validator's `.index`. A nested error with a
 * numeric property is an array element (DTO properties are never numbers; the pipe strips the parent's
 * value, so the array itself cannot be looked at).
 */
function flatten(errors: ValidationError[], prefix = ''): Array<{ field: string; message: string }> {
  return errors.flatMap((error) => {
    const index = prefix !== '' && /^\d+$/.test(error.property);
    const field = index ? `${prefix}[${error.property}]` : prefix ? `${prefix}.${error.property}` : error.property;
    const constraints = error.constraints ?? {};
    // Absent (optional fields skip validation when absent): one "is required" says it, instead of every
    // rule the missing value fails ("must be longer than or equal to 1 characters; must be a string").
    const missing =
      error.value === undefined && Object.keys(constraints).length > 0 && !constraints.whitelistValidation;
    const own = missing
      ? [{ field, message: `${error.property} is required` }]
      : Object.values(constraints).map((message) => ({
          field,
          message: message.replace(/^property (\S+) should not exist$/, `unknown field "$1"`),
        }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}
