import { Controller, Get, Header, Param, Query, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OperationsService } from '../../operations/operations.service';
import { alreadySeenFinal, streamOperation } from '../../operations/operation-events';
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
  @ApiOkResponse({
    description:
      'A text/event-stream (WHATWG HTML §9.2) that stays open until the operation is done. Events: ' +
      '`event: operation` with `id:` (the `updatedAt` instant in epoch milliseconds) and `data:` one `Operation` ' +
      '(#/components/schemas/Operation) as JSON on one line, sent now and at each change, the last with `done: true`; ' +
      '`event: error` with `data:` `{"detail": string}` if the stream fails, after which it ends; and `: keep-alive` ' +
      'comment lines every 15 s.',
    content: {
      'text/event-stream': {
        schema: {
          type: 'string',
          description: 'Server-sent events, each `event:`, `id:` and `data:` lines ended by a blank line.',
        },
        example: sseExample(),
      },
    },
  })
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description:
      'Sent by a reconnecting EventSource (WHATWG HTML §9.2.4): the `id:` of the last event it received. ' +
      'That event is not sent again; if it was the final one (`done: true`), the answer is 204.',
    schema: { type: 'string', example: '1796100312044' },
  })
  @ApiNoContentResponse({
    description:
      'The operation is done and `Last-Event-ID` is its final event: the client has it all. A 204 makes an ' +
      'EventSource stop reconnecting (WHATWG HTML §9.2.3); without it, it would reconnect every few seconds.',
  })
  @ApiProblems(400, 404)
  async streamOperationEvents(
    @Param() params: OperationParams,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const operation = await this.operations.get(params.id); // a 404 problem before the stream starts
    if (alreadySeenFinal(operation, request.headers['last-event-id'])) {
      await reply.status(204).send();
      return;
    }
    await streamOperation(this.operations, params.id, request, reply);
  }
}

/** Two events of a reboot as the stream sends them: one now, one when it is done. */
function sseExample(): string {
  const operation = {
    id: '0b6f2c1e-6a43-4f7e-9a57-1d0f5b7b1c11',
    kind: 'rebootNode',
    cloud: 'default',
    target: 'node-000004',
    state: 'running',
    done: false,
    nodeState: 'rebooting',
    createdAt: '2026-12-01T04:00:00.000Z',
    updatedAt: '2026-12-01T04:00:00.000Z',
    deadline: '2026-12-01T04:10:00.000Z',
  };
  const done = {
    ...operation,
    state: 'succeeded',
    done: true,
    nodeState: 'running',
    updatedAt: '2026-12-01T04:00:04.000Z',
  };
  return [operation, done]
    .map((op) => `event: operation\nid: ${Date.parse(op.updatedAt)}\ndata: ${JSON.stringify(op)}\n\n`)
    .join('');
}
