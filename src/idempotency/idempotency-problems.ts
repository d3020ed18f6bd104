import { problemType } from '../api/problem/problem';
import { ProblemException } from '../api/problem/problem.exception';

/** 400: the Idempotency-Key header is not a key (see parseIdempotencyKey for why). */
export function keyMalformed(reason: string): ProblemException {
  return new ProblemException(400, reason, {
    type: problemType('idempotency-key-malformed'),
    title: 'Malformed Idempotency-Key',
    errors: [{ field: 'Idempotency-Key', message: reason }],
  });
}

/** 422: the key was first used for another request (IETF httpapi idempotency-key draft). */
export function keyReused(): ProblemException {
  return new ProblemException(
    422,
    'this Idempotency-Key was already used for a different request (another body, path or method); use a new key',
    { type: problemType('idempotency-key-reused'), title: 'Idempotency-Key reused for a different request' },
  );
}

/** 409: the first request with this key is still running (or its replica died less than a lease ago). */
export class KeyInFlightProblem extends ProblemException {
  constructor(readonly retryAfterSeconds: number) {
    super(
      409,
      `a request with this Idempotency-Key is still being processed; retry after ${retryAfterSeconds} s to get its answer`,
      { type: problemType('idempotency-key-in-flight'), title: 'Request with this Idempotency-Key in progress' },
    );
  }
}
