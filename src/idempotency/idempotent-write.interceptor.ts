import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { defer, lastValueFrom, Observable } from 'rxjs';
import { ProblemException } from '../api/problem/problem.exception';
import { CloudRegistry } from '../cloud/cloud-registry';
import { CloudError, type CloudErrorKind } from '../cloud/driver/cloud-error';
import { operationPath } from '../operations/operation-view';
import { OperationsService } from '../operations/operations.service';
import type { OperationKind, OperationRecord, StoredResponse } from '../store/state-store';
import { parseIdempotencyKey } from './idempotency-key';
import { keyMalformed, KeyInFlightProblem } from './idempotency-problems';
import { IdempotencyService, KeyHold } from './idempotency.service';

export const WRITE_KIND = 'cloud-orchestrator:write-kind';
/** Where @HttpCode keeps its status (Nest's HTTP_CODE_METADATA, not exported from the package root). */
const HTTP_CODE_METADATA = '__httpCode__';

const UNCERTAIN = new Set<CloudErrorKind>(['outcome_unknown', 'timeout', 'unavailable']);

/** Headers that are part of a write's answer and so replayed with it. */
const REPLAYED_HEADERS = ['location', 'operation-location'];

/** Where the claim of this request's key is kept for the handler (see ClientTokenOf). */
export interface RequestWithHold {
  idempotencyHold?: KeyHold;
}

/**
 * Around every non-idempotent write: honours Idempotency-Key (claim, replay, 409/422), starts the
 * write's operation when it has one (Operation-Location), and records the answer and the operation
 * in one store transaction before answering, so an accepted write is never lost.
 */
@Injectable()
export class IdempotentWriteInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly idempotency: IdempotencyService,
    private readonly operations: OperationsService,
    private readonly clouds: CloudRegistry,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest & RequestWithHold>();
    const reply = http.getResponse<FastifyReply>();
    const kind = this.reflector.get<OperationKind | undefined>(WRITE_KIND, context.getHandler());
    const status =
      this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ??
      (request.method === 'POST' ? 201 : 200);
    return defer(() =>
      this.handle(request, reply, kind, status, () => lastValueFrom(next.handle(), { defaultValue: undefined })),
    );
  }

  private async handle(
    request: FastifyRequest & RequestWithHold,
    reply: FastifyReply,
    kind: OperationKind | undefined,
    status: number,
    run: () => Promise<unknown>,
  ): Promise<unknown> {
    const params = (request.params ?? {}) as Record<string, string>;
    const cloud = this.clouds.get(params.cloud);
    const hold = await this.claim(request, reply, cloud?.timeoutMs);
    if (hold && 'replay' in hold) return replay(reply, hold.replay);
    request.idempotencyHold = hold;

    let result: unknown;
    try {
      result = await run();
    } catch (error) {
      // A write that may have taken effect (no answer, a timeout, a 5xx) keeps the key bound, so a retry
      // recovers (for a create: looks for the node by its mark). Anything else frees the key.
      const uncertain = CloudError.is(error) && UNCERTAIN.has(error.kind);
      if (hold) await this.idempotency.fail(hold, uncertain).catch(() => undefined);
      throw error;
    }

    const operation = kind && cloud ? this.startOperation(kind, cloud.name, params, result) : undefined;
    if (operation) reply.header('Operation-Location', operationPath(operation.id));
    const response: StoredResponse | undefined = hold
      ? {
          status,
          headers: pickHeaders(reply),
          body: result === undefined ? '' : JSON.stringify(result),
        }
      : undefined;
    try {
      await this.idempotency.complete(hold, response, operation);
    } catch {
      throw new ProblemException(
        503,
        'the cloud accepted the request but the state store could not record it; retry with the same Idempotency-Key to get its answer',
      );
    }
    if (operation) this.operations.recorded(operation);
    return result;
  }

  private async claim(
    request: FastifyRequest,
    reply: FastifyReply,
    cloudTimeoutMs = 30_000,
  ): Promise<KeyHold | { replay: StoredResponse } | undefined> {
    const parsed = parseIdempotencyKey(request.headers['idempotency-key']);
    if (!parsed) return undefined;
    if (!parsed.ok) throw keyMalformed(parsed.reason);
    try {
      const decision = await this.idempotency.claim({
        caller: request.raw.apiKeyName ?? 'anonymous',
        key: parsed.key,
        method: request.method,
        path: request.url.split('?')[0],
        body: request.body,
        // The request is bounded by the cloud's timeout (twice when it must first look for a cut-off create).
        leaseMs: 2 * cloudTimeoutMs + 5_000,
      });
      return 'hold' in decision ? decision.hold : decision;
    } catch (error) {
      if (error instanceof KeyInFlightProblem) reply.header('Retry-After', String(error.retryAfterSeconds));
      if (error instanceof ProblemException) throw error;
      throw new ProblemException(503, 'the state store is unreachable; nothing was done');
    }
  }

  private startOperation(
    kind: OperationKind,
    cloud: string,
    params: Record<string, string>,
    result: unknown,
  ): OperationRecord {
    const node = (result ?? {}) as { id?: string; state?: string };
    return this.operations.start(kind, cloud, node.id ?? params.nodeId, node.state ?? null);
  }
}

function replay(reply: FastifyReply, response: StoredResponse): unknown {
  for (const [name, value] of Object.entries(response.headers)) reply.header(name, value);
  reply.header('Idempotent-Replayed', 'true');
  return response.body === '' ? undefined : JSON.parse(response.body);
}

function pickHeaders(reply: FastifyReply): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of REPLAYED_HEADERS) {
    const value = reply.getHeader(name);
    if (value !== undefined) headers[name] = String(value);
  }
  return headers;
}
