import { Module } from '@nestjs/common';
import { ComputeModule } from '../../compute/compute.module';
import { AllNodesController } from './all-nodes.controller';
import { CatalogController } from './catalog.controller';
import { CloudsController } from './clouds.controller';
import { KeyPairsController } from './key-pairs.controller';
import { NodesController } from './nodes.controller';

/** The v1 HTTP API: thin controllers over ComputeService. */
@Module({
  imports: [ComputeModule],
  controllers: [CloudsController, NodesController, AllNodesController, CatalogController, KeyPairsController],
})
export class V1Module {}
