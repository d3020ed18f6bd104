import { applyDecorators, Type } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiResponse } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CatalogEntry } from '../../compute/catalog-cache';

/**
 * The HTTP side of the catalogue cache: an `ETag` (the list's version) and `Cache-Control: private,
 * max-age=<seconds the service will keep serving it>` on every answer, and 304 Not Modified without
 * a body when `If-None-Match` names the current version (RFC 9110 §13.1.2, weak comparison).
 * Returns the body to send, or undefined for a 304.
 */
export function catalogAnswer<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  entry: CatalogEntry<T>,
): { items: T[] } | undefined {
  const etag = `W/"${entry.version}"`;
  const maxAge = Math.max(0, Math.floor((entry.expiresAt - Date.now()) / 1000));
  reply.header('ETag', etag);
  reply.header('Cache-Control', maxAge > 0 ? `private, max-age=${maxAge}` : 'private, no-cache');
  if (noneMatch(request.headers['if-none-match'], entry.version)) {
    reply.status(304);
    return undefined;
  }
  return { items: entry.items };
}

function noneMatch(header: string | undefined, version: string): boolean {
  if (!header) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === `"${version}"`;
  });
}

/** Documents the catalogue reads' caching: ETag and Cache-Control on 200, If-None-Match, and 304. */
export function ApiCatalogCaching(type: Type<unknown>): MethodDecorator {
  return applyDecorators(
    ApiHeader({
      name: 'If-None-Match',
      required: false,
      description: 'The `ETag` of an earlier answer: 304 without a body while the list is unchanged.',
      schema: { type: 'string', example: 'W/"mJ0v3Q0b8Yd2o5mJ3Zq1Vb7n1XcQ2d4s6f8h0jKlMnP"' },
    }),
    ApiOkResponse({
      type,
      headers: {
        ETag: { description: 'The version of this list.', schema: { type: 'string' } },
        'Cache-Control': {
          description:
            "`private, max-age=<s>`: how long the service keeps serving this list from memory (the cloud's catalogTtlMs).",
          schema: { type: 'string', example: 'private, max-age=60' },
        },
      },
    }),
    ApiResponse({ status: 304, description: 'Not Modified: the list still has the version given in If-None-Match.' }),
  );
}
