import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { problemExampleComponents } from '../api/problem/api-problems.decorator';
import { declareRequestRefusals } from './request-refusals';
import { declareResponseHeaders } from './response-headers';

/** The tags, in the order Swagger UI shows them, each with what it groups. */
const TAGS: Array<[string, string]> = [
  ['clouds', 'The configured clouds: their names, engines, which is the default, and what each can do.'],
  ['nodes', 'Nodes (virtual machines): list, create, read, reboot, start, stop and destroy, per cloud or across all.'],
  ['catalog', 'What a node can be made of in one cloud: images, sizes and locations.'],
  ['key-pairs', 'SSH key pairs a cloud injects into new nodes: list, import an OpenSSH public key, delete.'],
  [
    'node-sets',
    'Sets of nodes across clouds, created all or nothing: every member running, or every member created destroyed again; journalled, resumed after a crash or on another replica, deleted as one.',
  ],
  [
    'operations',
    'Long-running operations (Google AIP-151) started by every accepted write: read one (optionally waiting), list them, or stream one as server-sent events.',
  ],
  ['health', 'Probes for Kubernetes and a per-cloud health report; always open, never call a cloud.'],
];

export function buildOpenApi(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('cloud-orchestrator')
    .setDescription(
      'One REST API in front of a farm of named clouds: list, create, reboot, start, stop and destroy nodes, ' +
        'and read images, sizes, locations and key pairs. Every error is `application/problem+json` (RFC 9457). ' +
        'Every response carries `X-Request-Id`, the id of the request in the logs. A path the API serves, ' +
        'called with a method it does not serve, answers 405 with `Allow` listing the methods it does (RFC 9110 §15.5.6).',
    )
    .setVersion('1')
    .setLicense('Apache-2.0', 'https://www.apache.org/licenses/LICENSE-2.0')
    // Relative: the document is valid wherever the service runs, and "Try it out" calls that host.
    .addServer('/', 'This service (the host the document was read from)')
    // Opaque API keys, not JWTs: no bearerFormat (addBearerAuth would add `JWT`).
    .addSecurity('bearer', {
      type: 'http',
      scheme: 'bearer',
      description: 'An API key from auth.apiKeys (scopes read, write), as `Authorization: Bearer <key>`.',
    })
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'The same API key, as a header.' },
      'apiKey',
    )
    .addSecurityRequirements('bearer')
    .addSecurityRequirements('apiKey');
  for (const [name, description] of TAGS) builder.addTag(name, description);
  const document = SwaggerModule.createDocument(app, builder.build(), {
    // operationIds are chosen by hand on every operation; this only guards against a forgotten one.
    operationIdFactory: (_controller, method) => method,
  });
  document.components = { ...document.components, examples: problemExampleComponents() };
  return declareResponseHeaders(declareRequestRefusals(document));
}

/**
 * Swagger UI at /docs, the OpenAPI document at /docs-json and /docs-yaml. `document` may be a
 * factory: @nestjs/swagger calls it on the first request to any of them and keeps the result.
 */
export function setupOpenApi(
  app: INestApplication,
  document: OpenAPIObject | (() => OpenAPIObject) = () => buildOpenApi(app),
): void {
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    yamlDocumentUrl: 'docs-yaml',
    customSiteTitle: 'cloud-orchestrator API',
    swaggerOptions: { persistAuthorization: true, displayOperationId: true, tryItOutEnabled: false },
  });
}
