import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { ProblemException } from './problem/problem.exception';

/**
 * The one JSON body parser of every route: the body must be UTF-8 (RFC 8259 §8.1: "JSON text
 * exchanged between systems that are not part of a closed ecosystem MUST be encoded using UTF-8").
 * The framework's parser decodes bytes leniently, so `"\xff\xfe"` inside a string became "��" and a
 * node was created under a name nobody sent; here the bytes are decoded strictly first and an
 * invalid sequence is a 400 naming the body, then the framework's own JSON parser runs with the
 * server's prototype-poisoning settings (so every other answer stays as it was). A leading BOM is
 * dropped, as the framework did. A body that is valid JSON but not an object is a 400 too.
 */
export function registerUtf8JsonBody(app: NestFastifyApplication, bodyLimit: number): void {
  const fastify = app.getHttpAdapter().getInstance();
  const { onProtoPoisoning, onConstructorPoisoning } = fastify.initialConfig;
  const parseJson = fastify.getDefaultJsonParser(onProtoPoisoning ?? 'error', onConstructorPoisoning ?? 'error');
  const decoder = new TextDecoder('utf-8', { fatal: true });
  app.useBodyParser('application/json', { bodyLimit }, (request: FastifyRequest, body: Buffer, done) => {
    let text: string;
    try {
      text = decoder.decode(body);
    } catch {
      const message = 'the request body is not valid UTF-8 (RFC 8259 §8.1: JSON text must be encoded in UTF-8)';
      done(new ProblemException(400, message, { errors: [{ field: 'body', message }] }), undefined);
      return;
    }
    parseJson(request, text, (error, value) => {
      if (error) return done(error, undefined);
      // Every body this API takes is an object: an array or a bare value would otherwise reach the
      // validators as "unknown field \"0\"" or a list of missing fields.
      const kind =
        value === null
          ? 'null'
          : Array.isArray(value)
            ? 'an array'
            : typeof value === 'object'
              ? ''
              : `a ${typeof value}`;
      if (!kind) return done(null, value);
      const message = `the request body must be a JSON object (got ${kind})`;
      done(new ProblemException(400, message, { errors: [{ field: 'body', message }] }), undefined);
    });
  });
}
