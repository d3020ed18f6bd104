import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { PROBLEM_CONTENT_TYPE, problemForStatus } from './problem/problem';
import { ProblemException } from './problem/problem.exception';
import { sendProblem } from './problem/problem.filter';

/**
 * The longest identifier (node id, key-pair name) the API accepts in a body, in characters. A path
 * parameter carries it percent-encoded, up to 4 UTF-8 bytes of 3 characters each, so the router must
 * accept 12 times as many characters, or a name the API created could not be addressed (414).
 */
export const MAX_IDENTIFIER_LENGTH = 255;
export const MAX_PATH_PARAM_CHARS = MAX_IDENTIFIER_LENGTH * 12;

/** Nesting deeper than this in a JSON body is refused before the DTO layer walks it (it recurses). */
export const MAX_JSON_DEPTH = 32;

/**
 * Fastify options that make the framework's own answers RFC 9457 problems like every other error:
 * routing errors (bad percent-encoding, an over-long parameter) go through `frameworkErrors`, and
 * errors Node's HTTP parser meets before there is a request (431 headers too large, 400 malformed,
 * 408) through `clientErrorHandler`. Requests that reach the router while the server closes are
 * served, not shed with a bare 503: readiness and `Connection: close` already steer clients away.
 */
export const problemFrameworkOptions = {
  routerOptions: { maxParamLength: MAX_PATH_PARAM_CHARS },
  return503OnClosing: false,
  frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => sendProblem(reply, request, error),
  clientErrorHandler: clientProblem,
};

/** The raw-socket answer for an error Node's HTTP parser raised (Fastify's default, as a problem). */
function clientProblem(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, detail] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'the request was not received in time']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'the request headers are larger than the service accepts']
        : [400, 'the request is not valid HTTP'];
  // No request was parsed, so no caller-given id can be read: a fresh one still ties the answer to the log.
  const requestId = randomUUID();
  const body = JSON.stringify({ ...problemForStatus(status, detail), requestId });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `X-Request-Id: ${requestId}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/**
 * Refuses JSON bodies nested deeper than MAX_JSON_DEPTH with a 400 problem, before validation: the
 * DTO layer (class-transformer) walks bodies recursively and a deep one overflows the stack. The
 * walk here is iterative, so it cannot overflow itself.
 */
export function registerJsonDepthLimit(fastify: FastifyInstance): void {
  fastify.addHook('preValidation', async (request, reply) => {
    if (request.body === null || typeof request.body !== 'object') return;
    if (depthWithin(request.body, MAX_JSON_DEPTH)) return;
    sendProblem(
      reply,
      request,
      new ProblemException(400, `the request body is nested deeper than ${MAX_JSON_DEPTH} levels`),
    );
    return reply;
  });
}

/** True when no value in `root` lies deeper than `max` levels of objects and arrays. */
export function depthWithin(root: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth > max) return false;
    for (const child of Object.values(value)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return true;
}
