import { isIP } from 'node:net';

/**
 * Nova's `addresses` ({network: [{addr, "OS-EXT-IPS:type"}]}) split into public and private IPs:
 * floating IPs are public; fixed IPs are public only when routable (a provider network).
 */
export function novaAddresses(addresses: unknown): { publicIps: string[]; privateIps: string[] } {
  const publicIps: string[] = [];
  const privateIps: string[] = [];
  if (!addresses || typeof addresses !== 'object') return { publicIps, privateIps };
  for (const entries of Object.values(addresses as Record<string, unknown>)) {
    if (!Array.isArray(entries)) continue;
    for (const entry of entries) {
      const addr = typeof entry?.addr === 'string' ? entry.addr : undefined;
      if (!addr || !isIP(addr)) continue;
      const list = entry['OS-EXT-IPS:type'] === 'floating' || !isPrivateIp(addr) ? publicIps : privateIps;
      if (!list.includes(addr)) list.push(addr);
    }
  }
  return { publicIps, privateIps };
}

/** RFC 1918, shared (CGNAT), loopback and link-local IPv4; unique-local, link-local and loopback IPv6. */
export function isPrivateIp(addr: string): boolean {
  if (isIP(addr) === 4) {
    const [a, b] = addr.split('.').map(Number);
    return (
      a === 10 ||
      a === 127 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  const lower = addr.toLowerCase();
  return lower === '::1' || /^f[cd]/.test(lower) || /^fe[89ab]/.test(lower);
}
