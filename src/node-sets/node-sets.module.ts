import { Module } from '@nestjs/common';
import { ComputeModule } from '../compute/compute.module';
import { OperationsModule } from '../operations/operations.module';
import { NodeSetMemberGuard } from './member-guard';
import { MemberObserver } from './member-observer';
import { NodeSetRunner } from './node-set-runner';
import { NodeSetsService } from './node-sets.service';
import { OrphanSweeper } from './orphan-sweeper';

/** Node sets: all-or-nothing groups of nodes across clouds, journalled in the state store. */
@Module({
  imports: [ComputeModule, OperationsModule],
  providers: [NodeSetRunner, NodeSetsService, OrphanSweeper, NodeSetMemberGuard, MemberObserver],
  exports: [NodeSetsService, NodeSetRunner, OrphanSweeper, NodeSetMemberGuard],
})
export class NodeSetsModule {}
