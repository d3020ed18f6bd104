import { createHash } from 'node:crypto';

const KEY_TYPES = new Set([
  'ssh-rsa',
  'ssh-ed25519',
  'ssh-dss',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
]);

export interface ParsedPublicKey {
  type: string;
  blob: Buffer;
  comment: string;
}

/**
 * Parses an OpenSSH public key line ("ssh-ed25519 AAAA... comment"). Returns null unless the type is
 * known and the base64 body really encodes a key of that type, so garbage never reaches a cloud.
 */
export function parsePublicKey(text: string): ParsedPublicKey | null {
  const parts = text.trim().split(/\s+/);
  if (parts.length < 2 || !KEY_TYPES.has(parts[0])) return null;
  if (!/^[A-Za-z0-9+/]+={0,3}$/.test(parts[1])) return null;
  const blob = Buffer.from(parts[1], 'base64');
  if (blob.length < 4 + parts[0].length) return null;
  const nameLength = blob.readUInt32BE(0);
  if (nameLength !== parts[0].length || blob.subarray(4, 4 + nameLength).toString('latin1') !== parts[0]) return null;
  return { type: parts[0], blob, comment: parts.slice(2).join(' ') };
}

/** The MD5 colon fingerprint clouds such as Nova and EC2 show for imported keys. */
export function md5Fingerprint(key: ParsedPublicKey): string {
  return createHash('md5').update(key.blob).digest('hex').match(/../g)!.join(':');
}
