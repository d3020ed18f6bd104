import { Global, Module } from '@nestjs/common';
import { CloudCallLogger } from './cloud-call-logger';
import { CloudCallTracer } from './cloud-call-tracer';
import { TracingService } from './tracing.service';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

@Global()
@Module({
  controllers: [MetricsController],
  providers: [MetricsService, CloudCallLogger, TracingService, CloudCallTracer],
  exports: [MetricsService, TracingService],
})
export class ObservabilityModule {}
