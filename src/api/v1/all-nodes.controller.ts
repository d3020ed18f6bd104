import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ComputeService } from '../../compute/compute.service';
import { ApiProblems } from '../problem/api-problems.decorator';
import { toProblem } from '../problem/to-problem';
import { AllNodesDto } from './dto/node.dto';

@ApiTags('nodes')
@Controller({ path: 'nodes', version: '1' })
export class AllNodesController {
  constructor(private readonly compute: ComputeService) {}

  @Get()
  @ApiOperation({
    operationId: 'listAllNodes',
    summary: 'Nodes of every cloud at once',
    description:
      'All clouds are asked in parallel; a cloud that fails is listed in `errors` and the others still answer. ' +
      'At most 10,000 nodes per cloud: page one cloud with listNodes for more.',
  })
  @ApiOkResponse({ type: AllNodesDto })
  @ApiProblems()
  async listAllNodes(): Promise<AllNodesDto> {
    const { items, failures } = await this.compute.listAllNodes();
    return {
      items,
      errors: failures.map(({ cloud, error }) => {
        const { status, title, detail } = toProblem(error);
        return { cloud, status, title, detail };
      }),
    };
  }
}
