import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { PROBLEM_CONTENT_TYPE, problemForStatus } from './problem/problem';
import { ProblemException } from './problem/problem.exception';
import { sendProblem } from './problem/problem.filter';
import { MAX_REQUEST_HEAD_BYTES } from './request-size';

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
  // The parser keeps a "__proto__" key as a plain own property (JSON.parse's behaviour) instead of
  // failing with a message that names no field; registerJsonBodyLimits then refuses it, naming the
  // field, before anything else sees the body. "constructor.prototype" stays refused by the parser.
  onProtoPoisoning: 'ignore' as const,
  frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => sendProblem(reply, request, error),
  clientErrorHandler: clientProblem,
};

/**
 * A head over Node's parser limit (MAX_REQUEST_HEAD_BYTES, far above the service's own limits, which
 * registerRequestSizeLimits answers exactly). Node does not say which part overflowed, only the chunk
 * it was parsing: one that starts a request line and has no line end means the target itself, a 414;
 * anything else (header lines, or the middle of a line longer than a chunk) is answered as a 431 for
 * the head as a whole.
 */
function headOverflow(error: NodeJS.ErrnoException & { rawPacket?: Buffer }): [number, string] {
  const packet = error.rawPacket;
  return packet && REQUEST_LINE_START.test(packet.subarray(0, 16).toString('latin1')) && !packet.includes('\r\n')
    ? [414, 'the request target (path and query) is longer than the service accepts']
    : [
        431,
        `the request headers are larger than the service accepts (request line and headers over ${MAX_REQUEST_HEAD_BYTES} bytes)`,
      ];
}

const REQUEST_LINE_START = /^[A-Z]+ \S/;

/** The raw-socket answer for an error Node's HTTP parser raised (Fastify's default, as a problem). */
function clientProblem(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, detail] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'the request was not received in time']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? headOverflow(error)
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
  // A lingering close (as nginx does): the client may still be sending what overflowed; closing with
  // that unread would reset the connection (RST), and the client could lose the answer before
  // reading it (seen on Node 24). So half-close, read and drop what still comes, and destroy the
  // socket once the client closes or after LINGER_MS at the latest.
  socket.on('data', () => undefined);
  socket.resume();
  socket.end();
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}

/** How long a refused connection is read and drained before it is closed regardless (ms). */
const LINGER_MS = 2_000;

/**
 * Refuses, with a 400 problem and before validation:
 * - JSON bodies nested deeper than MAX_JSON_DEPTH: the DTO layer (class-transformer) walks bodies
 *   recursively and a deep one overflows the stack;
 * - any "__proto__" key, naming the field that holds it (e.g. `metadata`, `nodes[0].metadata`).
 *   Metadata keys are otherwise the caller's data and kept whatever they are called (`constructor`,
 *   `toString`...), as OpenStack and EC2 keep them; "__proto__" alone is refused, loudly, because it
 *   is the one name JavaScript gives a meaning on assignment: class-transformer skips it, and any
 *   `obj[key] = value` on the way (ours, a library's, a client's) would re-prototype the object
 *   instead of storing the key. Refusing it here means no later code can be tricked by it;
 * - a string or key holding an unpaired UTF-16 surrogate, naming the field (see LONE_SURROGATE).
 * The walk is iterative, so it cannot overflow itself; it is registered as the first preValidation hook.
 */
export function registerJsonBodyLimits(fastify: FastifyInstance): void {
  fastify.addHook('preValidation', async (request, reply) => {
    if (request.body === null || typeof request.body !== 'object') return;
    const found = inspectBody(request.body, MAX_JSON_DEPTH);
    if (!found) return;
    let problem: ProblemException;
    if (found.kind === 'deep') {
      problem = new ProblemException(400, `the request body is nested deeper than ${MAX_JSON_DEPTH} levels`);
    } else {
      const message =
        found.kind === 'proto'
          ? `${found.field}: "__proto__" cannot be used as a key`
          : found.kind === 'surrogate'
            ? `${found.field} contains an unpaired UTF-16 surrogate (a lone \\ud800-\\udfff escape), which is no Unicode character`
            : `unknown field "${found.field}"`;
      problem = new ProblemException(400, message, { errors: [{ field: found.field, message }] });
    }
    sendProblem(reply, request, problem);
    return reply;
  });
}

/** True when no value in `root` lies deeper than `max` levels of objects and arrays. */
export function depthWithin(root: unknown, max: number): boolean {
  return inspectBody(root, max)?.kind !== 'deep';
}

type BodyFault = { kind: 'deep' } | { kind: 'proto' | 'unknown' | 'surrogate'; field: string };

/**
 * A lone surrogate (with the u flag a pair is one code point and does not match). JSON lets a body
 * write one as an escape (`"\ud800"`), and the strict UTF-8 decoding cannot see it: such a string has
 * no UTF-8 form, so a cloud would refuse or mangle it, and a name would not match itself once stored.
 */
const LONE_SURROGATE = /\p{Cs}/u;

/** Request fields whose keys are the caller's own (metadata maps), at any depth (`nodes[0].metadata`). */
const FREE_FORM_MAPS = new Set(['metadata']);
/**
 * Names no request field has, which class-transformer skips without a word: outside a free-form map
 * they are unknown fields, refused here as the validation pipe refuses any other.
 */
const PROTOTYPE_KEYS = new Set(['constructor', 'prototype']);

function inspectBody(root: unknown, max: number): BodyFault | undefined {
  const stack: Array<[unknown, number, string]> = [[root, 1, '']];
  while (stack.length) {
    const [value, depth, path] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth > max) return { kind: 'deep' };
    const array = Array.isArray(value);
    for (const key of Object.keys(value)) {
      if (key === '__proto__') return { kind: 'proto', field: path || key };
      if (PROTOTYPE_KEYS.has(key) && !FREE_FORM_MAPS.has(path.slice(path.lastIndexOf('.') + 1)))
        return { kind: 'unknown', field: path ? `${path}.${key}` : key };
      if (LONE_SURROGATE.test(key)) return { kind: 'surrogate', field: path || 'body' };
      const child = (value as Record<string, unknown>)[key];
      const field = array ? `${path}[${key}]` : path ? `${path}.${key}` : key;
      if (typeof child === 'string' && LONE_SURROGATE.test(child)) return { kind: 'surrogate', field };
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1, field]);
    }
  }
  return undefined;
}
