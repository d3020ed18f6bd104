import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsOptional,
  IsString,
  registerDecorator,
  ValidateIf,
  ValidationArguments,
  ValidationOptions,
} from 'class-validator';
import { parsePublicKey } from '../../../cloud/driver/public-key';
import { MAX_CURSOR_LENGTH } from '../../../cursors/cursor-seal';

/** A flat object of string values with bounded size (node metadata). */
export function IsStringMap(
  limits: { maxEntries: number; maxKeyLength: number; maxValueLength: number },
  options?: ValidationOptions,
) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isStringMap',
      target: target.constructor,
      propertyName,
      options,
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
          const entries = Object.entries(value);
          return (
            entries.length <= limits.maxEntries &&
            entries.every(
              ([k, v]) =>
                k.length >= 1 &&
                k.length <= limits.maxKeyLength &&
                typeof v === 'string' &&
                v.length <= limits.maxValueLength,
            )
          );
        },
        defaultMessage(args: ValidationArguments) {
          return `${args.property} must be an object of at most ${limits.maxEntries} string values (keys 1-${limits.maxKeyLength} characters, values at most ${limits.maxValueLength})`;
        },
      },
    });
}

/** An OpenSSH public key line whose body really encodes a key of the named type. */
export function IsOpenSshPublicKey(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isOpenSshPublicKey',
      target: target.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && parsePublicKey(value) !== null,
        defaultMessage: (args: ValidationArguments) =>
          `${args.property} must be an OpenSSH public key such as "ssh-ed25519 AAAAC3Nza... user@host"`,
      },
    });
}

/**
 * An optional body field: absent (undefined) skips its rules, `null` does not. class-validator's
 * `@IsOptional()` treats null as absent too, so a `"metadata": null` reached the service (a 500) and a
 * `"count": null` made an empty set. The spec (OpenAPI 3.0) marks none of these fields nullable, so
 * null is checked like any other value and fails the field's type rule: a 400 naming the field.
 * Used on every optional field of every request body; query parameters (always strings) keep `IsOptional`.
 */
export function IsOptionalButNotNull(): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined);
}

/**
 * No key of a metadata map starts with `prefix` (keys the service reserves for its own marks), in any
 * letter case: some clouds fold metadata keys' case (EC2 tag filters, Rackspace), so
 * `Orchestrator-Node-Set` could be read back as the service's own mark.
 */
export function HasNoKeysStartingWith(prefix: string, options?: ValidationOptions) {
  const reserved = prefix.toLowerCase();
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'hasNoKeysStartingWith',
      target: target.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) =>
          typeof value !== 'object' ||
          value === null ||
          Object.keys(value).every((k) => !k.toLowerCase().startsWith(reserved)),
        defaultMessage: (args: ValidationArguments) =>
          `${args.property} keys starting with "${prefix}" (in any letter case) are reserved for the service's own marks`,
      },
    });
}

/**
 * An integer query parameter: plain decimal digits only. `@Type(() => Number)` would let `1e2`, `0x10`,
 * `+5`, ` 5` and `5.0` through as numbers; here anything but digits stays a string and fails `IsInt`
 * with a message naming the parameter. Documented as an OpenAPI integer with its bounds.
 */
export function IntegerQueryParam(bounds: {
  minimum: number;
  maximum: number;
  default?: number;
  description?: string;
}) {
  return applyDecorators(
    ApiPropertyOptional({ type: 'integer', ...bounds }),
    IsOptional(),
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' && DECIMAL_DIGITS.test(value) ? Number(value) : value,
    ),
    IsIntegerWithin(bounds.minimum, bounds.maximum),
  );
}

/**
 * The `cursor` query parameter of a listing kept in the state store (operations, node sets): a
 * sealed position (createdAt, id), so it never expires; one this service did not issue is a 400
 * `invalid-cursor` (see CursorSeal).
 */
export function StoredListingCursorParam() {
  return applyDecorators(
    IsOptional(),
    IsString(),
    ApiPropertyOptional({
      description:
        '`nextCursor` of the previous page. One this service did not issue is a 400 `invalid-cursor`; these ' +
        'cursors never expire (a position, not a row: deletions since do not move it).',
      maxLength: MAX_CURSOR_LENGTH,
    }),
  );
}

/** One rule with one message: a number left as text names the form, an integer out of bounds the bound. */
function IsIntegerWithin(minimum: number, maximum: number): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isIntegerWithin',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) =>
          typeof value === 'number' && Number.isInteger(value) && value >= minimum && value <= maximum,
        defaultMessage: ({ property, value }: ValidationArguments) =>
          typeof value !== 'number'
            ? `${property} must be an integer written in decimal digits`
            : value < minimum
              ? `${property} must not be less than ${minimum}`
              : `${property} must not be greater than ${maximum}`,
      },
    });
}

const DECIMAL_DIGITS = /^[0-9]+$/;

/**
 * Hands a metadata map to the DTO as a prototype-free copy with every key the caller sent. Without
 * it class-transformer rebuilds the map as a plain object and skips every key that names a member of
 * Object.prototype (`constructor`, `toString`, `hasOwnProperty`, `valueOf`...): they vanished without
 * a word from creates and filters. Metadata is the caller's data, kept as OpenStack and EC2 keep it.
 * Anything but a plain object is passed on as it came, for the map's validator to refuse.
 */
export function KeepsEveryKey(): PropertyDecorator {
  return Transform(({ obj, key }: { obj: Record<string, unknown>; key: string }) => {
    const value = obj[key];
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    return prototypeFree(value as Record<string, unknown>);
  });
}

function prototypeFree(map: Record<string, unknown>): Record<string, unknown> {
  // By descriptor: a map with a `constructor` key reaches here as a view that answers Object for it.
  const copy = Object.create(null) as Record<string, unknown>;
  for (const k of Object.keys(map)) copy[k] = Object.getOwnPropertyDescriptor(map, k)?.value;
  return copy;
}

/**
 * Characters no name (node, node set, key pair) may hold:
 * - C0 and C1 control characters, U+0000–U+001F, U+007F–U+009F (Unicode category Cc; the PRECIS
 *   framework, RFC 8264 §9.11-9.12, disallows them in identifiers and free-form strings alike): NUL
 *   cuts a name short in C-based clouds, BEL, ESC and newlines reach terminals and logs as commands;
 * - the bidirectional embedding, override and isolate controls, U+202A–U+202E and U+2066–U+2069
 *   (Unicode UAX #9): they make a name display other than it reads, the "Trojan Source" trick
 *   (CVE-2021-42574), so `web-1` and a look-alike could not be told apart in a listing.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is this rule's job
const NAME_FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;

/**
 * A name without control or bidi-control characters (see NAME_FORBIDDEN); with `noWildcard`, also
 * without `*`, which the node listing's `name` filter reads as "starts with" (`?name=web-*`), so a
 * node named `x*` could never be asked for by its exact name. The message names the offending
 * character by code point.
 */
export function IsSafeName(opts: { noWildcard?: boolean } = {}): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isSafeName',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || nameFault(value, opts.noWildcard) === undefined,
        defaultMessage: ({ property, value }: ValidationArguments) =>
          `${property} must not contain ${nameFault(String(value), opts.noWildcard)}`,
      },
    });
}

function nameFault(name: string, noWildcard?: boolean): string | undefined {
  const bad = NAME_FORBIDDEN.exec(name);
  if (bad) {
    const code = `U+${bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    return `${code} (control and bidirectional-control characters are refused)`;
  }
  if (noWildcard && name.includes('*')) return '"*" (the name filter reads it as a prefix wildcard)';
  return undefined;
}
