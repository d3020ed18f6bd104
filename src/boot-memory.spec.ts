import { releaseBootMemory } from './boot-memory';

describe('releaseBootMemory', () => {
  const global = globalThis as { gc?: () => void };
  const exposed = global.gc;
  afterEach(() => {
    global.gc = exposed;
  });

  it('does nothing without --expose-gc (npm start, tests)', () => {
    delete global.gc;
    expect(releaseBootMemory()).toBe(false);
  });

  it('runs one full collection when the production command exposes gc', () => {
    const gc = jest.fn();
    global.gc = gc;
    expect(releaseBootMemory()).toBe(true);
    expect(gc).toHaveBeenCalledTimes(1);
  });

  it('passes a failing collection on to the caller, and collects again when called again', () => {
    global.gc = () => {
      throw new Error('collection failed');
    };
    expect(() => releaseBootMemory()).toThrow('collection failed');
    global.gc = jest.fn();
    expect(releaseBootMemory()).toBe(true);
  });
});
