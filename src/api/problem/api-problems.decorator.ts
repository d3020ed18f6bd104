import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { CloudError } from '../../cloud/driver/cloud-error';
import { PROBLEM_CONTENT_TYPE, Problem } from './problem';
import { ProblemDto } from './problem.dto';
import { ProblemException } from './problem.exception';
import { toProblem } from './to-problem';
import { keyMalformed, KeyInFlightProblem, keyReused } from '../../idempotency/idempotency-problems';
import { memberProblem } from '../../node-sets/node-set-problems';

export const DESCRIPTIONS: Record<number, string> = {
  400: 'The request is malformed: invalid fields, unknown fields or bad JSON.',
  401: 'No valid API key.',
  403: 'The API key lacks the scope for this operation.',
  404: 'The cloud, or the resource in it, does not exist.',
  409: 'Not possible in the current state (or a name already in use, or quota).',
  413: 'The request body is too large.',
  414: 'A path parameter is longer than any identifier the API accepts, even percent-encoded.',
  415: 'The request body is not application/json.',
  429: 'Too many requests from this API key (or client IP when the service runs open); retry after `Retry-After` seconds.',
  422: 'The request names an image, size, location or key pair the cloud does not have.',
  501: 'The cloud cannot do this.',
  502: "The cloud failed or rejected the service's credentials.",
  503:
    'The cloud is rate limiting (type …:cloud-rate-limited), or its circuit breaker is open after repeated ' +
    'failures (type …:cloud-circuit-open); see Retry-After.',
  504:
    'The cloud did not answer in time. Type urn:cloud-orchestrator:problem:cloud-timeout: nothing was done, ' +
    'safe to repeat. Type urn:cloud-orchestrator:problem:cloud-outcome-unknown: a write was sent and never ' +
    'answered; it may or may not have taken effect, so look before repeating it.',
};

const inCloud = (cloud: string, error: CloudError): CloudError => Object.assign(error, { cloud });

/** Caller rate-limit headers (draft-ietf-httpapi-ratelimit-headers, as @fastify/rate-limit sends them). */
const RATE_LIMIT_HEADERS = {
  'Retry-After': { description: 'Seconds until the window resets.', schema: { type: 'integer' } },
  RateLimit: {
    description: 'Current draft: `"caller";r=<remaining>;t=<seconds to reset>`.',
    schema: { type: 'string' },
  },
  'RateLimit-Policy': {
    description: 'Current draft: `"caller";q=<requests>;w=<window seconds>`.',
    schema: { type: 'string' },
  },
  'RateLimit-Limit': { description: 'Requests allowed per window for this caller.', schema: { type: 'integer' } },
  'RateLimit-Remaining': { description: 'Requests left in the current window.', schema: { type: 'integer' } },
  'RateLimit-Reset': { description: 'Seconds until the current window ends.', schema: { type: 'integer' } },
};

/**
 * For each status, every cause the service really answers it with, as the error the code throws.
 * Examples are made from these by the same mapping that answers requests (toProblem), so the
 * documented `type`s are the ones sent.
 */
