import type { FastifyInstance } from 'fastify';
import { ProblemException } from './problem/problem.exception';
import { sendProblem } from './problem/problem.filter';

/**
 * The longest request target (path and query, as sent) the service reads, in bytes. Longer is a 414
 * (RFC 9110 §15.5.15), not a 431: the target is not a header field. 16 KiB is twice the 8000 octets
 * RFC 9110 §4.1 asks every recipient to support, and what the whole request head could hold before.
 */
export const MAX_REQUEST_TARGET_BYTES = 16 * 1024;
/** The most header-field bytes (names, values, ": " and CRLF) the service reads: more is a 431. */
export const MAX_HEADER_FIELDS_BYTES = 16 * 1024;
/**
 * Node's parser limit for the whole request head (node:http `maxHeaderSize`). It is set well above
 * the two limits above so that nearly every over-long head reaches the hook below, which can tell
 * which of the two it was; Node's own overflow error names neither (see framework-errors.ts).
 */
export const MAX_REQUEST_HEAD_BYTES = 128 * 1024;

/**
 * Refuses, before anything else runs for the request (auth, rate limit, routing's 404/405), a
 * request target over MAX_REQUEST_TARGET_BYTES with a 414 problem and header fields over
 * MAX_HEADER_FIELDS_BYTES with a 431 problem, on every route.
 */
export function registerRequestSizeLimits(fastify: FastifyInstance): void {
  // Callback form: it never waits (an async hook costs two promises per request). Node reads the
  // request line and header fields as latin1, one character per byte: a string's length is its size.
  fastify.addHook('onRequest', (request, reply, done) => {
    const target = (request.raw.url ?? '').length;
    if (target > MAX_REQUEST_TARGET_BYTES) {
      sendProblem(
        reply,
        request,
        new ProblemException(
          414,
          `the request target (path and query) is ${target} bytes; the service reads at most ${MAX_REQUEST_TARGET_BYTES}`,
        ),
      );
      return;
    }
    const raw = request.raw.rawHeaders;
    let fields = 0;
    for (let i = 0; i < raw.length; i += 2) fields += raw[i].length + raw[i + 1].length + 4;
    if (fields > MAX_HEADER_FIELDS_BYTES) {
      sendProblem(
        reply,
        request,
        new ProblemException(
          431,
          `the request headers are larger than the service accepts (${fields} bytes; at most ${MAX_HEADER_FIELDS_BYTES})`,
        ),
      );
      return;
    }
    done();
  });
}
