import type { HeaderObject, OpenAPIObject, ReferenceObject } from '@nestjs/swagger';

/** Headers the service sends on many responses, declared once under components.headers. */
export const COMMON_HEADERS: Record<string, HeaderObject> = {
  'X-Request-Id': {
    required: true,
    description:
      "The request's id: the caller's own `X-Request-Id` when it sent a sane one, otherwise a new UUID. " +
      'Also in problem bodies (`requestId`) and in every log line of the request.',
    schema: { type: 'string', example: '5f0c6a9e-1b7d-4c1e-9d0a-3f2b8c4e7a61' },
  },
  'Retry-After': {
    description:
      'Seconds to wait before trying again (RFC 9110 §10.2.3), when the cloud said how long it wants the service to slow down.',
    schema: { type: 'integer', minimum: 0, example: 30 },
  },
};

const ref = (name: string): ReferenceObject => ({ $ref: `#/components/headers/${name}` });

/** Statuses whose answers may carry Retry-After (see the problem filter). */
const RETRY_AFTER_STATUSES = new Set(['429', '503']);

/**
 * Declares the headers every response carries (X-Request-Id, set for every request by a Fastify hook)
 * and Retry-After where it can be sent, on every operation, so routes added later get them too.
 * Headers an operation declares itself (Location, the rate limit's) take precedence.
 */
export function declareResponseHeaders(document: OpenAPIObject): OpenAPIObject {
  document.components = { ...document.components, headers: { ...document.components?.headers, ...COMMON_HEADERS } };
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const) {
      const operation = item[method];
      if (!operation) continue;
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (!response || '$ref' in response) continue;
        response.headers = {
          'X-Request-Id': ref('X-Request-Id'),
          ...(RETRY_AFTER_STATUSES.has(status) ? { 'Retry-After': ref('Retry-After') } : {}),
          ...response.headers,
        };
      }
    }
  }
  return document;
}
