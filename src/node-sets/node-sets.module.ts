import { Module } from '@nestjs/common';
import { ComputeModule } from '../compute/compute.module';
import { OperationsModule } from '../operations/operations.module';
import { NodeSetRunner } from './node-set-runner';
import { NodeSetsService } from './node-sets.service';
import { OrphanSweeper } from './orphan-sweeper';

/** Node sets: all-or-nothing groups of nodes across clouds, journalled in the state store. */
@Module({
  imports: [ComputeModule, OperationsModule],
  providers: [NodeSetRunner, NodeSetsService, OrphanSweeper],
  exports: [NodeSetsService, NodeSetRunner, OrphanSweeper],
})
export class NodeSetsModule {}
