import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

export function buildOpenApi(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('cloud-orchestrator')
    .setDescription(
      'One REST API in front of a farm of named clouds: list, create, reboot, start, stop and destroy nodes, ' +
        'and read images, sizes, locations and key pairs. Every error is `application/problem+json` (RFC 9457).',
    )
    .setVersion('1')
    .setLicense('Apache-2.0', 'https://www.apache.org/licenses/LICENSE-2.0')
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'An API key from auth.apiKeys (scopes read, write).' },
      'bearer',
    )
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'The same API key, as a header.' },
      'apiKey',
    )
    .addSecurityRequirements('bearer')
    .addSecurityRequirements('apiKey')
    .build();
  return SwaggerModule.createDocument(app, config, {
    // operationIds are chosen by hand on every operation; this only guards against a forgotten one.
    operationIdFactory: (_controller, method) => method,
  });
}

/** Swagger UI at /docs, the OpenAPI document at /docs-json. */
export function setupOpenApi(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => buildOpenApi(app), {
    jsonDocumentUrl: 'docs-json',
    yamlDocumentUrl: 'docs-yaml',
    customSiteTitle: 'cloud-orchestrator API',
    swaggerOptions: { persistAuthorization: true, displayOperationId: true, tryItOutEnabled: false },
  });
}
