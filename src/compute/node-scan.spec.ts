import type { CloudHandle } from '../cloud/cloud-handle';
import { CloudError } from '../cloud/driver/cloud-error';
import type { CloudNode, ComputeDriver, NodeOrder } from '../cloud/driver/compute-driver';
import { scanNodes } from './node-scan';

const node = (id: string) => ({ id, name: `n-${id}` }) as CloudNode;

/** One cloud whose single page is `ids` (as they are now), in that order; `order` as its driver declares. */
function cloudOf(ids: string[], order?: NodeOrder): { cloud: CloudHandle; set: (next: string[]) => void } {
  let current = ids;
  const driver = {
    ...(order ? { nodeOrder: order } : {}),
    listNodes: () => Promise.resolve({ items: current.map(node) }),
  } as unknown as ComputeDriver;
  const cloud = { name: 'c', driver, read: (_op: string, work: (d: ComputeDriver) => unknown) => work(driver) };
  return { cloud: cloud as unknown as CloudHandle, set: (next) => (current = next) };
}

const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
const byId: NodeOrder = { place: (n) => n.id, isAfter: (n, place) => n.id > place };
const filter = { name: { prefix: 'n-' } };

describe('scanNodes resuming inside a re-read page', () => {
  it.each([
    ['the last node handed out', ['a', 'c', 'd', 'e', 'f'], ['c', 'd', 'e', 'f']],
    ['both anchors', ['a', 'd', 'e', 'f'], ['d', 'e', 'f']],
    ['both anchors and neighbours', ['e', 'f'], ['e', 'f']],
    ['both anchors, one created after the place', ['a', 'bb', 'd', 'e', 'f'], ['bb', 'd', 'e', 'f']],
  ])('by the cloud order: deleted %s: resumes right after its place', async (_label, now, expected) => {
    const { cloud, set } = cloudOf(ids, byId);
    const first = await scanNodes(cloud, { pageSize: 1000 }, 2, filter);
    expect(first.nodes.map((n) => n.id)).toEqual(['a', 'b']);
    set(now);
    const rest = await scanNodes(cloud, first.after(1)!, 10, filter);
    expect(rest.nodes.map((n) => n.id)).toEqual(expected);
  });

  it('without a cloud order: resumes at the next node while it is there', async () => {
    const { cloud, set } = cloudOf(ids);
    const first = await scanNodes(cloud, { pageSize: 1000 }, 2, filter);
    set(['a', 'c', 'd']);
    expect((await scanNodes(cloud, first.after(1)!, 10, filter)).nodes.map((n) => n.id)).toEqual(['c', 'd']);
  });

  it('without a cloud order: both anchors deleted is cursor_expired (410), never a guess', async () => {
    const { cloud, set } = cloudOf(ids);
    const first = await scanNodes(cloud, { pageSize: 1000 }, 2, filter);
    set(['a', 'd', 'e', 'f']);
    const error = await scanNodes(cloud, first.after(1)!, 10, filter).catch((e: unknown) => e);
    expect(CloudError.is(error) && error.kind).toBe('cursor_expired');
    expect((error as CloudError).cloud).toBe('c');
  });
});