export const CAUSES: Record<number, Record<string, () => unknown>> = {
  400: {
    validation: () =>
      new ProblemException(400, 'name must be longer than or equal to 1 characters', {
        errors: [{ field: 'name', message: 'name must be longer than or equal to 1 characters' }],
      }),
  },
  401: {
    noKey: () =>
      new ProblemException(401, 'missing or invalid API key: send Authorization: Bearer <key> or X-API-Key: <key>'),
  },
  403: { noScope: () => new ProblemException(403, 'the API key "grafana" lacks the "write" scope') },
  404: { notFound: () => inCloud('default', new CloudError('not_found', 'node node-000042 not found')) },
  409: {
    conflict: () => inCloud('default', new CloudError('conflict', 'cannot start node node-000001 while it is running')),
    quota: () => inCloud('lab', new CloudError('quota_exceeded', 'create node: quota exceeded for instances')),
  },
  413: {
    tooLarge: () => ({ code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413, message: 'Request body is too large' }),
  },
  414: {
    pathParameterTooLong: () => ({
      code: 'FST_ERR_MAX_PARAM_LENGTH',
      statusCode: 414,
      message: "'/api/v1/clouds/default/nodes/aaa…' is exceeding the max param length",
    }),
  },
  415: {
    notJson: () => {
      const message = 'the request body must be application/json (got text/plain)';
      return new ProblemException(415, message, { errors: [{ field: 'Content-Type', message }] });
    },
  },
  429: {
    tooManyRequests: () =>
      new ProblemException(429, 'too many requests: at most 100 per 10 s for this caller; retry in 7 seconds'),
  },
  422: {
    unknownReference: () =>
      inCloud('default', new CloudError('invalid_reference', 'size "huge" does not exist in this cloud')),
  },
  501: {
    unsupported: () =>
      inCloud('rax', new CloudError('unsupported', 'stop of nodes is not supported by Rackspace Cloud Servers')),
  },
  502: {
    unavailable: () =>
      inCloud('lab', new CloudError('unavailable', 'list nodes: cannot reach the cloud (ECONNREFUSED)')),
    credentialsRejected: () =>
      inCloud('lab', new CloudError('auth_failed', 'list nodes: credentials rejected by the cloud (HTTP 401)')),
  },
  503: {
    rateLimited: () =>
      inCloud(
        'lab',
        new CloudError('rate_limited', 'list nodes: the cloud asked to slow down (HTTP 429)', {
          retryAfterSeconds: 30,
        }),
      ),
    circuitOpen: () =>
      inCloud(
        'lab',
        new CloudError(
          'circuit_open',
          'list nodes: not attempted, the cloud failed 5 times in a row; trying again in 30 s',
          { retryAfterSeconds: 30 },
        ),
      ),
  },
  504: {
    timeout: () => inCloud('lab', new CloudError('timeout', 'list nodes: no answer within 30000 ms')),
    outcomeUnknown: () =>
      inCloud(
        'lab',
        new CloudError(
          'outcome_unknown',
          'create node: no answer within 30000 ms; the node may or may not exist: list nodes before trying again',
        ),
      ),
  },
};

/**
 * Refusals the service makes before any controller runs, on every route (query refusals, request
 * size limits, the request-content rules), documented on the built document by declareRequestRefusals.
 */
export const REQUEST_CAUSES = {
  400: {
    unknownQueryParameter: () =>
      new ProblemException(400, 'unknown query parameter "limt"', {
        errors: [{ field: 'limt', message: 'unknown query parameter "limt"' }],
      }),
    malformedQuery: () =>
      new ProblemException(400, 'limit is not valid percent-encoded UTF-8', {
        errors: [{ field: 'limit', message: 'limit is not valid percent-encoded UTF-8' }],
      }),
  },
  414: {
    requestTargetTooLong: () =>
      new ProblemException(414, 'the request target (path and query) is 70023 bytes; the service reads at most 16384'),
  },
  415: {
    noBodyDefined: () => {
      const message =
        'POST /api/v1/clouds/:cloud/nodes/:nodeId/actions/reboot takes no request body; send none (no Content-Length or an empty one)';
      return new ProblemException(415, message, { errors: [{ field: 'body', message }] });
    },
    contentEncoding: () => {
      const message = 'the request body\'s Content-Encoding "gzip" is not supported; send it unencoded (identity)';
      return new ProblemException(415, message, { errors: [{ field: 'Content-Encoding', message }] });
    },
  },
  431: {
    headersTooLarge: () =>
      new ProblemException(431, 'the request headers are larger than the service accepts (20031 bytes; at most 16384)'),
  },
} satisfies Record<number, Record<string, () => unknown>>;

/** More causes of a non-idempotent write (Idempotency-Key), documented only on those (ApiWriteProblems). */
const WRITE_CAUSES: Record<number, Record<string, () => unknown>> = {
  400: { idempotencyKeyMalformed: () => keyMalformed('the Idempotency-Key must be at most 255 characters') },
  409: { idempotencyKeyInFlight: () => new KeyInFlightProblem(35) },
  422: { idempotencyKeyReused: () => keyReused() },
};

