import type { FastifyHelmetOptions } from '@fastify/helmet';

/**
 * helmet's options. Swagger UI's page needs its own inline styles and data: images; everything else
 * stays strict. helmet's defaults add `upgrade-insecure-requests` and HSTS, which make a browser fetch
 * the UI's scripts over https: right only where TLS is terminated in front of the service
 * (`http.tlsTerminated`), a blank page everywhere else but localhost (which browsers never upgrade).
 */
export function securityHeaders(tlsTerminated: boolean): FastifyHelmetOptions {
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
