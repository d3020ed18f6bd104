import { DisplayString, parseItem, parseList, Token } from 'structured-headers';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
export const MAX_KEY_LENGTH = 255;

export type ParsedKey = { ok: true; key: string } | { ok: false; reason: string };

const EXAMPLE = '"8e03978e-40d5-43e8-bc93-6894a57f9324"';

/**
 * Reads an Idempotency-Key header value. The IETF httpapi draft (draft-ietf-httpapi-idempotency-key-header)
 * defines it as a Structured Field String (RFC 8941/9651), e.g. `"8e03978e-40d5-43e8-bc93-6894a57f9324"`,
 * parsed here with the structured-headers library. Only that is a key: a value that parses as another
 * structured type (a token such as a bare `abc-123`, an integer, a byte sequence, a list) or not at all
 * (a bare `8e03978e-...`) is malformed, not guessed at, so two clients cannot mean the same key by two
 * spellings. Keys are 1-255 characters, without parameters, sent once.
 */
export function parseIdempotencyKey(raw: string | string[] | undefined): ParsedKey | undefined {
  if (raw === undefined) return undefined;
  if (Array.isArray(raw)) return { ok: false, reason: 'the Idempotency-Key header must be sent once' };
  const value = raw.trim();
  let item: unknown;
  let params: Map<string, unknown>;
  try {
    [item, params] = parseItem(value);
  } catch {
    return malformed(isList(value) ? 'a list' : 'not a structured field value');
  }
  if (typeof item !== 'string') return malformed(typeName(item));
  if (params.size) return { ok: false, reason: 'the Idempotency-Key must be a string without parameters' };
  if (item.length === 0) return { ok: false, reason: 'the Idempotency-Key must not be empty' };
  if (item.length > MAX_KEY_LENGTH)
    return { ok: false, reason: `the Idempotency-Key must be at most ${MAX_KEY_LENGTH} characters` };
  return { ok: true, key: item };
}

function malformed(got: string): ParsedKey {
  return {
    ok: false,
    reason: `the Idempotency-Key header must be a structured field string in double quotes, such as ${EXAMPLE} (got ${got})`,
  };
}

function isList(value: string): boolean {
  try {
    return parseList(value).length > 1;
  } catch {
    return false;
  }
}

function typeName(item: unknown): string {
  if (item instanceof Token) return 'a token: put the key in double quotes';
  if (item instanceof ArrayBuffer) return 'a byte sequence';
  if (item instanceof DisplayString) return 'a display string';
  if (item instanceof Date) return 'a date';
  if (typeof item === 'number') return Number.isInteger(item) ? 'an integer' : 'a decimal';
  if (typeof item === 'boolean') return 'a boolean';
  return 'another structured type';
}
