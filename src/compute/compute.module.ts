import { Module } from '@nestjs/common';
import { CatalogCaches } from './catalog-cache';
import { ComputeService } from './compute.service';
import { NodeSightings } from './node-sightings';

@Module({ providers: [ComputeService, CatalogCaches, NodeSightings], exports: [ComputeService, NodeSightings] })
export class ComputeModule {}
