import { parseItem } from 'structured-headers';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
export const MAX_KEY_LENGTH = 255;

/** A bare value as many clients send it (Stripe style): visible ASCII without quotes, commas or spaces. */
const BARE_KEY = /^[\x21\x23-\x2b\x2d-\x7e]+$/;

export type ParsedKey = { ok: true; key: string } | { ok: false; reason: string };

/**
 * Reads an Idempotency-Key header value. The IETF httpapi draft defines it as a Structured Field
 * String (RFC 8941/9651), e.g. `"8e03978e-40d5-43e8-bc93-6894a57f9324"`; it is parsed with the
 * structured-headers library. A bare unquoted value (as Stripe-style clients send) is accepted too.
 * Keys are 1-255 characters; anything else (empty, parameters, non-ASCII, several values) is malformed.
 */
export function parseIdempotencyKey(raw: string | string[] | undefined): ParsedKey | undefined {
  if (raw === undefined) return undefined;
  if (Array.isArray(raw)) return { ok: false, reason: 'the Idempotency-Key header must be sent once' };
  const value = raw.trim();
  let key: string | undefined;
  if (value.startsWith('"')) {
    try {
      const [item, params] = parseItem(value);
      if (typeof item === 'string' && params.size === 0) key = item;
    } catch {
      key = undefined;
    }
  } else if (BARE_KEY.test(value)) {
    key = value;
  }
  if (key === undefined)
    return {
      ok: false,
      reason: 'the Idempotency-Key header must be a string such as "8e03978e-40d5-43e8-bc93-6894a57f9324"',
    };
  if (key.length === 0) return { ok: false, reason: 'the Idempotency-Key must not be empty' };
  if (key.length > MAX_KEY_LENGTH)
    return { ok: false, reason: `the Idempotency-Key must be at most ${MAX_KEY_LENGTH} characters` };
  return { ok: true, key };
}
