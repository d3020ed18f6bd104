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

  /**
   * Nest's pipe deletes every `__proto__`, `constructor` and `prototype` key anywhere in the value, so
   * a metadata key named `constructor` vanished without a word. Nothing is deleted here; instead
   * those names never reach the pipe where they could do harm: `__proto__` is refused everywhere
   * (registerJsonBodyLimits, parseQueryString), `constructor` and `prototype` everywhere but as keys of
   * a metadata map (refused as unknown fields), and class-transformer never assigns a `__proto__` or
   * `constructor` key onto what it builds (metadata maps are copied by KeepsEveryKey).
   */
  protected override stripProtoKeys(): void {}

  override async transform(raw: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const value = withDataConstructors(raw);
    const type = metadata.metatype;
    if ((metadata.type !== 'param' && metadata.type !== 'query') || !type || typeof value !== 'object' || !value) {
      return super.transform(value, metadata);
    }
    // From what was sent: a view (withDataConstructors) would hide its `constructor` key from JSON.
    const key = JSON.stringify(raw);
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

/**
 * class-transformer takes a plain object's `constructor` property for its class, so a metadata map
 * with a `constructor` key (the caller's data) made it fail with a TypeError (a 500), wherever the map
 * sat, declared or not. Such objects are handed over as views that answer `Object` for `constructor`
 * while their own keys stay as they are (read by descriptor, see KeepsEveryKey); the request's own
 * body is not changed (it is hashed for Idempotency-Key). Values without such a key are returned as is.
 */
export function withDataConstructors(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || !hasDataConstructor(value)) return value;
  const view = (node: unknown): unknown => {
    if (node === null || typeof node !== 'object') return node;
    if (Array.isArray(node)) return node.map(view);
    const copy = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, view(v)]));
    return Object.hasOwn(node, 'constructor') ? new Proxy(copy, OBJECT_CLASS) : copy;
  };
  return view(value);
}

const OBJECT_CLASS: ProxyHandler<object> = {
  get: (target, key, receiver) => (key === 'constructor' ? Object : Reflect.get(target, key, receiver)),
};

function hasDataConstructor(root: object): boolean {
  const stack: unknown[] = [root];
  while (stack.length) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    if (!Array.isArray(node) && Object.hasOwn(node, 'constructor')) return true;
    stack.push(...Object.values(node));
  }
  return false;
}

function copy(dto: object): object {
  return Object.assign(Object.create(Object.getPrototypeOf(dto) as object) as object, dto);
}
