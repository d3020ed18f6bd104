import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ComputeService } from '../../compute/compute.service';
import { ApiProblems } from '../problem/api-problems.decorator';
import { CloudDto, CloudListDto } from './dto/cloud.dto';
import { CloudParams } from './dto/params.dto';

@ApiTags('clouds')
@Controller({ path: 'clouds', version: '1' })
export class CloudsController {
  constructor(private readonly compute: ComputeService) {}

  @Get()
  @ApiOperation({
    operationId: 'listClouds',
    summary: 'List the configured clouds (never their credentials)',
    description:
      'Every cloud in the configuration with its engine, whether it is the default, and its capabilities. ' +
      'Answered from the configuration: no cloud is called.',
  })
  @ApiOkResponse({ type: CloudListDto })
  @ApiProblems()
  listClouds(): CloudListDto {
    return { items: this.compute.listClouds() };
  }

  @Get(':cloud')
  @ApiOperation({
    operationId: 'getCloud',
    summary: 'One cloud: engine, default flag and capabilities',
    description: '`default` names the default cloud whatever it is called. No cloud is called.',
  })
  @ApiOkResponse({ type: CloudDto })
  @ApiProblems(400, 404)
  getCloud(@Param() params: CloudParams): CloudDto {
    return this.compute.getCloud(params.cloud);
  }
}
