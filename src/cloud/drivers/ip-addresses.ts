import { isIP } from 'node:net';

/** A node's addresses, split by reach. */
export interface NodeAddresses {
  publicIps: string[];
  privateIps: string[];
}

/**
 * Adds `addr` once to the public or private list: by the provider's word where it gives one
 * (`reach`), otherwise by the address's range. Anything that is not an IP address is ignored.
 */
export function addAddress(into: NodeAddresses, addr: unknown, reach?: 'public' | 'private'): void {
  if (typeof addr !== 'string' || !isIP(addr)) return;
  const list = (reach ?? (isPrivateIp(addr) ? 'private' : 'public')) === 'public' ? into.publicIps : into.privateIps;
  if (!into.publicIps.includes(addr) && !into.privateIps.includes(addr)) list.push(addr);
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
