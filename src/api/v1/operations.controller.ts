import { Controller, Get, Header, Param, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OperationsService } from '../../operations/operations.service';
import { streamOperation } from '../../operations/operation-events';
import { ApiListingProblems, ApiProblems } from '../problem/api-problems.decorator';
import {
  GetOperationQuery,
  ListOperationsQuery,
  OperationDto,
  OperationPageDto,
  OperationParams,
} from './dto/operation.dto';

@ApiTags('operations')
@Controller({ path: 'operations', version: '1' })
export class OperationsController {
  constructor(private readonly operations: OperationsService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    operationId: 'listOperations',
    summary: 'Operations, newest first, a page at a time',
    description:
      'Filter by `cloud` and `state`; pass `nextCursor` as `cursor` for the next page. Operations are kept in the state store.',
  })
  @ApiListingProblems({ expires: false })
  @ApiOkResponse({ type: OperationPageDto })
  @ApiProblems(400)
  listOperations(@Query() query: ListOperationsQuery): Promise<OperationPageDto> {
    return this.operations.list({ ...query, limit: query.limit ?? 100 }) as Promise<OperationPageDto>;
  }

  @Get(':id')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    operationId: 'getOperation',
    summary: 'One operation; with `?wait=N`, answers as soon as it is done or after N seconds (at most 60)',
    description:
      'An operation is `running` until the node reaches the state its write aims at (`succeeded`, with the node in `result`) ' +
      "or reaches `error`/`terminated` or the cloud's waitTimeoutMs (`failed`, with a problem in `error`).",
  })
  @ApiOkResponse({ type: OperationDto })
  @ApiProblems(400, 404)
  getOperation(
    @Param() params: OperationParams,
    @Query() query: GetOperationQuery,
    @Req() request: FastifyRequest,
  ): Promise<OperationDto> {
    if (!query.wait) return this.operations.get(params.id) as Promise<OperationDto>;
    const gone = new AbortController();
    request.raw.once('close', () => gone.abort());
    return this.operations.wait(params.id, query.wait, gone.signal) as Promise<OperationDto>;
  }

  @Get(':id/events')
  @ApiOperation({
    operationId: 'streamOperationEvents',
    summary: 'Server-sent events: the operation now and at each change, until it is done',
    description:
      'Each event is `event: operation` with the operation as JSON in `data`; the stream ends after the event with `done: true`. A comment line is sent every 15 s to keep proxies from closing it.',
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'A text/event-stream of `operation` events (data: an Operation).' })
  @ApiProblems(400, 404)
  async streamOperationEvents(
    @Param() params: OperationParams,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.operations.get(params.id); // a 404 problem before the stream starts
    await streamOperation(this.operations, params.id, request, reply);
  }
}
