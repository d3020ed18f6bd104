/**
 * Errors a driver reports, by kind rather than by HTTP status: drivers know nothing of HTTP.
 * The problem filter maps each kind to a status (see src/api/problem/to-problem.ts).
 * Messages must never contain credentials; `detail` is shown to callers.
 */
export type CloudErrorKind =
  /** The thing asked for does not exist (node, key pair). */
  | 'not_found'
  /** The request names something the cloud does not have (image, size, location, key). */
  | 'invalid_reference'
  /** The request is malformed for this cloud (bad public key, bad name). */
  | 'invalid_request'
  /** A listing cursor this service did not issue, or issued for another cloud or other filters. */
  | 'invalid_cursor'
  /**
   * A listing cursor this service issued whose position can no longer be found (the cloud forgot
   * the page token and the item the cursor ended at is gone, or its cloud is no longer configured):
   * the caller must start the listing again. Not the caller's fault.
   */
  | 'cursor_expired'
  /** Not possible in the current state (stop a stopped node, duplicate key pair name). */
  | 'conflict'
  /** The cloud refused for quota or limits. */
  | 'quota_exceeded'
  /** The cloud cannot do this at all. */
  | 'unsupported'
  /** The cloud rejected our credentials. */
  | 'auth_failed'
  /** The cloud asked us to slow down. */
  | 'rate_limited'
  /** The cloud did not answer in time. */
  | 'timeout'
  /** Unreachable, 5xx, or an answer we cannot read. */
  | 'unavailable'
  /** A write was sent and never answered: it may or may not have taken effect. */
  | 'outcome_unknown'
  /** Not attempted: the cloud's circuit breaker is open after repeated failures. */
  | 'circuit_open';

export class CloudError extends Error {
  override readonly name = 'CloudError';
  /** The cloud's name, filled in by the registry when the driver does not know it. */
  cloud?: string;

  constructor(
    readonly kind: CloudErrorKind,
    message: string,
    readonly options: {
      retryAfterSeconds?: number;
      cause?: unknown;
      callerGaveUp?: boolean;
      /**
       * The v1 request field the error is about (`image`, `size`, `location`, `keyName`, `networks`);
       * `cursor` for the two cursor kinds whether given or not.
       */
      field?: string;
    } = {},
  ) {
    super(message);
  }

  static is(error: unknown): error is CloudError {
    return error instanceof CloudError;
  }
}
