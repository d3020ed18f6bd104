import { CloudCallEvent, CloudHandle } from './cloud-handle';
import { CloudError } from './driver/cloud-error';
import { DummyDriver } from './drivers/dummy/dummy.driver';

function handle(driver: DummyDriver, timeoutMs = 200, events: CloudCallEvent[] = []): CloudHandle {
  return new CloudHandle('lab', 'dummy', 'test', false, driver, timeoutMs, (e) => events.push(e));
}

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
    const h = handle(driver);
    await expect(h.call('list sizes', (d) => d.listSizes())).rejects.toMatchObject({
      kind: 'auth_failed',
      cloud: 'lab',
    });
    await expect(h.call('list sizes', (d) => d.listSizes())).resolves.toHaveLength(3);
    expect(connect).toHaveBeenCalledTimes(2);
  });

  it('bounds every call by the timeout and names the cloud', async () => {
    const events: CloudCallEvent[] = [];
    const h = handle(new DummyDriver({ nodes: 0, transitionMs: 10, latencyMs: 10_000 }), 50, events);
    const started = performance.now();
    await expect(h.call('list sizes', (d) => d.listSizes())).rejects.toMatchObject({ kind: 'timeout', cloud: 'lab' });
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
});