/** More causes of a listing with a cursor, documented only on those (ApiListingProblems). */
const LISTING_CAUSES: Record<number, Record<string, () => unknown>> = {
  400: {
    invalidCursor: () =>
      inCloud(
        'default',
        new CloudError(
          'invalid_cursor',
          'cursor is not one this service issued for this listing (same cloud and filters): pass nextCursor unchanged',
        ),
      ),
  },
  410: {
    cursorExpired: () =>
      inCloud(
        'aws',
        new CloudError(
          'cursor_expired',
          'list nodes: EC2 no longer accepts the page token this cursor holds, and the instance the cursor ended at is no longer listed',
        ),
      ),
  },
};

const LISTING_DESCRIPTIONS: Record<number, string> = {
  400: 'Or a `cursor` this service did not issue (forged, altered, unsealed, or sealed with another key), or issued for another listing, cloud or filters (type …:invalid-cursor, `errors` names `cursor`).',
  410:
    'Type urn:cloud-orchestrator:problem:cursor-expired: the `cursor` was issued by this service, but the place it ' +
    'names can no longer be found (the cloud forgot its page token or marker and the node the page ended at is ' +
    'gone, the nodes on both sides of the cursor were deleted on a cloud without a stable order, or the cursor ' +
    'continues in a cloud no longer configured). Restart the listing without `cursor`.',
};

const WRITE_DESCRIPTIONS: Record<number, string> = {
  400: 'Or a malformed Idempotency-Key header.',
  409: 'Or a request with the same Idempotency-Key is still in progress: retry after Retry-After seconds to get its answer.',
  422: 'Or this Idempotency-Key was already used for a different request.',
};

/** Causes only some operations have, documented only on those (ApiOperationProblems), by name. */
const OPERATION_CAUSES = {
  nodeSetMember: {
    status: 409,
    description:
      'Or the node is a member of a node set that is creating or ready (type …:node-set-member, `nodeSet` names the set): ' +
      'destroying it alone would break the set; delete the set with deleteNodeSet.',
    make: () => memberProblem('default', 'node-000007', '5b0e7a43-2a54-4d0e-b1b3-2f1c37a3c6a9', 'web-2'),
  },
} satisfies Record<string, { status: number; description: string; make: () => unknown }>;
export type OperationCause = keyof typeof OPERATION_CAUSES;

const causesOf = (status: number) => ({
  ...(CAUSES[status] ?? {}),
  ...(WRITE_CAUSES[status] ?? {}),
  ...(LISTING_CAUSES[status] ?? {}),
});

/** The documented examples for one status, keyed by cause; what the service sends for each. */
export function problemExamples(status: number): Record<string, Problem> {
  return Object.fromEntries(Object.entries(causesOf(status)).map(([cause, make]) => [cause, toProblem(make())]));
}

/** The name of one example under components.examples, e.g. `504-timeout`. */
const exampleName = (status: number, cause: string) => `${status}-${cause}`;

/** Every problem example, for components.examples (operations refer to them by name). */
export function problemExampleComponents(): Record<string, { summary: string; value: Problem }> {
  const specific = Object.entries(OPERATION_CAUSES).map(([cause, c]) => {
    const value = toProblem(c.make());
    return [exampleName(c.status, cause), { summary: `${value.title} (${value.type})`, value }] as const;
  });
  return Object.fromEntries([
    ...Object.entries(REQUEST_CAUSES).flatMap(([status, causes]) =>
      Object.entries(causes).map(([cause, make]) => {
        const value = toProblem(make());
        return [exampleName(Number(status), cause), { summary: `${value.title} (${value.type})`, value }] as const;
      }),
    ),
    ...Object.keys({ ...CAUSES, ...WRITE_CAUSES, ...LISTING_CAUSES }).flatMap((status) =>
      Object.entries(problemExamples(Number(status))).map(([cause, value]) => [
        exampleName(Number(status), cause),
        { summary: `${value.title} (${value.type})`, value },
      ]),
    ),
    ...specific,
  ]);
}

/**
 * Documents each listed error status with the problem schema, media type and one example per cause.
 * 401, 403 and 429 are added to every API operation: any of them can meet a missing key, a missing
 * scope or the caller's rate limit (see registerRateLimit).
 */
export function ApiProblems(...statuses: number[]) {
  const all = [...new Set([...statuses, 401, 403, 429])].sort((a, b) => a - b);
  return applyDecorators(ApiExtraModels(ProblemDto), ...all.map((status) => problemResponse(status)));
}

