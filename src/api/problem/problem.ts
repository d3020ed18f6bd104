import { HttpStatus } from '@nestjs/common';
import type { CloudErrorKind } from '../../cloud/driver/cloud-error';

/** An RFC 9457 problem body. `cloud` names the cloud involved; `errors` lists field-level failures. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  cloud?: string;
  /** The node set member involved, by name (a failed node set, a node a set holds). */
  member?: string;
  /** The node set involved, by id (a node a live set holds: delete the set instead). */
  nodeSet?: string;
  errors?: Array<{ field: string; message: string }>;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const TYPE_BASE = 'urn:cloud-orchestrator:problem:';

export function problemType(slug: string): string {
  return `${TYPE_BASE}${slug}`;
}

/** How each kind of cloud error is answered over HTTP. */
export const CLOUD_ERROR_STATUS: Record<CloudErrorKind, { status: number; title: string; slug: string }> = {
  not_found: { status: HttpStatus.NOT_FOUND, title: 'Not found', slug: 'not-found' },
  invalid_reference: { status: HttpStatus.UNPROCESSABLE_ENTITY, title: 'Unknown reference', slug: 'unknown-reference' },
  invalid_request: { status: HttpStatus.BAD_REQUEST, title: 'Invalid request', slug: 'invalid-request' },
  invalid_cursor: { status: HttpStatus.BAD_REQUEST, title: 'Invalid cursor', slug: 'invalid-cursor' },
  // 410, not 400: the request was well-formed and the cursor was ours; the position it named is gone.
  cursor_expired: { status: HttpStatus.GONE, title: 'Cursor expired: restart the listing', slug: 'cursor-expired' },
  conflict: { status: HttpStatus.CONFLICT, title: 'Conflict with the current state', slug: 'conflict' },
  quota_exceeded: { status: HttpStatus.CONFLICT, title: 'Quota exceeded', slug: 'quota-exceeded' },
  unsupported: { status: HttpStatus.NOT_IMPLEMENTED, title: 'Not supported by this cloud', slug: 'unsupported' },
  auth_failed: {
    status: HttpStatus.BAD_GATEWAY,
    title: 'Credentials rejected by the cloud',
    slug: 'cloud-credentials-rejected',
  },
  rate_limited: {
    status: HttpStatus.SERVICE_UNAVAILABLE,
    title: 'Rate limited by the cloud',
    slug: 'cloud-rate-limited',
  },
  timeout: { status: HttpStatus.GATEWAY_TIMEOUT, title: 'Cloud timed out', slug: 'cloud-timeout' },
  unavailable: { status: HttpStatus.BAD_GATEWAY, title: 'Cloud unavailable', slug: 'cloud-unavailable' },
  // Not a plain timeout: the write may have happened. Callers must look (list, get) before repeating it.
  outcome_unknown: {
    status: HttpStatus.GATEWAY_TIMEOUT,
    title: 'Outcome unknown: the cloud did not answer a write',
    slug: 'cloud-outcome-unknown',
  },
  circuit_open: {
    status: HttpStatus.SERVICE_UNAVAILABLE,
    title: 'Cloud circuit open after repeated failures',
    slug: 'cloud-circuit-open',
  },
};

const STATUS_TITLES: Record<number, { title: string; slug: string }> = {
  400: { title: 'Bad request', slug: 'bad-request' },
  401: { title: 'Unauthorized', slug: 'unauthorized' },
  403: { title: 'Forbidden', slug: 'forbidden' },
  404: { title: 'Not found', slug: 'not-found' },
  405: { title: 'Method not allowed', slug: 'method-not-allowed' },
  406: { title: 'Not acceptable', slug: 'not-acceptable' },
  408: { title: 'Request timeout', slug: 'request-timeout' },
  409: { title: 'Conflict with the current state', slug: 'conflict' },
  410: { title: 'Gone', slug: 'gone' },
  413: { title: 'Payload too large', slug: 'payload-too-large' },
  414: { title: 'URI too long', slug: 'uri-too-long' },
  415: { title: 'Unsupported media type', slug: 'unsupported-media-type' },
  422: { title: 'Unprocessable content', slug: 'unprocessable' },
  429: { title: 'Too many requests', slug: 'too-many-requests' },
  431: { title: 'Request header fields too large', slug: 'headers-too-large' },
  500: { title: 'Internal server error', slug: 'internal' },
  501: { title: 'Not implemented', slug: 'not-implemented' },
  502: { title: 'Bad gateway', slug: 'bad-gateway' },
  503: { title: 'Service unavailable', slug: 'unavailable' },
  504: { title: 'Gateway timeout', slug: 'gateway-timeout' },
};

export function problemForStatus(status: number, detail: string, extra: Partial<Problem> = {}): Problem {
  const known = STATUS_TITLES[status] ?? { title: 'Error', slug: 'error' };
  return { type: problemType(known.slug), title: known.title, status, detail, ...extra };
}
