import { Module } from '@nestjs/common';
import { ComputeModule } from '../compute/compute.module';
import { OperationSightings } from './operation-sightings';
import { OperationWatcher } from './operation-watcher';
import { OperationsService } from './operations.service';

@Module({
  imports: [ComputeModule],
  providers: [OperationsService, OperationWatcher, OperationSightings],
  exports: [OperationsService, OperationWatcher],
})
export class OperationsModule {}
