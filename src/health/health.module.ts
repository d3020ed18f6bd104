import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { CloudHealthService } from './cloud-health.service';
import { ReadinessService } from './readiness.service';
import { StoreHealthService } from './store-health.service';

@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [ReadinessService, StoreHealthService, CloudHealthService],
  exports: [ReadinessService, StoreHealthService],
})
export class HealthModule {}
