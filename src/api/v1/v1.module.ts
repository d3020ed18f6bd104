import { Module } from '@nestjs/common';
import { ComputeModule } from '../../compute/compute.module';
import { IdempotencyModule } from '../../idempotency/idempotency.module';
import { AllNodesController } from './all-nodes.controller';
import { CatalogController } from './catalog.controller';
import { CloudsController } from './clouds.controller';
import { KeyPairsController } from './key-pairs.controller';
import { NodeSetsModule } from '../../node-sets/node-sets.module';
import { NodeSetsController } from './node-sets.controller';
import { NodesController } from './nodes.controller';
import { OperationsController } from './operations.controller';

/** The v1 HTTP API: thin controllers over ComputeService. */
@Module({
  imports: [ComputeModule, IdempotencyModule, NodeSetsModule],
  controllers: [
    CloudsController,
    NodesController,
    AllNodesController,
    CatalogController,
    KeyPairsController,
    OperationsController,
    NodeSetsController,
  ],
})
export class V1Module {}
