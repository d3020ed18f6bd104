import { addAddress, NodeAddresses } from '../ip-addresses';

/**
 * Every address Nova reports for a server, split by reach rather than by network label (a network
 * named "public" may carry private addresses, and most are named otherwise):
 * - `addresses` ({network: [{addr, "OS-EXT-IPS:type"}]}): floating IPs are public; fixed IPs by range.
 * - `accessIPv4` / `accessIPv6`: the address the owner set as the way in (often a NAT or load
 *   balancer address found in no network), by range.
 */
export function novaAddresses(server: unknown): NodeAddresses {
  const found: NodeAddresses = { publicIps: [], privateIps: [] };
  const s = (server ?? {}) as { addresses?: unknown; accessIPv4?: unknown; accessIPv6?: unknown };
  if (s.addresses && typeof s.addresses === 'object') {
    for (const entries of Object.values(s.addresses as Record<string, unknown>)) {
      if (!Array.isArray(entries)) continue;
      for (const entry of entries as Array<{ addr?: unknown; 'OS-EXT-IPS:type'?: unknown } | null>) {
        addAddress(found, entry?.addr, entry?.['OS-EXT-IPS:type'] === 'floating' ? 'public' : undefined);
      }
    }
  }
  addAddress(found, s.accessIPv4);
  addAddress(found, s.accessIPv6);
  return found;
}
