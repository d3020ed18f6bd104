import { Module } from '@nestjs/common';
import { OperationsModule } from '../operations/operations.module';
import { IdempotencyService } from './idempotency.service';
import { IdempotentWriteInterceptor } from './idempotent-write.interceptor';

@Module({
  imports: [OperationsModule],
  providers: [IdempotencyService, IdempotentWriteInterceptor],
  exports: [IdempotencyService, IdempotentWriteInterceptor, OperationsModule],
})
export class IdempotencyModule {}
