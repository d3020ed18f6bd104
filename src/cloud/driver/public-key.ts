import { createHash, createPublicKey } from 'node:crypto';
import type * as Sshpk from 'sshpk';

/** sshpk (with its crypto dependencies) loads at the first key parsed, not at boot: most processes never import a key. */
let sshpkModule: typeof Sshpk | undefined;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a deferred load, on first use
const sshpk = (): typeof Sshpk => (sshpkModule ??= require('sshpk') as typeof Sshpk);

/** RSA moduli outside this range (bits) are refused: shorter is breakable, longer is a denial-of-service lever. */
export const RSA_BITS = { min: 2048, max: 16384 } as const;

/** Key types sshpk parses itself, with the sshpk type and curve each must decode to. */
const PLAIN_TYPES: Record<string, { type: string; curve?: string }> = {
  'ssh-rsa': { type: 'rsa' },
  'ssh-ed25519': { type: 'ed25519' },
  'ecdsa-sha2-nistp256': { type: 'ecdsa', curve: 'nistp256' },
  'ecdsa-sha2-nistp384': { type: 'ecdsa', curve: 'nistp384' },
  'ecdsa-sha2-nistp521': { type: 'ecdsa', curve: 'nistp521' },
};

/**
 * FIDO security-key types (OpenSSH PROTOCOL.u2f): the plain key's fields followed by an application
 * string. sshpk does not know them, so their key part is checked by sshpk as the plain type it wraps
 * (the only hand-written parsing here: reading the wire strings around it).
 */
const SECURITY_KEY_TYPES: Record<string, string> = {
  'sk-ssh-ed25519@openssh.com': 'ssh-ed25519',
  'sk-ecdsa-sha2-nistp256@openssh.com': 'ecdsa-sha2-nistp256',
};

export const PUBLIC_KEY_TYPES = [...Object.keys(PLAIN_TYPES), ...Object.keys(SECURITY_KEY_TYPES)];

export interface ParsedPublicKey {
  type: string;
  /** The key's wire format (RFC 4253 section 6.6), as the base64 body encodes it. */
  blob: Buffer;
  comment: string;
}

/**
 * Parses an OpenSSH public key line ("ssh-ed25519 AAAA... comment") with sshpk. Returns null unless the
 * type is one of PUBLIC_KEY_TYPES and the base64 body decodes completely to a valid key of that type:
 * no bytes missing or left over, an ECDSA point on its named curve, an RSA modulus of RSA_BITS. So
 * garbage, truncated keys and weak keys never reach a cloud. DSA keys (OpenSSH dropped them) are refused.
 */
export function parsePublicKey(text: string): ParsedPublicKey | null {
  // One line only: an authorized_keys entry ends at a line break, so anything after one (another key,
  // with options such as command=) would reach the node as a key of its own. A trailing one is trimmed.
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0a-\x1f\x7f]/.test(text.trim())) return null;
  const parts = text.trim().split(/\s+/);
  if (parts.length < 2) return null;
  const [type, body] = parts;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body) || body.length % 4 !== 0) return null;
  const blob = Buffer.from(body, 'base64');
  if (blob.toString('base64') !== body) return null;
  const plain = SECURITY_KEY_TYPES[type] ? securityKeyPart(type, blob) : PLAIN_TYPES[type] ? { type, blob } : null;
  if (!plain || !validPlainKey(plain.type, plain.blob)) return null;
  return { type, blob, comment: parts.slice(2).join(' ') };
}

function validPlainKey(type: string, blob: Buffer): boolean {
  const expected = PLAIN_TYPES[type];
  let key: Sshpk.Key;
  try {
    key = sshpk().parseKey(`${type} ${blob.toString('base64')}`, 'ssh');
  } catch {
    return false;
  }
  // sshpk ignores bytes after the key: re-encoding must give back exactly what was sent.
  if (!key.toBuffer('rfc4253', {}).equals(blob)) return false;
  if (key.type !== expected.type || (expected.curve && key.curve !== expected.curve)) return false;
  if (key.type === 'rsa' && (key.size < RSA_BITS.min || key.size > RSA_BITS.max)) return false;
  if (key.type === 'ecdsa') {
    // sshpk takes the point's bytes as they come; OpenSSL refuses a point that is not on the curve.
    try {
      createPublicKey(key.toString('pem'));
    } catch {
      return false;
    }
  }
  return true;
}

/** The plain key inside a security-key blob, or null when the blob is not exactly type, key fields, application. */
function securityKeyPart(type: string, blob: Buffer): { type: string; blob: Buffer } | null {
  const plainType = SECURITY_KEY_TYPES[type];
  const fields: Buffer[] = [];
  let offset = 0;
  while (offset < blob.length) {
    if (offset + 4 > blob.length) return null;
    const length = blob.readUInt32BE(offset);
    if (offset + 4 + length > blob.length) return null;
    fields.push(blob.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  // ed25519: type, key, application; ecdsa: type, curve, point, application.
  const expectedFields = plainType === 'ssh-ed25519' ? 3 : 4;
  if (fields.length !== expectedFields || fields[0].toString('latin1') !== type) return null;
  const application = fields[fields.length - 1];
  if (application.length === 0 || application.length > 255) return null;
  const wire = (b: Buffer) => Buffer.concat([lengthOf(b), b]);
  const keyFields = fields.slice(1, -1);
  return { type: plainType, blob: Buffer.concat([wire(Buffer.from(plainType)), ...keyFields.map(wire)]) };
}

function lengthOf(b: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(b.length);
  return length;
}

/** The MD5 colon fingerprint clouds such as Nova and EC2 show for imported keys. */
export function md5Fingerprint(key: ParsedPublicKey): string {
  return createHash('md5').update(key.blob).digest('hex').match(/../g)!.join(':');
}
