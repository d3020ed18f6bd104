import type { CloudNode } from '../../driver/compute-driver';
import { NOVA_NODE_ORDER } from './nova-cursor';

describe('Nova node order (newest first, then uuid descending)', () => {
  const node = (id: string, createdAt: string | null) => ({ id, createdAt }) as CloudNode;
  it('places a node by created_at and uuid, and finds what comes after it', () => {
    const place = NOVA_NODE_ORDER.place(node('m', '2026-12-01T10:00:00Z'))!;
    expect(NOVA_NODE_ORDER.isAfter(node('z', '2026-12-01T09:00:00Z'), place)).toBe(true); // older
    expect(NOVA_NODE_ORDER.isAfter(node('a', '2026-12-01T10:00:00Z'), place)).toBe(true); // as old, smaller uuid
    expect(NOVA_NODE_ORDER.isAfter(node('z', '2026-12-01T10:00:00Z'), place)).toBe(false);
    expect(NOVA_NODE_ORDER.isAfter(node('a', '2026-12-01T11:00:00Z'), place)).toBe(false); // newer
    expect(NOVA_NODE_ORDER.place(node('m', null))).toBeUndefined();
  });
});
