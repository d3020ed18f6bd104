import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata, UseInterceptors } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { ApiWriteProblems } from '../api/problem/api-problems.decorator';
import type { OperationKind } from '../store/state-store';
import type { KeyHold } from './idempotency.service';
import { IdempotentWriteInterceptor, RequestWithHold, WRITE_KIND } from './idempotent-write.interceptor';

/** Response headers of an accepted write, for @ApiAcceptedResponse({ headers }). */
export const WRITE_RESPONSE_HEADERS = {
  'Operation-Location': {
    description: 'The operation this write started: GET it (with `?wait=` seconds to long-poll) or its `/events`.',
    schema: { type: 'string', example: '/api/v1/operations/0b6f2c1e-6a43-4f7e-9a57-1d0f5b7b1c11' },
  },
  'Idempotent-Replayed': {
    description: '`true` when this is the stored answer to an earlier request with the same Idempotency-Key.',
    schema: { type: 'string', enum: ['true'] },
  },
};

/**
 * Marks a non-idempotent write: it honours the Idempotency-Key header (IETF httpapi draft) and,
 * given a kind, starts an operation answered with Operation-Location. Documents the header and the
 * idempotency problems; place it above @ApiProblems so its 400/409/422 descriptions win.
 */
export function IdempotentWrite(kind?: OperationKind) {
  return applyDecorators(
    SetMetadata(WRITE_KIND, kind),
    UseInterceptors(IdempotentWriteInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Makes retries safe (IETF httpapi Idempotency-Key draft): a Structured Field string such as `"8e03978e-40d5-43e8-bc93-6894a57f9324"` ' +
        '(in double quotes: a bare token, integer, byte sequence or list is a 400), 1-255 characters, unique per request. The same key with the same request (caller, method, path, body) ' +
        'within idempotency.ttlSeconds (default 86400) replays the first answer with `Idempotent-Replayed: true` and does nothing again; ' +
        'with a different request it is a 422 problem; while the first is still running, a 409 problem with Retry-After. ' +
        'For createNode the key also marks the node in the cloud, so a retry after a crash or timeout finds it instead of creating another.',
      schema: { type: 'string', minLength: 1, maxLength: 257 },
    }),
    ApiWriteProblems(),
  );
}

/** The claim on this request's Idempotency-Key, when one was sent (for the create's client token). */
export const IdempotencyHold = createParamDecorator(
  (_data: unknown, context: ExecutionContext): KeyHold | undefined =>
    context.switchToHttp().getRequest<RequestWithHold>().idempotencyHold,
);
