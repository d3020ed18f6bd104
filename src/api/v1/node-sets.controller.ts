import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  HttpStatus,
  Inject,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Settings } from '../../config/settings.schema';
import { IdempotencyHold, IdempotentWrite, WRITE_RESPONSE_HEADERS } from '../../idempotency/idempotent-write.decorator';
import type { KeyHold } from '../../idempotency/idempotency.service';
import { NodeSetsService } from '../../node-sets/node-sets.service';
import { OrphanSweeper } from '../../node-sets/orphan-sweeper';
import { nodeSetPath } from '../../node-sets/node-set-view';
import { operationPath } from '../../operations/operation-view';
import { ApiListingProblems, ApiProblems } from '../problem/api-problems.decorator';
import { ProblemException } from '../problem/problem.exception';
import {
  CreateNodeSetDto,
  CreateNodeSetQuery,
  ListNodeSetsQuery,
  NodeSetDto,
  NodeSetPageDto,
  NodeSetParams,
  NodeSetPlanDto,
  OrphanReportDto,
} from './dto/node-set.dto';

const LOCATION_HEADER = {
  Location: {
    required: true,
    description: 'The node set: `/api/v1/node-sets/{id}` (getNodeSet).',
    schema: {
      type: 'string',
      format: 'uri-reference',
      example: '/api/v1/node-sets/5b0e7a43-2a54-4d0e-b1b3-2f1c37a3c6a9',
    },
  },
  ...WRITE_RESPONSE_HEADERS,
};

@ApiTags('node-sets')
@Controller({ path: 'node-sets', version: '1' })
export class NodeSetsController {
  private readonly defaultTimeoutSeconds: number;

