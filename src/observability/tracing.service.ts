import { DynamicModule, Inject, Injectable, Logger, OnApplicationShutdown, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { context, propagation, Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type * as OtlpHttp from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Settings } from '../config/settings.schema';

/** DI token: a span exporter that receives every span at once (tests collect spans in memory with it). */
export const SPAN_EXPORTER = Symbol('SPAN_EXPORTER');

class SpanExporterModule {}

/** Provides SPAN_EXPORTER to the whole app (see createApp's spanExporter option). */
export function spanExporterModule(exporter: SpanExporter): DynamicModule {
  return {
    module: SpanExporterModule,
    global: true,
    providers: [{ provide: SPAN_EXPORTER, useValue: exporter }],
    exports: [SPAN_EXPORTER],
  };
}

let globalsInstalled = false;

/**
 * OpenTelemetry for this app: a tracer provider of its own (not the global one, so several apps in
 * one process stay apart), plus the two process-wide parts every tracer shares: the async-local
 * context (which span is current) and the W3C Trace Context propagator (traceparent, tracestate).
 *
 * Built from @opentelemetry/sdk-trace-base rather than @opentelemetry/sdk-node: the sdk-node line
 * that still runs on Node 20 (0.2xx) pulls gRPC, metrics and log exporters this service does not
 * use; sdk-node 0.300+ requires Node 22.15.
 *
 * Export: OTLP over HTTP only when `tracing.otlpEndpoint` is set (batched). Without an exporter new
 * traces are not recorded (ids still flow into logs and to the clouds); a caller's sampled
 * traceparent is always followed.
 */
@Injectable()
export class TracingService implements OnApplicationShutdown {
  private readonly logger = new Logger('Tracing');
  private readonly provider?: BasicTracerProvider;
  readonly tracer?: Tracer;
  /** True when spans go somewhere (an exporter is configured); otherwise only ids are made. */
  readonly exporting: boolean = false;

  constructor(
    @Inject(ConfigService) config: ConfigService,
    @Optional() @Inject(SPAN_EXPORTER) testExporter?: SpanExporter,
  ) {
    const settings = config.getOrThrow<Settings>('settings').tracing;
    if (!settings.enabled) return;
    installGlobals();
    const processors: SpanProcessor[] = [];
    if (testExporter) processors.push(new SimpleSpanProcessor(testExporter));
    if (settings.otlpEndpoint) processors.push(new BatchSpanProcessor(otlpExporter(settings)));
    const exporting = processors.length > 0;
    this.exporting = exporting;
    this.provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': settings.serviceName }),
      sampler: new ParentBasedSampler({
        root: exporting ? new TraceIdRatioBasedSampler(settings.sampleRatio) : new AlwaysOffSampler(),
      }),
      spanProcessors: processors,
    });
    this.tracer = this.provider.getTracer('cloud-orchestrator');
    if (settings.otlpEndpoint)
      this.logger.log(
        `exporting traces to ${new URL(settings.otlpEndpoint).origin} (sample ratio ${settings.sampleRatio})`,
      );
  }

  /** Sends what is still buffered, then stops. */
  async onApplicationShutdown(): Promise<void> {
    await this.provider
      ?.shutdown()
      .catch((error: unknown) => this.logger.warn(`trace export failed: ${String(error)}`));
  }
}

function installGlobals(): void {
  if (globalsInstalled) return;
  globalsInstalled = true;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
}

/**
 * Loaded only when an endpoint is set: the OTLP exporter pulls the OTLP transformer and the metrics
 * and logs SDKs (about 90 modules) that a process without an endpoint would keep in memory unused.
 */
function otlpExporter(settings: Settings['tracing']): SpanExporter {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a deferred load, on first use
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof OtlpHttp;
  return new OTLPTraceExporter({ url: settings.otlpEndpoint, headers: settings.otlpHeaders });
}
