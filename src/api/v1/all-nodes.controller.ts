import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ComputeService } from '../../compute/compute.service';
import { ApiListingProblems, ApiProblems } from '../problem/api-problems.decorator';
import { toProblem } from '../problem/to-problem';
import { AllNodesDto } from './dto/node.dto';
import { ListNodesQuery, nodeFilterOf } from './dto/params.dto';
import { ApiMetadataFilter } from './node-filters.decorator';

@ApiTags('nodes')
@Controller({ path: 'nodes', version: '1' })
export class AllNodesController {
  constructor(private readonly compute: ComputeService) {}

  @Get()
  @ApiOperation({
    operationId: 'listAllNodes',
    summary: 'Nodes of every cloud, a page at a time',
    description:
      'Pages through every cloud in configuration order with one cursor, filtered like listNodes. The first ' +
      'page asks all clouds in parallel; a cloud that fails is listed in `errors` (and skipped in this pass) ' +
      'while the others still answer.',
  })
  @ApiMetadataFilter()
  @ApiListingProblems({ expires: true })
  @ApiOkResponse({ type: AllNodesDto })
  @ApiProblems(400)
  async listAllNodes(@Query() query: ListNodesQuery): Promise<AllNodesDto> {
    const { items, failures, nextCursor } = await this.compute.listAllNodes({
      limit: query.limit ?? 1000,
      cursor: query.cursor,
      filter: nodeFilterOf(query),
    });
    return {
      items,
      errors: failures.map(({ cloud, error }) => {
        const { status, title, detail } = toProblem(error);
        return { cloud, status, title, detail };
      }),
      ...(nextCursor ? { nextCursor } : {}),
    };
  }
}
