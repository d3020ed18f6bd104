import { Body, Controller, Delete, Get, Header, HttpCode, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { NodeAction } from '../../cloud/driver/compute-driver';
import { ComputeService } from '../../compute/compute.service';
import { IdempotencyHold, IdempotentWrite, WRITE_RESPONSE_HEADERS } from '../../idempotency/idempotent-write.decorator';
import type { KeyHold } from '../../idempotency/idempotency.service';
import { NodeSetMemberGuard } from '../../node-sets/member-guard';
import { ApiListingProblems, ApiOperationProblems, ApiProblems } from '../problem/api-problems.decorator';
import { CreateNodeDto } from './dto/create-node.dto';
import { NodeDto, NodePageDto } from './dto/node.dto';
import { CloudParams, ListNodesQuery, NodeParams, nodeFilterOf } from './dto/params.dto';
import { ApiMetadataFilter } from './node-filters.decorator';

@ApiTags('nodes')
@Controller({ path: 'clouds/:cloud/nodes', version: '1' })
export class NodesController {
  constructor(
    private readonly compute: ComputeService,
    private readonly members: NodeSetMemberGuard,
  ) {}

  @Get()
  @ApiOperation({
    operationId: 'listNodes',
    summary: 'List the nodes of one cloud, a page at a time',
    description:
      'Up to `limit` nodes; while `nextCursor` is present, pass it as `cursor` for the next page. ' +
      'Filters (`state`, `name`, `metadata`) combine; the cloud applies them where it can and the service ' +
      'checks every node, so a page holds `limit` nodes whenever that many more match.',
  })
  @ApiMetadataFilter()
  @ApiListingProblems({ expires: true })
  @ApiOkResponse({ type: NodePageDto })
  @ApiProblems(400, 404, 502, 503, 504)
  listNodes(@Param() params: CloudParams, @Query() query: ListNodesQuery): Promise<NodePageDto> {
    return this.compute.listNodes(params.cloud, {
      limit: query.limit ?? 1000,
      cursor: query.cursor,
      filter: nodeFilterOf(query),
    });
  }

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    operationId: 'createNode',
    summary: 'Create a node',
    description:
      'Answers at once with the node in `pending` and an `Operation-Location`: GET that operation (with `?wait=`) or its events ' +
      'to learn when the node is `running` (or that it failed). Send an `Idempotency-Key` to make retries safe.',
  })
  @IdempotentWrite('createNode')
  @ApiBody({
    type: CreateNodeDto,
    examples: {
      minimal: { summary: 'Name, image and size', value: { name: 'web-1', image: 'img-ubuntu-2404', size: 'small' } },
      full: {
        summary: 'With location, metadata and user data',
        value: {
          name: 'web-2',
          image: 'img-debian-12',
          size: 'medium',
          location: 'dc-ams',
          metadata: { team: 'web' },
          userData: '#cloud-config\npackages: [nginx]\n',
        },
      },
    },
  })
  @ApiAcceptedResponse({
    type: NodeDto,
    description: 'Accepted; `Location` names the new node.',
    headers: {
      Location: {
        required: true,
        description: 'The new node: `/api/v1/clouds/{cloud}/nodes/{nodeId}` (getNode).',
        schema: { type: 'string', format: 'uri-reference', example: '/api/v1/clouds/default/nodes/node-000004' },
      },
      ...WRITE_RESPONSE_HEADERS,
    },
  })
  @ApiProblems(400, 404, 409, 413, 415, 422, 501, 502, 503, 504)
  async createNode(
    @Param() params: CloudParams,
    @Body() body: CreateNodeDto,
    @Res({ passthrough: true }) reply: FastifyReply,
    @IdempotencyHold() hold?: KeyHold,
  ): Promise<NodeDto> {
    const node = await this.compute.createNode(
      params.cloud,
      { ...body, clientToken: hold?.clientToken },
      hold?.recovering,
    );
    reply.header('Location', `/api/v1/clouds/${encodeURIComponent(node.cloud)}/nodes/${encodeURIComponent(node.id)}`);
    return node;
  }

  @Get(':nodeId')
  @ApiOperation({
    operationId: 'getNode',
    summary: 'One node',
    description: 'The node as the cloud reports it now: poll this to follow a node through `pending` to `running`.',
  })
  @ApiOkResponse({ type: NodeDto })
  @ApiProblems(400, 404, 502, 503, 504)
  getNode(@Param() params: NodeParams): Promise<NodeDto> {
    return this.compute.getNode(params.cloud, params.nodeId);
  }

  @Delete(':nodeId')
  @HttpCode(HttpStatus.ACCEPTED)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    operationId: 'destroyNode',
    summary: 'Destroy a node',
    description:
      'Some clouds finish the deletion shortly after: the operation in `Operation-Location` says when. ' +
      'A member of a node set that is `creating` or `ready` is not destroyed alone (409, type ' +
      '`urn:cloud-orchestrator:problem:node-set-member`, `nodeSet` names the set): delete the whole set with ' +
      '`DELETE /api/v1/node-sets/{id}` (deleteNodeSet). Reboot, stop and start of members stay allowed.',
  })
  @ApiOperationProblems(true, 'nodeSetMember')
  @IdempotentWrite('destroyNode')
  @ApiAcceptedResponse({ description: 'Accepted; the node is gone or going.', headers: WRITE_RESPONSE_HEADERS })
  @ApiProblems(400, 404, 409, 502, 503, 504)
  async destroyNode(@Param() params: NodeParams): Promise<void> {
    await this.members.destroyNode(params.cloud, params.nodeId);
  }

  @Post(':nodeId/actions/reboot')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    operationId: 'rebootNode',
    summary: 'Reboot a running node (it shows `rebooting` on clouds that report it)',
    description: 'Answers at once with the node; 409 unless it is running, 501 where the cloud cannot reboot.',
  })
  @IdempotentWrite('rebootNode')
  @ApiAcceptedResponse({ type: NodeDto, headers: WRITE_RESPONSE_HEADERS })
  @ApiProblems(400, 404, 409, 501, 502, 503, 504)
  rebootNode(@Param() params: NodeParams): Promise<NodeDto> {
    return this.act(params, 'reboot');
  }

  @Post(':nodeId/actions/start')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    operationId: 'startNode',
    summary: 'Start a stopped node (it passes through `starting`)',
    description: 'Answers at once with the node; 409 unless it is stopped, 501 where the cloud cannot start nodes.',
  })
  @IdempotentWrite('startNode')
  @ApiAcceptedResponse({ type: NodeDto, headers: WRITE_RESPONSE_HEADERS })
  @ApiProblems(400, 404, 409, 501, 502, 503, 504)
  startNode(@Param() params: NodeParams): Promise<NodeDto> {
    return this.act(params, 'start');
  }

  @Post(':nodeId/actions/stop')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    operationId: 'stopNode',
    summary: 'Stop a running node (it passes through `stopping`)',
    description: 'Answers at once with the node; 409 unless it is running, 501 where the cloud cannot stop nodes.',
  })
  @IdempotentWrite('stopNode')
  @ApiAcceptedResponse({ type: NodeDto, headers: WRITE_RESPONSE_HEADERS })
  @ApiProblems(400, 404, 409, 501, 502, 503, 504)
  stopNode(@Param() params: NodeParams): Promise<NodeDto> {
    return this.act(params, 'stop');
  }

  private act(params: NodeParams, action: NodeAction): Promise<NodeDto> {
    return this.compute.nodeAction(params.cloud, params.nodeId, action);
  }
}
