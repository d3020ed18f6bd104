import { generateKeyPairSync } from 'node:crypto';
import { md5Fingerprint, parsePublicKey } from './public-key';

function opensshEd25519(): string {
  const raw = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const field = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  return `ssh-ed25519 ${Buffer.concat([field(Buffer.from('ssh-ed25519')), field(raw)]).toString('base64')} me@host`;
}

describe('parsePublicKey', () => {
  it('accepts a real OpenSSH key and fingerprints it', () => {
    const key = opensshEd25519();
    const parsed = parsePublicKey(key)!;
    expect(parsed.type).toBe('ssh-ed25519');
    expect(parsed.comment).toBe('me@host');
    expect(md5Fingerprint(parsed)).toMatch(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
  });

  it.each([
    ['empty', ''],
    ['no body', 'ssh-rsa'],
    ['unknown type', 'ssh-foo AAAAB3NzaC1yc2E='],
    ['not base64', 'ssh-ed25519 !!!notbase64'],
    ['body of another type', `ssh-rsa ${opensshEd25519().split(' ')[1]}`],
    ['truncated body', 'ssh-ed25519 AAAA'],
  ])('rejects %s', (_label, text) => {
    expect(parsePublicKey(text)).toBeNull();
  });
});
