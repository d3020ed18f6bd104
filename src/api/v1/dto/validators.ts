import { registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';
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