  constructor(
    private readonly nodeSets: NodeSetsService,
    private readonly orphans: OrphanSweeper,
    @Inject(ConfigService) config: ConfigService,
  ) {
    this.defaultTimeoutSeconds = config.getOrThrow<Settings>('settings').nodeSets.defaultTimeoutSeconds;
  }

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    operationId: 'createNodeSet',
    summary: 'Create a set of nodes across clouds, all or nothing',
    description:
      'Answers at once with the set in `creating`, its `Location` and an `Operation-Location`. The service creates every member ' +
      "in parallel (at most each cloud's `maxConcurrentCreates` at a time) and waits until all are `running`: the set is `ready` " +
      'and the operation succeeds with the set in `result`. If any member fails (a refused create, a node in `error` or ' +
      '`terminated`, the timeout), every member already created is destroyed, the set ends `failed` and the operation fails with a ' +
      "problem naming the member, its cloud and the cause. Members carry the set's id in their cloud (metadata " +
      '`orchestrator-node-set` and a per-member client token), so a create cut off by a crash is found and adopted or destroyed; ' +
      'the work resumes after a restart or on another replica. Clouds, names and capabilities (user data, metadata, key pairs, ' +
      'locations) are checked first: 422 with every problem in `errors`. Send an `Idempotency-Key` to make retries safe. ' +
      '`?dryRun=true` creates nothing and answers 200 with the plan: every image, size, location and key pair checked on its ' +
      "cloud, the count per cloud and the estimated hourly and monthly cost from the sizes' published prices (naming the " +
      'members without one); an invalid set is a 422 listing every problem at once, and a valid one naming a cloud whose ' +
      "catalogue cannot be read is that cloud's 502, 503 or 504.",
  })
  @IdempotentWrite()
  @ApiAcceptedResponse({
    type: NodeSetDto,
    description: 'Accepted; `Location` names the set.',
    headers: LOCATION_HEADER,
  })
  @ApiOkResponse({ type: NodeSetPlanDto, description: 'dryRun=true: the plan; nothing was created.' })
  @ApiProblems(400, 409, 413, 415, 422, 502, 503, 504)
  async createNodeSet(
    @Body() body: CreateNodeSetDto,
    @Query() query: CreateNodeSetQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @IdempotencyHold() hold?: KeyHold,
  ): Promise<NodeSetDto | NodeSetPlanDto> {
    if (query.dryRun) {
      // A preview changes nothing, so a key would only bind a plan that may change with the clouds.
      if (hold) {
        const message = 'dryRun=true takes no Idempotency-Key: a preview changes nothing';
        throw new ProblemException(400, message, { errors: [{ field: 'Idempotency-Key', message }] });
      }
      reply.status(200);
      return await this.nodeSets.preview(body);
    }
    const set = await this.nodeSets.create(
      body,
      { scope: hold?.scope ?? request.raw.apiKeyName ?? 'anonymous', clientToken: hold?.clientToken },
      this.defaultTimeoutSeconds,
    );
    reply.header('Location', nodeSetPath(set.id));
    reply.header('Operation-Location', operationPath(set.operationId));
    return set;
  }

  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    operationId: 'listNodeSets',
    summary: 'Node sets, newest first, a page at a time',
    description:
      'Every set this service keeps, deleted ones included; pass `nextCursor` as `cursor` for the next page.',
  })
  @ApiListingProblems({ expires: false })
  @ApiOkResponse({ type: NodeSetPageDto })
  @ApiProblems(400)
  listNodeSets(@Query() query: ListNodeSetsQuery): Promise<NodeSetPageDto> {
    return this.nodeSets.list(query.limit ?? 100, query.cursor);
  }

  @Get('orphans')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    operationId: 'listNodeSetOrphans',
    summary: "Nodes in any cloud carrying this service's node set mark but belonging to no live set",
    description:
      'Every cloud is listed: a node whose metadata `orchestrator-node-set` names a set the service does not have, a set that ' +
      'is `failed` or `deleted`, or a `ready` set it is not a member of. Sets still creating, rolling back or deleting are ' +
      'skipped (their nodes may not be recorded yet). An empty list is the proof that nothing leaked. A cloud that cannot be ' +
      'listed is named in `errors`. With `nodeSets.orphans.destroyAfterSeconds` set, the service destroys orphans it has seen ' +
      'for that long.',
  })
  @ApiOkResponse({ type: OrphanReportDto })
  @ApiProblems()
  listNodeSetOrphans(): Promise<OrphanReportDto> {
    return this.orphans.find();
  }

  @Get(':id')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    operationId: 'getNodeSet',
    summary: 'One node set, each member with its cloud, node id, state and step',
    description:
      "The set as the service's journal records it. For a `ready` set each member's `nodeState` is read from its cloud now " +
      '(each cloud listed once): a member destroyed outside the set shows `gone` (or `terminated`) and the set `degraded`; ' +
      'a cloud that cannot be read leaves its members `unknown` with `nodeStateError`, not a failed read. For a set the ' +
      'service is still working on, the states it last saw (it polls them).',
  })
  @ApiOkResponse({ type: NodeSetDto })
  @ApiProblems(400, 404)
  getNodeSet(@Param() params: NodeSetParams): Promise<NodeSetDto> {
    return this.nodeSets.get(params.id);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.ACCEPTED)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    operationId: 'deleteNodeSet',
    summary: 'Destroy every member of a set (an operation)',
    description:
      'A `ready` or `failed` set moves to `deleting`; the operation in `Operation-Location` succeeds once every member is gone ' +
      'from its cloud (`deleted`). A set already deleting or deleted answers as it is, with its delete operation; one still ' +
      '`creating` or `rolling_back` is a 409.',
  })
  @IdempotentWrite()
  @ApiAcceptedResponse({
    type: NodeSetDto,
    description: 'Accepted; the set is deleting (or deleted).',
    headers: WRITE_RESPONSE_HEADERS,
  })
  @ApiProblems(400, 404, 409, 503)
  async deleteNodeSet(
    @Param() params: NodeSetParams,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<NodeSetDto> {
    const set = await this.nodeSets.delete(params.id);
    reply.header('Operation-Location', operationPath(set.operationId));
    return set;
  }
}
