import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE, problemForStatus } from './problem';
import { ProblemDto } from './problem.dto';

const DESCRIPTIONS: Record<number, string> = {
  400: 'The request is malformed: invalid fields, unknown fields, bad JSON or a bad cursor.',
  401: 'No valid API key.',
  403: 'The API key lacks the scope for this operation.',
  404: 'The cloud, or the resource in it, does not exist.',
  409: 'Not possible in the current state (or a name already in use, or quota).',
  413: 'The request body is too large.',
  415: 'The request body is not application/json.',
  429: 'Too many requests from this API key (or client IP when the service runs open); retry after `Retry-After` seconds.',
  422: 'The request names an image, size, location or key pair the cloud does not have.',
  501: 'The cloud cannot do this.',
  502: "The cloud failed or rejected the service's credentials.",
  503: 'The cloud is rate limiting; see Retry-After.',
  504: 'The cloud did not answer in time.',
};

const EXAMPLES: Record<number, string> = {
  400: 'name must be longer than or equal to 1 characters',
  401: 'missing or invalid API key',
  403: 'this API key lacks the "write" scope',
  404: 'cloud "default": node node-000042 not found',
  409: 'cloud "default": cannot start node node-000001 while it is running (it must be stopped)',
  413: 'the request body is larger than the service accepts',
  415: 'the request body must be application/json (got text/plain)',
  429: 'too many requests: at most 100 per 10 s for this caller; retry in 7 seconds',
  422: 'cloud "default": size "huge" does not exist in this cloud',
  501: 'cloud "default": stopping nodes is not supported by this cloud',
  502: 'cloud "lab": list nodes: credentials rejected by the cloud (HTTP 401)',
  503: 'cloud "lab": list nodes: the cloud answered HTTP 429',
  504: 'cloud "lab": list nodes: no answer within 30000 ms',
};

/** Caller rate-limit headers (draft-ietf-httpapi-ratelimit-headers, as @fastify/rate-limit sends them). */
const RATE_LIMIT_HEADERS = {
  'Retry-After': { description: 'Seconds until the window resets.', schema: { type: 'integer' } },
  'RateLimit-Limit': { description: 'Requests allowed per window for this caller.', schema: { type: 'integer' } },
  'RateLimit-Remaining': { description: 'Requests left in the current window.', schema: { type: 'integer' } },
  'RateLimit-Reset': { description: 'Seconds until the current window ends.', schema: { type: 'integer' } },
};

/**
 * Documents each listed error status with the problem schema, media type and an example. 401, 403
 * and 429 are added to every API operation: any of them can meet a missing key, a missing scope or
 * the caller's rate limit (see registerRateLimit).
 */
export function ApiProblems(...statuses: number[]) {
  const all = [...new Set([...statuses, 401, 403, 429])].sort((a, b) => a - b);
  return applyDecorators(
    ApiExtraModels(ProblemDto),
    ...all.map((status) => {
      const detail = EXAMPLES[status] ?? 'error';
      const cloud = /^cloud "([^"]+)"/.exec(detail)?.[1];
      return ApiResponse({
        status,
        description: DESCRIPTIONS[status] ?? 'Error',
        ...(status === 429 ? { headers: RATE_LIMIT_HEADERS } : {}),
        content: {
          [PROBLEM_CONTENT_TYPE]: {
            schema: { $ref: getSchemaPath(ProblemDto) },
            example: problemForStatus(status, detail, cloud ? { cloud } : {}),
          },
        },
      });
    }),
  );
}
