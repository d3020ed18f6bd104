import { parse } from 'node:querystring';

const METADATA_KEY = /^metadata(?:\.(.+)|\[(.+)\])$/;

/**
 * Fastify's query-string parser, plus one rule: `metadata.<key>=<value>` and `metadata[<key>]=<value>`
 * become `{ metadata: { <key>: <value> } }`, so listNodes' metadata filter validates as one object.
 * Query strings without "metadata" are parsed as they always were (one substring test of cost).
 */
export function parseQueryString(query: string): Record<string, unknown> {
  const parsed: Record<string, unknown> = parse(query);
  if (!query.includes('metadata')) return parsed;
  let metadata: Record<string, unknown> | undefined;
  for (const name of Object.keys(parsed)) {
    const match = METADATA_KEY.exec(name);
    if (!match) continue;
    metadata ??= Object.create(null) as Record<string, unknown>;
    metadata[match[1] ?? match[2]] = parsed[name];
    delete parsed[name];
  }
  if (metadata) parsed.metadata = parsed.metadata === undefined ? metadata : [parsed.metadata, metadata];
  return parsed;
}
