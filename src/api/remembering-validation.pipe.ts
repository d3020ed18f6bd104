import { ArgumentMetadata, Type, ValidationPipe, ValidationPipeOptions } from '@nestjs/common';

/** Distinct parameter sets remembered per DTO class; the memory is simply dropped when full. */
const MAX_REMEMBERED = 1000;
/** Longer parameter sets (long cursors, many filters) are validated every time. */
const MAX_KEY_LENGTH = 512;

/**
 * Nest's ValidationPipe (class-transformer + class-validator), remembering the path and query
 * parameter sets it has accepted. Validation is a pure function of those few strings, and every read
 * repeats them (the same cloud name, the same page size): class-validator looked up its metadata and
 * ran every rule on every GET — about 5 % of a 100-node listNodes by profile. A remembered set is
 * answered with a fresh shallow copy of the DTO it produced; refused sets and request bodies are
 * always validated in full.
 */
export class RememberingValidationPipe extends ValidationPipe {
  private readonly accepted = new Map<Type<unknown>, Map<string, object>>();

  constructor(options: ValidationPipeOptions) {
    super(options);
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const type = metadata.metatype;
    if ((metadata.type !== 'param' && metadata.type !== 'query') || !type || typeof value !== 'object' || !value) {
      return super.transform(value, metadata);
    }
    const key = JSON.stringify(value);
    if (key.length > MAX_KEY_LENGTH) return super.transform(value, metadata);
    let remembered = this.accepted.get(type);
    const known = remembered?.get(key);
    if (known) return copy(known);

    const result = (await super.transform(value, metadata)) as unknown;
    if (typeof result !== 'object' || result === null) return result;
    if (!remembered) this.accepted.set(type, (remembered = new Map()));
    if (remembered.size >= MAX_REMEMBERED) remembered.clear();
    remembered.set(key, copy(result));
    return result;
  }
}

function copy(dto: object): object {
  return Object.assign(Object.create(Object.getPrototypeOf(dto) as object) as object, dto);
}
