import { ApiQuery } from '@nestjs/swagger';

/**
 * Documents the metadata filter of listNodes and listAllNodes: `metadata[team]=web` (OpenAPI's
 * deepObject style, what generated clients send) or the shorter `metadata.team=web`; both are read
 * by the query-string parser (see parseQueryString).
 */
export function ApiMetadataFilter() {
  return ApiQuery({
    name: 'metadata',
    required: false,
    style: 'deepObject',
    explode: true,
    schema: { type: 'object', additionalProperties: { type: 'string' }, maxProperties: 16 },
    description:
      'Only nodes whose metadata has every given key with exactly that value: `metadata[team]=web` or ' +
      '`metadata.team=web` (repeat for more keys).',
    example: { team: 'web' },
  });
}
