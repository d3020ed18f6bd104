import type { OpenAPIObject } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';

type Schema = Record<string, unknown>;

/** Keywords that document a schema but do not shape the JSON (fast-json-stringify ignores or rejects them). */
const DOC_ONLY = new Set(['example', 'examples', 'description', 'title', 'deprecated', 'externalDocs', 'xml']);

/**
 * Every documented success answer serialised by Fastify's schema compiler (fast-json-stringify) from
 * the very OpenAPI document the API publishes: the serializer and the spec cannot drift, a field the
 * spec does not name is never sent, and a 100-node list is written without JSON.stringify's generic
 * walk. Must be registered before the routes are (Fastify's onRoute hook).
 */
export function registerResponseSchemas(fastify: FastifyInstance, document: OpenAPIObject): void {
  const byRoute = responseSchemas(document);
  fastify.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      const response = byRoute.get(`${method.toUpperCase()} ${openApiPath(route.url ?? route.path)}`);
      if (!response) continue;
      route.schema = { ...route.schema, response: { ...response, ...(route.schema?.response as object) } };
      return;
    }
  });
}

/** "GET /api/v1/clouds/{cloud}/nodes" → { "200": schema } for each operation with a JSON success answer. */
export function responseSchemas(document: OpenAPIObject): Map<string, Record<string, Schema>> {
  const components = (document.components?.schemas ?? {}) as Record<string, Schema>;
  const result = new Map<string, Record<string, Schema>>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item as Record<string, any>)) {
      const responses: Record<string, Schema> = {};
      for (const [status, response] of Object.entries((operation?.responses ?? {}) as Record<string, any>)) {
        const schema = response?.content?.['application/json']?.schema as Schema | undefined;
        if (/^2\d\d$/.test(status) && schema) responses[status] = inline(schema, components, []);
      }
      if (Object.keys(responses).length) result.set(`${method.toUpperCase()} ${path}`, responses);
    }
  }
  return result;
}

/** The schema with every $ref replaced by its component and documentation-only keywords dropped. */
function inline(schema: unknown, components: Record<string, Schema>, seen: string[]): any {
  if (Array.isArray(schema)) return schema.map((s) => inline(s, components, seen));
  if (typeof schema !== 'object' || schema === null) return schema;
  const { $ref, ...rest } = schema as Schema;
  if (typeof $ref === 'string') {
    const name = $ref.replace('#/components/schemas/', '');
    if (seen.includes(name)) throw new Error(`response schema ${name} refers to itself; cannot inline it`);
    const target = components[name];
    if (!target) throw new Error(`response schema refers to a missing component: ${$ref}`);
    return { ...inline(target, components, [...seen, name]), ...inline(rest, components, seen) };
  }
  const out: Schema = {};
  for (const [key, value] of Object.entries(rest)) {
    if (DOC_ONLY.has(key)) continue;
    // Under "properties" the keys are field names (a field may well be called "description").
    out[key] =
      key === 'properties'
        ? Object.fromEntries(Object.entries(value as Schema).map(([field, s]) => [field, inline(s, components, seen)]))
        : inline(value, components, seen);
  }
  return out;
}

/** Fastify's "/a/:b" as OpenAPI's "/a/{b}". */
function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)\??/g, '{$1}');
}
