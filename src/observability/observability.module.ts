import { Global, Module } from '@nestjs/common';
import { CloudCallLogger } from './cloud-call-logger';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

@Global()
@Module({
  controllers: [MetricsController],
  providers: [MetricsService, CloudCallLogger],
  exports: [MetricsService],
})
export class ObservabilityModule {}
