import type { OpenAPIObject, OperationObject, ResponseObject } from '@nestjs/swagger';
import { MAX_HEADER_FIELDS_BYTES, MAX_REQUEST_TARGET_BYTES } from '../api/request-size';
import { CAUSES, DESCRIPTIONS, problemContent, REQUEST_CAUSES } from '../api/problem/api-problems.decorator';
import { PROBLEM_CONTENT_TYPE } from '../api/problem/problem';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

const ACCEPT_ENCODING = {
  description: 'On a 415 for a content coding: the codings the service reads (`identity`: none).',
  schema: { type: 'string', example: 'identity' },
};

/**
 * Documents, on every operation of the built document (so operations added later get them too), the
 * refusals the service makes before any controller runs, which no per-route decorator can see:
 * - 400: a query parameter the operation does not define (API operations; see NoUnknownQueryGuard)
 *   or malformed percent-encoding in the query (every route; see registerQueryRefusals);
 * - 414: a request target over MAX_REQUEST_TARGET_BYTES (every route), or a path parameter longer
 *   than the router accepts (operations whose path takes one);
 * - 415: any content on an operation that defines no request body; on one that does, a body that is
 *   not JSON (declared by the operation) or has a Content-Encoding other than identity;
 * - 413: a body over http.bodyLimitBytes, on every operation that defines one;
 * - 431: header fields over MAX_HEADER_FIELDS_BYTES (every route).
 * A status the operation already declares keeps its causes and description, and gains these.
 */
export function declareRequestRefusals(document: OpenAPIObject): OpenAPIObject {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation) declareOn(operation, path.startsWith('/api/'), path.includes('{'));
    }
  }
  return document;
}

function declareOn(operation: OperationObject, api: boolean, takesPathParameter: boolean): void {
  const add = (status: number, description: string, causes: string[], extra: Partial<ResponseObject> = {}) => {
    const responses = operation.responses as Record<string, ResponseObject>;
    const existing = responses[status];
    const examples = {
      ...(existing?.content?.[PROBLEM_CONTENT_TYPE]?.examples ?? {}),
      ...problemContent(status, Object.fromEntries(causes.map((c) => [c, true])))[PROBLEM_CONTENT_TYPE].examples,
    };
    const content = { [PROBLEM_CONTENT_TYPE]: { ...problemContent(status, {})[PROBLEM_CONTENT_TYPE], examples } };
    responses[status] = {
      ...existing,
      ...extra,
      description: existing ? `${existing.description} ${description}` : description,
      content,
    };
  };
  const query = api
    ? 'Or a query parameter this operation does not define, or malformed percent-encoding in the query.'
    : 'Malformed percent-encoding in the query (other unknown query parameters are ignored here).';
  add(400, query, api ? ['unknownQueryParameter', 'malformedQuery'] : ['malformedQuery']);

  const target = `The request target (path and query) is longer than ${MAX_REQUEST_TARGET_BYTES} bytes (RFC 9110 §15.5.15).`;
  add(
    414,
    takesPathParameter ? `${target} Or: ${DESCRIPTIONS[414]}` : target,
    takesPathParameter
      ? [...Object.keys(REQUEST_CAUSES[414]), ...Object.keys(CAUSES[414])]
      : Object.keys(REQUEST_CAUSES[414]),
  );

  if (operation.requestBody) {
    add(
      415,
      'Or the body has a Content-Encoding other than identity: the service decodes none (`Accept-Encoding: identity`).',
      ['contentEncoding'],
      { headers: { 'Accept-Encoding': ACCEPT_ENCODING } },
    );
    if (!operation.responses[413]) add(413, DESCRIPTIONS[413], Object.keys(CAUSES[413]));
  } else {
    add(
      415,
      'This operation takes no request body: any content (a non-zero Content-Length, or a Transfer-Encoding) is refused, whatever its type (RFC 9110 §9.3: content here has no defined meaning).',
      ['noBodyDefined'],
    );
  }
  add(431, `The request header fields total more than ${MAX_HEADER_FIELDS_BYTES} bytes (RFC 6585 §5).`, [
    'headersTooLarge',
  ]);

  operation.responses = Object.fromEntries(Object.entries(operation.responses).sort(([a], [b]) => a.localeCompare(b)));
}
