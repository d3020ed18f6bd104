import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ComputeService } from '../../compute/compute.service';
import { ApiProblems } from '../problem/api-problems.decorator';
import { ImageListDto, LocationListDto, SizeListDto } from './dto/catalog.dto';
import { CloudParams } from './dto/params.dto';

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
  @ApiOkResponse({ type: ImageListDto })
  @ApiProblems(400, 404, 502, 503, 504)
  async listImages(@Param() params: CloudParams): Promise<ImageListDto> {
    return { items: await this.compute.listImages(params.cloud) };
  }

  @Get('sizes')
  @ApiOperation({
    operationId: 'listSizes',
    summary: 'Sizes (flavors, instance types) a node can have',
    description:
      'Every size with CPUs, memory (MiB) and disk (GB) where the cloud says; pass an `id` as `size` to createNode.',
  })
  @ApiOkResponse({ type: SizeListDto })
  @ApiProblems(400, 404, 502, 503, 504)
  async listSizes(@Param() params: CloudParams): Promise<SizeListDto> {
    return { items: await this.compute.listSizes(params.cloud) };
  }

  @Get('locations')
  @ApiOperation({
    operationId: 'listLocations',
    summary: 'Locations (regions, zones) a node can be placed in',
    description: 'Pass an `id` as `location` to createNode; 501 on clouds that have no such notion.',
  })
  @ApiOkResponse({ type: LocationListDto })
  @ApiProblems(400, 404, 501, 502, 503, 504)
  async listLocations(@Param() params: CloudParams): Promise<LocationListDto> {
    return { items: await this.compute.listLocations(params.cloud) };
  }
}
