import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet, { HelmetOptions } from 'helmet';

/**
 * helmet's options. Swagger UI's page needs its own inline styles and data: images; everything else
 * stays strict. helmet's defaults add `upgrade-insecure-requests` and HSTS, which make a browser fetch
 * the UI's scripts over https: right only where TLS is terminated in front of the service
 * (`http.tlsTerminated`), a blank page everywhere else but localhost (which browsers never upgrade).
 */
export function securityHeaders(tlsTerminated: boolean): HelmetOptions {
  return {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        scriptSrc: ["'self'"],
        upgradeInsecureRequests: tlsTerminated ? [] : null,
      },
    },
    strictTransportSecurity: tlsTerminated ? { maxAge: 31_536_000 } : false,
  };
}

/**
 * helmet's headers on every answer, worked out once: @fastify/helmet builds helmet's middleware
 * anew for every request (to allow per-route options, which this service does not use), about 3 % of
 * a listNodes by profile. helmet itself still decides every header and value; with no CSP nonces
 * they are the same for every request, so they are recorded from one run of its middleware.
 */
export function registerSecurityHeaders(fastify: FastifyInstance, options: HelmetOptions): void {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: string | number) => (headers[name] = String(value)),
    removeHeader: (name: string) => delete headers[name],
  };
  // helmet reports a bad option through next(error); its middleware is synchronous.
  let failure: unknown;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    failure = error;
  });
  if (failure) throw failure instanceof Error ? failure : new Error('helmet refused the security header options');
  fastify.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
}
