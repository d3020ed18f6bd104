import { Module } from '@nestjs/common';
import { CatalogCaches } from './catalog-cache';
import { ComputeService } from './compute.service';

@Module({ providers: [ComputeService, CatalogCaches], exports: [ComputeService] })
export class ComputeModule {}
