import { generateKeyPairSync } from 'node:crypto';
import { CloudError } from '../../driver/cloud-error';
import { DummyDriver } from './dummy.driver';

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TRANSITION = 20;

/** Polls `check` until it holds (transitions finish on a timer), failing after a second. */
async function until(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 1000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached within 1 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function key(): string {
  const raw = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const field = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  return `ssh-ed25519 ${Buffer.concat([field(Buffer.from('ssh-ed25519')), field(raw)]).toString('base64')}`;
}

async function kind(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return (error as CloudError).kind;
  }
}

describe('DummyDriver', () => {
  let driver: DummyDriver;
  beforeEach(() => {
    driver = new DummyDriver({ nodes: 0, transitionMs: TRANSITION, latencyMs: 0 });
  });
  afterEach(() => driver.close());

  it('starts with the configured number of running nodes', async () => {
    const seeded = new DummyDriver({ nodes: 3, transitionMs: TRANSITION, latencyMs: 0 });
    const page = await seeded.listNodes({ limit: 10 });
    expect(page.items.map((n) => [n.name, n.state])).toEqual([
      ['demo-1', 'running'],
      ['demo-2', 'running'],
      ['demo-3', 'running'],
    ]);
    expect(page.next).toBeUndefined();
  });

  it('creates a pending node that honours name and metadata and becomes running', async () => {
    const node = await driver.createNode({
      name: 'web-1',
      image: 'img-debian-12',
      size: 'medium',
      location: 'dc-nyc',
      metadata: { team: 'web' },
    });
    expect(node).toMatchObject({
      name: 'web-1',
      state: 'pending',
      imageId: 'img-debian-12',
      sizeId: 'medium',
      locationId: 'dc-nyc',
      metadata: { team: 'web' },
    });
    await settle(TRANSITION * 3);
    expect((await driver.getNode(node.id)).state).toBe('running');
  });

  it('walks reboot, stop and start through their transitional states', async () => {
    const { id } = await driver.createNode({ name: 'n', image: 'img-debian-12', size: 'small' });
    await settle(TRANSITION * 3);
    expect((await driver.nodeAction(id, 'reboot')).state).toBe('rebooting');
    await settle(TRANSITION * 3);
    expect((await driver.getNode(id)).state).toBe('running');
    expect((await driver.nodeAction(id, 'stop')).state).toBe('stopping');
    await settle(TRANSITION * 3);
    expect((await driver.getNode(id)).state).toBe('stopped');
    expect((await driver.nodeAction(id, 'start')).state).toBe('starting');
    await settle(TRANSITION * 3);
    expect((await driver.getNode(id)).state).toBe('running');
  });

  it('refuses actions that make no sense in the current state', async () => {
    const { id } = await driver.createNode({ name: 'n', image: 'img-debian-12', size: 'small' });
    expect(await kind(driver.nodeAction(id, 'reboot'))).toBe('conflict'); // still pending
    await settle(TRANSITION * 3);
    expect(await kind(driver.nodeAction(id, 'start'))).toBe('conflict'); // already running
    await driver.nodeAction(id, 'stop');
    expect(await kind(driver.nodeAction(id, 'stop'))).toBe('conflict'); // stopping
    expect((await driver.getNode(id)).state).toBe('stopping');
  });

  it('under concurrent actions exactly one wins', async () => {
    const { id } = await driver.createNode({ name: 'n', image: 'img-debian-12', size: 'small' });
    await settle(TRANSITION * 3);
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => kind(driver.nodeAction(id, 'stop'))));
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'conflict')).toHaveLength(9);
  });

  it('rejects unknown references and creates nothing', async () => {
    expect(await kind(driver.createNode({ name: 'n', image: 'nope', size: 'small' }))).toBe('invalid_reference');
    expect(await kind(driver.createNode({ name: 'n', image: 'img-debian-12', size: 'huge' }))).toBe(
      'invalid_reference',
    );
    expect(await kind(driver.createNode({ name: 'n', image: 'img-debian-12', size: 'small', location: 'mars' }))).toBe(
      'invalid_reference',
    );
    expect(await kind(driver.createNode({ name: 'n', image: 'img-debian-12', size: 'small', keyName: 'ghost' }))).toBe(
      'invalid_reference',
    );
    expect((await driver.listNodes({ limit: 10 })).items).toHaveLength(0);
  });

  it('destroys nodes and reports unknown ones as not found', async () => {
    const { id } = await driver.createNode({ name: 'n', image: 'img-debian-12', size: 'small' });
    await driver.destroyNode(id);
    expect(await kind(driver.getNode(id))).toBe('not_found');
    expect(await kind(driver.destroyNode(id))).toBe('not_found');
    await settle(TRANSITION * 2); // the pending timer must not resurrect it
    expect((await driver.listNodes({ limit: 10 })).items).toHaveLength(0);
  });

  it('pages in creation order with a stable marker', async () => {
    for (let i = 0; i < 5; i++) await driver.createNode({ name: `n${i}`, image: 'img-debian-12', size: 'small' });
    const first = await driver.listNodes({ limit: 2 });
    const second = await driver.listNodes({ limit: 2, marker: first.next });
    const third = await driver.listNodes({ limit: 2, marker: second.next });
    expect([...first.items, ...second.items, ...third.items].map((n) => n.name)).toEqual([
      'n0',
      'n1',
      'n2',
      'n3',
      'n4',
    ]);
    expect(third.next).toBeUndefined();
  });

  it('imports, lists and deletes key pairs; duplicates conflict; garbage is refused', async () => {
    const imported = await driver.importKeyPair('deploy', key());
    expect(imported.fingerprint).toMatch(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
    expect(await kind(driver.importKeyPair('deploy', key()))).toBe('conflict');
    expect(await kind(driver.importKeyPair('bad', 'ssh-rsa nope'))).toBe('invalid_request');
    expect((await driver.listKeyPairs()).map((k) => k.name)).toEqual(['deploy']);
    const node = await driver.createNode({ name: 'n', image: 'img-debian-12', size: 'small', keyName: 'deploy' });
    expect(node.extra.keyName).toBe('deploy');
    await driver.deleteKeyPair('deploy');
    expect(await kind(driver.deleteKeyPair('deploy'))).toBe('not_found');
  });

  it('returns frozen snapshots, so callers cannot change the cloud by mutating results', async () => {
    const node = await driver.createNode({ name: 'n', image: 'img-debian-12', size: 'small', metadata: { a: '1' } });
    const [listed] = (await driver.listNodes({ limit: 10 })).items;
    for (const result of [node, listed]) {
      expect(() => (result.metadata.a = 'changed')).toThrow(TypeError);
      expect(() => (result.state = 'running')).toThrow(TypeError);
      expect(() => result.publicIps.push('192.0.2.1')).toThrow(TypeError);
      expect(() => (result.extra.keyName = 'x')).toThrow(TypeError);
    }
    (await driver.listImages())[0].name = 'changed';
    expect((await driver.getNode(node.id)).metadata.a).toBe('1');
    expect((await driver.getNode(node.id)).publicIps).toEqual(node.publicIps);
    expect((await driver.listImages())[0].name).not.toBe('changed');
  });

  it('replaces a snapshot when the node changes: an answer already given keeps the state it showed', async () => {
    const created = await driver.createNode({ name: 'n', image: 'img-debian-12', size: 'small' });
    expect(created.state).toBe('pending');
    await until(async () => (await driver.getNode(created.id)).state === 'running');
    const running = await driver.getNode(created.id);
    const rebooting = await driver.nodeAction(created.id, 'reboot');
    expect([created.state, running.state, rebooting.state]).toEqual(['pending', 'running', 'rebooting']);
    expect((await driver.listNodes({ limit: 10 })).items[0]).toBe(rebooting); // shared until the next change
    await until(async () => (await driver.getNode(created.id)).state === 'running');
    expect(rebooting.state).toBe('rebooting');
    expect(await driver.getNode(created.id)).not.toBe(rebooting);
  });

  it('adds the configured latency to calls', async () => {
    const slow = new DummyDriver({ nodes: 0, transitionMs: TRANSITION, latencyMs: 60 });
    const started = performance.now();
    await slow.listSizes();
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });
});
