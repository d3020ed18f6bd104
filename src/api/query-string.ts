import type { FastifyInstance } from 'fastify';
import { parse } from 'node:querystring';
import { ProblemException } from './problem/problem.exception';
import { sendProblem } from './problem/problem.filter';

const METADATA_KEY = /^metadata(?:\.(.+)|\[(.+)\])$/;

/** Where the parser leaves the parameters it could not read (not enumerable, so no DTO sees it). */
const REFUSED = Symbol('refused query parameters');

interface Refusal {
  field: string;
  message: string;
}

type ParsedQuery = Record<string, unknown> & { [REFUSED]?: Refusal[] };

/**
 * Fastify's query-string parser (node:querystring, whose result has no prototype), plus:
 * - `metadata.<key>=<value>` and `metadata[<key>]=<value>` become `{ metadata: { <key>: <value> } }`
 *   (a prototype-free map, so keys such as `constructor` are kept), so listNodes' metadata filter
 *   validates as one object;
 * - parameters node:querystring would silently mangle are refused (see registerQueryRefusals):
 *   malformed percent-encoding (`%zz`, a truncated `%E0%A4%A`, bytes that are not UTF-8), which it
 *   leaves as raw text or U+FFFD, and the name `__proto__`, which no DTO layer can hold (class-transformer
 *   skips it, so it would vanish without a word).
 * A query string with neither "%" nor "metadata" nor "__proto__" costs one parse and three substring tests.
 */
export function parseQueryString(query: string): Record<string, unknown> {
  const parsed: ParsedQuery = parse(query);
  if (query.includes('%') || query.includes('__proto__') || /(?:^|&)(?:constructor|prototype)(?:=|&|$)/.test(query))
    refuseUnreadable(query, parsed);
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

function refuseUnreadable(query: string, parsed: ParsedQuery): void {
  const refusals: Refusal[] = [];
  for (const pair of query.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const rawName = eq < 0 ? pair : pair.slice(0, eq);
    const rawValue = eq < 0 ? '' : pair.slice(eq + 1);
    const name = decoded(rawName);
    if (name === undefined) {
      refusals.push({ field: rawName, message: `query parameter name "${rawName}" is not valid percent-encoding` });
    } else if (decoded(rawValue) === undefined) {
      refusals.push({ field: name, message: `${name} is not valid percent-encoded UTF-8` });
    } else if (name === 'constructor' || name === 'prototype') {
      // No operation has such a parameter, and the DTO layer would skip it without a word.
      refusals.push({ field: name, message: `unknown query parameter "${name}"` });
    } else if (name === '__proto__' || /^metadata(?:\.__proto__|\[__proto__\])$/.test(name)) {
      refusals.push({
        field: name.startsWith('metadata') ? 'metadata' : name,
        message: `"__proto__" cannot be used as a query parameter or metadata key`,
      });
    }
  }
  if (refusals.length) Object.defineProperty(parsed, REFUSED, { value: refusals, enumerable: false });
}

/** The text a query component stands for, or undefined when its percent-encoding is malformed. */
function decoded(component: string): string | undefined {
  try {
    return decodeURIComponent(component.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/**
 * Answers a request whose query string could not be read faithfully with a 400 problem naming each
 * parameter, on every route (the API, health, metrics, docs), before anything runs for it.
 */
export function registerQueryRefusals(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request, reply) => {
    const refusals = (request.query as ParsedQuery | undefined)?.[REFUSED];
    if (!refusals) return;
    sendProblem(
      reply,
      request,
      new ProblemException(400, refusals.map((r) => r.message).join('; '), { errors: refusals }),
    );
    return reply;
  });
}
