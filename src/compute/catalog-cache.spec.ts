import { CatalogCache } from './catalog-cache';

/** A load the test finishes by hand, counting how often the cloud was asked. */
function cloud<T>() {
  const pending: Array<{ resolve: (items: T[]) => void; reject: (error: Error) => void }> = [];
  let calls = 0;
  return {
    load: () =>
      new Promise<T[]>((resolve, reject) => {
        calls++;
        pending.push({ resolve, reject });
      }),
    answer: (items: T[]) => pending.shift()!.resolve(items),
    fail: (error: Error) => pending.shift()!.reject(error),
    get calls() {
      return calls;
    },
  };
}

describe('CatalogCache', () => {
  let now = 1_000_000;
  const clock = () => now;

  it('serves a list for its TTL, then asks again', async () => {
    const cache = new CatalogCache(60_000, clock);
    const c = cloud<string>();
    const first = cache.get('sizes', c.load);
    c.answer(['small']);
    expect((await first).items).toEqual(['small']);
    now += 59_999;
    expect((await cache.get('sizes', c.load)).items).toEqual(['small']);
    expect(c.calls).toBe(1);
    now += 1;
    const later = cache.get('sizes', c.load);
    c.answer(['small', 'large']);
    expect((await later).items).toEqual(['small', 'large']);
    expect(c.calls).toBe(2);
  });

  it('gives concurrent readers one load and one answer', async () => {
    const cache = new CatalogCache(60_000, clock);
    const c = cloud<number>();
    const readers = Array.from({ length: 100 }, () => cache.get('images', c.load));
    c.answer([1, 2, 3]);
    const answers = await Promise.all(readers);
    expect(c.calls).toBe(1);
    expect(new Set(answers).size).toBe(1);
  });

  it('keeps lists of different kinds apart', async () => {
    const cache = new CatalogCache(60_000, clock);
    const sizes = cloud<string>();
    const images = cloud<string>();
    const a = cache.get('sizes', sizes.load);
    const b = cache.get('images', images.load);
    sizes.answer(['s']);
    images.answer(['i']);
    expect([(await a).items, (await b).items]).toEqual([['s'], ['i']]);
  });

  it('after an invalidation, reads ask the cloud again; a load begun before it still answers its readers but is not kept', async () => {
    const cache = new CatalogCache(60_000, clock);
    const c = cloud<string>();
    const before = cache.get('keyPairs', c.load); // started before the write
    cache.invalidate('keyPairs'); // the write
    const after = cache.get('keyPairs', c.load); // must see the write: a new load
    expect(c.calls).toBe(2);
    c.answer(['old']);
    c.answer(['old', 'new']);
    expect((await before).items).toEqual(['old']);
    expect((await after).items).toEqual(['old', 'new']);
    expect((await cache.get('keyPairs', c.load)).items).toEqual(['old', 'new']);
    expect(c.calls).toBe(2);
  });

  it('drops a cached list on invalidation', async () => {
    const cache = new CatalogCache(60_000, clock);
    const c = cloud<string>();
    const first = cache.get('keyPairs', c.load);
    c.answer(['a']);
    await first;
    cache.invalidate('keyPairs');
    const next = cache.get('keyPairs', c.load);
    c.answer(['b']);
    expect((await next).items).toEqual(['b']);
    expect(c.calls).toBe(2);
  });

  it('never keeps a failure: all waiting readers get it, the next read asks again', async () => {
    const cache = new CatalogCache(60_000, clock);
    const c = cloud<string>();
    const readers = [cache.get('locations', c.load), cache.get('locations', c.load)];
    c.fail(new Error('cloud down'));
    for (const r of readers) await expect(r).rejects.toThrow('cloud down');
    const retry = cache.get('locations', c.load);
    c.answer(['ams']);
    expect((await retry).items).toEqual(['ams']);
    expect(c.calls).toBe(2);
  });

  it('with TTL 0 only coalesces concurrent reads, and versions equal lists alike', async () => {
    const cache = new CatalogCache(0, clock);
    const c = cloud<string>();
    const [a, b] = [cache.get('sizes', c.load), cache.get('sizes', c.load)];
    c.answer(['x']);
    await a;
    const next = cache.get('sizes', c.load);
    c.answer(['x']);
    expect(c.calls).toBe(2);
    expect((await a).version).toBe((await next).version);
    expect(await b).toBe(await a);
    await next;
    const other = cache.get('sizes', c.load);
    c.answer(['y']);
    expect((await other).version).not.toBe((await a).version);
  });
});