/**
 * The statuses an Idempotency-Key adds to a non-idempotent write (400, 409, 422), each with the
 * general causes and the key's own. Replaces earlier declarations of those statuses.
 */
export function ApiWriteProblems() {
  return applyDecorators(
    ApiExtraModels(ProblemDto),
    ...Object.keys(WRITE_CAUSES).map((status) => problemResponse(Number(status), WRITE_CAUSES, WRITE_DESCRIPTIONS)),
  );
}

/**
 * What a `cursor` adds to a listing: the 400 of a cursor this service did not issue and, where the
 * cursor names a place in a cloud that can vanish (`expires`), the 410 `cursor-expired`. Replaces
 * earlier declarations of those statuses.
 */
export function ApiListingProblems(options: { expires: boolean }) {
  const statuses = options.expires ? [400, 410] : [400];
  return applyDecorators(
    ApiExtraModels(ProblemDto),
    ...statuses.map((status) => problemResponse(status, LISTING_CAUSES, LISTING_DESCRIPTIONS)),
  );
}

/**
 * Adds causes only this operation has to their statuses (with the general causes and, for a write,
 * the Idempotency-Key's). Place it above @IdempotentWrite and @ApiProblems so its examples win.
 */
export function ApiOperationProblems(write: boolean, ...names: OperationCause[]) {
  const statuses = [...new Set(names.map((n) => OPERATION_CAUSES[n].status))];
  return applyDecorators(
    ApiExtraModels(ProblemDto),
    ...statuses.map((status) => {
      const mine = names.filter((n) => OPERATION_CAUSES[n].status === status);
      const more = {
        ...(write ? (WRITE_CAUSES[status] ?? {}) : {}),
        ...Object.fromEntries(mine.map((n) => [n, OPERATION_CAUSES[n].make])),
      };
      const description = mine.map((n) => OPERATION_CAUSES[n].description).join(' ');
      return problemResponse(status, { [status]: more }, { [status]: description });
    }),
  );
}

/** Where @nestjs/swagger keeps a method's declared responses (its DECORATORS.API_RESPONSE, not exported). */
const API_RESPONSE_METADATA = 'swagger/apiResponse';

/**
 * One status. First declared (ApiProblems, applied before the others): its general description and
 * causes. Declared again by a decorator that adds causes (writes, listings, one operation's own): only
 * the addition, appended to the description (Swagger joins them) and to the examples already there, so
 * no sentence is said twice. Declared first by such a decorator (destroyNode's 422 exists only for its
 * Idempotency-Key): only that decorator's causes, and its description standing alone.
 */
function problemResponse(
  status: number,
  more: Record<number, Record<string, () => unknown>> = {},
  moreDescriptions: Record<number, string> = {},
): MethodDecorator {
  return (target, key, descriptor) => {
    const declared = (
      Reflect.getMetadata(API_RESPONSE_METADATA, descriptor.value as object) as Record<string, any> | undefined
    )?.[status];
    const general = Object.keys(more).length === 0;
    const causes = general ? (CAUSES[status] ?? {}) : (more[status] ?? {});
    const extra = moreDescriptions[status];
    const description = general
      ? DESCRIPTIONS[status]
      : declared
        ? extra
        : extra?.replace(/^Or (\w)/, (_, first: string) => first.toUpperCase());
    const content = problemContent(status, causes);
    const earlier = declared?.content?.[PROBLEM_CONTENT_TYPE]?.examples as Record<string, { $ref: string }> | undefined;
    if (earlier) content[PROBLEM_CONTENT_TYPE].examples = { ...earlier, ...content[PROBLEM_CONTENT_TYPE].examples };
    return ApiResponse({
      status,
      description: description || 'Error',
      ...(status === 429 ? { headers: RATE_LIMIT_HEADERS } : {}),
      content,
    })(target, key, descriptor);
  };
}

/** The problem+json content of one status, with one example (by reference) per named cause. */
export function problemContent(status: number, causes: Record<string, unknown>) {
  return {
    [PROBLEM_CONTENT_TYPE]: {
      schema: { $ref: getSchemaPath(ProblemDto) },
      examples: Object.fromEntries(
        Object.keys(causes).map((cause) => [cause, { $ref: `#/components/examples/${exampleName(status, cause)}` }]),
      ),
    },
  };
}
