import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ComputeService } from '../../compute/compute.service';
import { ApiProblems } from '../problem/api-problems.decorator';
import { ImageListDto, LocationListDto, SizeListDto } from './dto/catalog.dto';
import { CloudParams } from './dto/params.dto';
import { ApiCatalogCaching, catalogAnswer } from './catalog-caching';

@ApiTags('catalog')
@Controller({ path: 'clouds/:cloud', version: '1' })
export class CatalogController {
  constructor(private readonly compute: ComputeService) {}

  @Get('images')
  @ApiOperation({
    operationId: 'listImages',
    summary: 'Images a node can be created from',
    description: 'Every image the cloud offers this account (all pages); pass an `id` as `image` to createNode.',
  })
  @ApiCatalogCaching(ImageListDto)
  @ApiProblems(400, 404, 502, 503, 504)
  async listImages(
    @Param() params: CloudParams,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ImageListDto | undefined> {
    return catalogAnswer(request, reply, await this.compute.listImages(params.cloud));
  }

  @Get('sizes')
  @ApiOperation({
    operationId: 'listSizes',
    summary: 'Sizes (flavors, instance types) a node can have',
    description:
      'Every size with CPUs, memory (MiB) and disk (GB) where the cloud says; pass an `id` as `size` to createNode.',
  })
  @ApiCatalogCaching(SizeListDto)
  @ApiProblems(400, 404, 502, 503, 504)
  async listSizes(
    @Param() params: CloudParams,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SizeListDto | undefined> {
    return catalogAnswer(request, reply, await this.compute.listSizes(params.cloud));
  }

  @Get('locations')
  @ApiOperation({
    operationId: 'listLocations',
    summary: 'Locations (regions, zones) a node can be placed in',
    description: 'Pass an `id` as `location` to createNode; 501 on clouds that have no such notion.',
  })
  @ApiCatalogCaching(LocationListDto)
  @ApiProblems(400, 404, 501, 502, 503, 504)
  async listLocations(
    @Param() params: CloudParams,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LocationListDto | undefined> {
    return catalogAnswer(request, reply, await this.compute.listLocations(params.cloud));
  }
}
