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
    // An empty example: otherwise Swagger UI pre-fills "Try it out" with additionalProp1=string, which matches no node.
    schema: { type: 'object', additionalProperties: { type: 'string' }, maxProperties: 16, example: {} },
    description:
      'Only nodes whose metadata has every given key with exactly that value: `metadata[team]=web` or ' +
      '`metadata.team=web` (repeat for more keys).',
    example: { team: 'web' },
  });
}
