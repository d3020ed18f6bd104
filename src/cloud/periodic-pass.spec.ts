import type { Logger } from '@nestjs/common';
import { PeriodicPass } from './periodic-pass';

describe('PeriodicPass', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** A pass that takes `ms` of (fake) time, counting starts and how many ran at once. */
  function pass(ms: number, fail?: () => Error | undefined) {
    const state = { started: 0, running: 0, mostAtOnce: 0 };
    const run = async () => {
      state.started++;
      state.running++;
      state.mostAtOnce = Math.max(state.mostAtOnce, state.running);
      await new Promise((r) => setTimeout(r, ms));
      state.running--;
      const error = fail?.();
      if (error) throw error;
    };
    return { state, run };
  }
  const logger = (warn = jest.fn()) => ({ warn }) as unknown as Logger;
  /** Stops the loop, letting (fake) time run until the pass in flight has ended. */
  const finish = async (loop: PeriodicPass) => {
    const stopping = loop.stop();
    await jest.advanceTimersByTimeAsync(1_000);
    await stopping;
  };

  it('runs at once, then one pass at a time, each intervalMs after the last one ended', async () => {
    const { state, run } = pass(30);
    const loop = new PeriodicPass(run, 100, logger(), 'p failed');
    loop.start();
    await jest.advanceTimersByTimeAsync(0);
    expect(state.started).toBe(1);
    await jest.advanceTimersByTimeAsync(129); // ends at 30, next at 130
    expect(state.started).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(state.started).toBe(2);
    await jest.advanceTimersByTimeAsync(1_301); // 130 ms a cycle: 10 more
    expect(state.started).toBe(12);
    expect(state.mostAtOnce).toBe(1);
    await finish(loop);
  });

  it('wake while idle runs a pass now; wakes during a pass run one more right after it, not a second loop', async () => {
    const { state, run } = pass(30);
    const loop = new PeriodicPass(run, 100, logger(), 'p failed');
    loop.start();
    await jest.advanceTimersByTimeAsync(50); // first pass done at 30, idle until 130
    loop.wake();
    await jest.advanceTimersByTimeAsync(0);
    expect(state.started).toBe(2); // at 50, ends at 80
    await jest.advanceTimersByTimeAsync(10);
    loop.wake();
    loop.wake();
    loop.wake(); // three wakes during the pass: one more pass, at 80
    await jest.advanceTimersByTimeAsync(21);
    expect(state.started).toBe(3);
    // Then one loop only: a pass every 130 ms (a second chain would double this).
    await jest.advanceTimersByTimeAsync(30 + 1_300);
    expect(state.started).toBe(13);
    expect(state.mostAtOnce).toBe(1);
    await finish(loop);
  });

  it('logs a failing pass as a warning and keeps going', async () => {
    let n = 0;
    const { state, run } = pass(10, () => (++n === 1 ? new Error('store down') : undefined));
    const warn = jest.fn();
    const loop = new PeriodicPass(run, 100, logger(warn), 'p failed');
    loop.start();
    await jest.advanceTimersByTimeAsync(10);
    expect(warn).toHaveBeenCalledWith('p failed: store down');
    await jest.advanceTimersByTimeAsync(110);
    expect(state.started).toBe(2);
    await finish(loop);
  });

  it('stop waits for the pass running and starts no other, wake included', async () => {
    const { state, run } = pass(50);
    const loop = new PeriodicPass(run, 100, logger(), 'p failed');
    loop.start();
    await jest.advanceTimersByTimeAsync(10);
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    loop.wake();
    await jest.advanceTimersByTimeAsync(30);
    expect(stopped).toBe(false);
    await jest.advanceTimersByTimeAsync(10);
    await stopping;
    expect(state.running).toBe(0);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(state.started).toBe(1);
  });
});
