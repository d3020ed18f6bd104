import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';
import { parsePublicKey } from '../../../cloud/driver/public-key';

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

/** No key of a metadata map starts with `prefix` (keys the service reserves for its own marks). */
export function HasNoKeysStartingWith(prefix: string, options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'hasNoKeysStartingWith',
      target: target.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) =>
          typeof value !== 'object' || value === null || Object.keys(value).every((k) => !k.startsWith(prefix)),
        defaultMessage: (args: ValidationArguments) =>
          `${args.property} keys starting with "${prefix}" are reserved for the service's own marks`,
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
