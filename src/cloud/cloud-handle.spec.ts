import { setTimeout as sleep } from 'node:timers/promises';
import { currentCallScope, runForCaller } from './call-scope';
import { CloudCallEvent, CloudCallPolicy, CloudHandle } from './cloud-handle';
import { CloudError } from './driver/cloud-error';
import { DummyDriver } from './drivers/dummy/dummy.driver';

function handle(
  driver: DummyDriver,
  timeoutMs = 200,
  events: CloudCallEvent[] = [],
  policy: Partial<CloudCallPolicy> = {},
): CloudHandle {
  return new CloudHandle('lab', 'dummy', 'test', false, driver, timeoutMs, (e) => events.push(e), policy);
}

const quiet = () => new DummyDriver({ nodes: 0, transitionMs: 10, latencyMs: 0 });

describe('CloudHandle', () => {
  it('connects once for many concurrent calls', async () => {
    const driver = new DummyDriver({ nodes: 1, transitionMs: 10, latencyMs: 0 });
    const connect = jest.spyOn(driver, 'connect');
    const h = handle(driver);
    await Promise.all(Array.from({ length: 20 }, () => h.call('list sizes', (d) => d.listSizes())));
    expect(connect).toHaveBeenCalledTimes(1);
  });

  it('retries the login after a failed one instead of failing forever', async () => {
    const driver = new DummyDriver({ nodes: 0, transitionMs: 10, latencyMs: 0 });
    const connect = jest
      .spyOn(driver, 'connect')
      .mockRejectedValueOnce(new CloudError('auth_failed', 'credentials rejected'))
      .mockResolvedValue(undefined);
    const h = handle(driver, 200, [], { loginBackoffMs: 20 });
    await expect(h.read('list sizes', (d) => d.listSizes())).rejects.toMatchObject({
      kind: 'auth_failed',
      cloud: 'lab',
    });
    await sleep(25);
    await expect(h.read('list sizes', (d) => d.listSizes())).resolves.toHaveLength(3);
    expect(connect).toHaveBeenCalledTimes(2);
  });

  it('backs off after a failed login: calls meanwhile get its error without logging in again', async () => {
    const driver = quiet();
    const connect = jest
      .spyOn(driver, 'connect')
      .mockRejectedValue(new CloudError('unavailable', 'Keystone: HTTP 500'));
    const h = handle(driver, 200, [], { loginBackoffMs: 60_000, consecutiveFailures: 1000 });
    const answers = await Promise.allSettled(
      Array.from({ length: 20 }, () => h.read('list sizes', (d) => d.listSizes())),
    );
    for (let i = 0; i < 30; i++) await h.read('list sizes', (d) => d.listSizes()).catch(() => undefined);
    expect(answers.every((a) => a.status === 'rejected' && /Keystone: HTTP 500/.test(a.reason.message))).toBe(true);
    expect(connect).toHaveBeenCalledTimes(1);
  });

  it('bounds every call by the timeout and names the cloud', async () => {
    const events: CloudCallEvent[] = [];
    const h = handle(new DummyDriver({ nodes: 0, transitionMs: 10, latencyMs: 10_000 }), 50, events);
    const started = performance.now();
    await expect(h.read('list sizes', (d) => d.listSizes())).rejects.toMatchObject({ kind: 'timeout', cloud: 'lab' });
    expect(performance.now() - started).toBeLessThan(5000); // far below the driver's 10 s
    expect(events).toEqual([expect.objectContaining({ cloud: 'lab', operation: 'list sizes', outcome: 'timeout' })]);
  });

  it('turns unexpected driver failures into an unavailable CloudError without leaking the message', async () => {
    const h = handle(new DummyDriver({ nodes: 0, transitionMs: 10, latencyMs: 0 }));
    const failure = h.call('list sizes', async () => {
      throw new Error('socket hang up at https://user:hunter2@cloud');
    });
    await expect(failure).rejects.toMatchObject({ kind: 'unavailable', cloud: 'lab' });
    await expect(failure).rejects.not.toHaveProperty('message', expect.stringContaining('hunter2'));
  });

  it('says a write that got no answer has an unknown outcome, not a plain timeout', async () => {
    const h = handle(new DummyDriver({ nodes: 0, transitionMs: 10, latencyMs: 10_000 }), 50);
    const failure = h.call('create node', (d) => d.createNode({ name: 'x', image: 'img-debian-12', size: 'small' }));
    await expect(failure).rejects.toMatchObject({ kind: 'outcome_unknown', cloud: 'lab' });
    await expect(failure).rejects.toHaveProperty('message', expect.stringMatching(/may or may not have taken effect/));
  });

  it('says a write is a plain timeout when the transport reports that nothing was sent', async () => {
    const h = handle(quiet(), 50);
    const failure = h.call('create node', async () => {
      currentCallScope()!.tracked = true; // a transport that held the request back
      await sleep(1000);
    });
    await expect(failure).rejects.toMatchObject({ kind: 'timeout' });
  });

  it("aborts the call scope's signal at the deadline, so a transport can stop what is queued", async () => {
    const h = handle(quiet(), 50);
    let signal: AbortSignal | undefined;
    await h
      .read('list nodes', async () => {
        signal = currentCallScope()!.signal;
        await sleep(1000);
      })
      .catch(() => undefined);
    expect(signal?.aborted).toBe(true);
  });

  it("aborts at once when the caller's signal aborts, without counting it against the cloud", async () => {
    const h = handle(quiet(), 10_000, [], { consecutiveFailures: 1 });
    const caller = new AbortController();
    const failure = runForCaller(caller.signal, () => h.call('create node', () => sleep(5000)));
    caller.abort();
    await expect(failure).rejects.toMatchObject({ options: { callerGaveUp: true } });
    expect(h.circuit).toBe('closed');
  });

  it('opens the circuit after consecutive cloud faults, fails fast with Retry-After, and closes after a good trial', async () => {
    const driver = new DummyDriver({ nodes: 0, transitionMs: 10, latencyMs: 0 });
    const sizes = jest.spyOn(driver, 'listSizes').mockRejectedValue(new CloudError('timeout', 'hung'));
    const h = handle(driver, 200, [], { consecutiveFailures: 3, halfOpenAfterMs: 150, readRetries: 0 });
    for (let i = 0; i < 3; i++)
      await expect(h.read('list sizes', (d) => d.listSizes())).rejects.toMatchObject({ kind: 'timeout' });
    expect(h.circuit).toBe('open');
    const open = h.read('list sizes', (d) => d.listSizes());
    await expect(open).rejects.toMatchObject({ kind: 'circuit_open', options: { retryAfterSeconds: 1 } });
    await expect(open).rejects.toHaveProperty(
      'message',
      expect.stringMatching(/failed 3 times in a row \(last: hung\)/),
    );
    expect(sizes).toHaveBeenCalledTimes(3);
    await sleep(200);
    sizes.mockRestore();
    await expect(h.read('list sizes', (d) => d.listSizes())).resolves.toHaveLength(3);
    expect(h.circuit).toBe('closed');
  });

  it('does not open the circuit for answers about the request (not found, conflict, bad reference)', async () => {
    const h = handle(quiet(), 200, [], { consecutiveFailures: 2 });
    for (let i = 0; i < 5; i++)
      await expect(h.read('get node', (d) => d.getNode('ghost'))).rejects.toMatchObject({ kind: 'not_found' });
    expect(h.circuit).toBe('closed');
  });

  it('retries a read after a transient failure with backoff, and never retries a write', async () => {
    let reads = 0;
    const h = handle(quiet(), 2000, [], { readRetries: 2, retryDelayMs: 5 });
    const read = await h.read('list sizes', async (d) => {
      if (++reads < 3) throw new CloudError('unavailable', 'HTTP 503');
      return d.listSizes();
    });
    expect([read.length, reads]).toEqual([3, 3]);
    let writes = 0;
    await expect(
      h.call('create node', async () => {
        writes++;
        throw new CloudError('unavailable', 'HTTP 503');
      }),
    ).rejects.toMatchObject({ kind: 'unavailable' });
    expect(writes).toBe(1);
  });
});
