import type { FastifyInstance } from 'fastify';
import type { AuthSettings } from '../config/settings.schema';
import { ProblemException } from '../api/problem/problem.exception';
import { sendProblem } from '../api/problem/problem.filter';
import { requirementFor } from './access-policy';
import { ApiKeyVerifier, presentedKey } from './api-key-verifier';

declare module 'http' {
  interface IncomingMessage {
    /** The API key's name once authenticated, for access logs. */
    apiKeyName?: string;
  }
}

/**
 * API-key authentication as a Fastify onRequest hook, so it covers every route alike: the API, the
 * docs and metrics (served outside Nest's router), and unknown paths (no probing without a key).
 */
export function registerAuth(fastify: FastifyInstance, auth: AuthSettings): void {
  const verifier = new ApiKeyVerifier(auth.apiKeys);
  if (!verifier.configured) return; // open: allowed only on loopback or with auth.disabled (see exposure.ts)

  fastify.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0];
    const requirement = requirementFor(request.method, path, auth);
    if (requirement.open) return;
    const caller = verifier.verify(presentedKey(request.headers));
    if (!caller) {
      reply.header('WWW-Authenticate', 'Bearer realm="cloud-orchestrator"');
      sendProblem(
        reply,
        request,
        new ProblemException(401, 'missing or invalid API key: send Authorization: Bearer <key> or X-API-Key'),
      );
      return reply;
    }
    request.raw.apiKeyName = caller.name;
    if (!caller.scopes.has(requirement.scope)) {
      sendProblem(
        reply,
        request,
        new ProblemException(403, `the API key "${caller.name}" lacks the "${requirement.scope}" scope`),
      );
      return reply;
    }
  });
}
