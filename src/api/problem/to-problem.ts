import { HttpException, Logger } from '@nestjs/common';
import { CloudError } from '../../cloud/driver/cloud-error';
import { CLOUD_ERROR_STATUS, Problem, problemForStatus, problemType } from './problem';
import { ProblemException } from './problem.exception';

const logger = new Logger('Errors');

/** Fastify's own errors (body parsing, limits) carry a status and an FST_ code. */
interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message?: string;
}

/** What a caller does with an expired cursor, said in every such problem. */
const RESTART = 'Restart the listing: send the same request without `cursor` (nodes listed before may be listed again)';

/**
 * Fastify's content-type parser errors (FST_ERR_CTP_*: malformed, empty, too large) are about the body
 * as a whole, so `errors[]` names `body`; or the `Content-Type` header when the media type is refused.
 */
function bodyErrors(error: FastifyLikeError | undefined, message: string): Partial<Problem> {
  const code = error?.code;
  if (typeof code !== 'string' || !code.startsWith('FST_ERR_CTP_')) return {};
  const field =
    code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || code === 'FST_ERR_CTP_INVALID_TYPE' ? 'Content-Type' : 'body';
  return { errors: [{ field, message }] };
}

/** Every error the service can meet, as a problem body. Unknown errors are logged, never echoed. */
export function toProblem(exception: unknown): Problem {
  if (exception instanceof ProblemException) return exception.problem;
  if (exception instanceof CloudError) {
    const mapped = CLOUD_ERROR_STATUS[exception.kind];
    const cloud = exception.cloud;
    const cursor = exception.kind === 'invalid_cursor' || exception.kind === 'cursor_expired';
    const field = exception.options.field ?? (cursor ? 'cursor' : undefined);
    const message = exception.kind === 'cursor_expired' ? `${exception.message}. ${RESTART}` : exception.message;
    return {
      type: problemType(mapped.slug),
      title: mapped.title,
      status: mapped.status,
      detail: cloud ? `cloud "${cloud}": ${message}` : message,
      ...(cloud ? { cloud } : {}),
      ...(field ? { errors: [{ field, message }] } : {}),
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const message = typeof response === 'string' ? response : (response as { message?: unknown }).message;
    const detail = Array.isArray(message)
      ? message.join('; ')
      : typeof message === 'string'
        ? message
        : exception.message;
    return problemForStatus(
      status,
      status === 404 && /^Cannot /.test(detail) ? `no such route: ${detail.slice(7)}` : detail,
      // The framework hands its own 4xx errors (body parsing) over as an HttpException caused by them.
      bodyErrors(exception.cause as FastifyLikeError | undefined, detail),
    );
  }
  const fastify = exception as FastifyLikeError;
  if (
    fastify &&
    typeof fastify.code === 'string' &&
    fastify.code.startsWith('FST_') &&
    fastify.statusCode &&
    fastify.statusCode < 500
  ) {
    const message = String(fastify.message ?? 'bad request');
    return problemForStatus(fastify.statusCode, message, bodyErrors(fastify, message));
  }
  if (isClientAbort(exception)) {
    // The client's doing, not the service's: one line (the request id comes with it), no stack.
    logger.log(`the client closed the connection before its request was read (${fastify.code ?? 'aborted'})`);
    return problemForStatus(400, 'the client closed the connection before the request was read');
  }
  logger.error(`unexpected error: ${(exception as Error)?.stack ?? String(exception)}`);
  return problemForStatus(500, 'the service failed unexpectedly; the error has been logged');
}

/**
 * Node's error for a request whose connection closed while its body was being read ("aborted",
 * ECONNRESET), as the body parser passes it on; nobody is left to receive an answer.
 */
function isClientAbort(exception: unknown): boolean {
  if (!(exception instanceof Error)) return false;
  const { code } = exception as FastifyLikeError;
  return (code === 'ECONNRESET' && exception.message === 'aborted') || code === 'ECONNABORTED';
}
