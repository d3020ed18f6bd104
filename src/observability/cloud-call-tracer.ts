import { Injectable, OnModuleInit } from '@nestjs/common';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { CloudRegistry } from '../cloud/cloud-registry';
import { TracingService } from './tracing.service';

/**
 * A span per cloud call (`cloud list nodes`, kind CLIENT; attributes cloud, operation, outcome),
 * child of the request being handled. Built from the call's event once it is over, with its real
 * start and end times, so the cloud layer needs no tracing code of its own.
 */
@Injectable()
export class CloudCallTracer implements OnModuleInit {
  constructor(
    private readonly clouds: CloudRegistry,
    private readonly tracing: TracingService,
  ) {}

  onModuleInit(): void {
    const tracer = this.tracing.tracer;
    // Without an exporter a cloud-call span would be made and dropped: skip its cost entirely.
    if (!tracer || !this.tracing.exporting) return;
    this.clouds.onCall(({ cloud, operation, durationMs, outcome }) => {
      const end = performance.timeOrigin + performance.now();
      const span = tracer.startSpan(`cloud ${operation}`, {
        kind: SpanKind.CLIENT,
        startTime: end - durationMs,
        attributes: { cloud, operation, outcome },
      });
      if (outcome !== 'ok' && outcome !== 'cancelled') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
      span.end(end);
    });
  }
}
