import type { AuthSettings } from '../config/settings.schema';
import { requirementFor } from './access-policy';
import { ApiKeyVerifier, presentedKey } from './api-key-verifier';
import { checkExposure, isLoopback } from './exposure';

const auth = (over: Partial<AuthSettings> = {}): AuthSettings => ({
  disabled: false,
  apiKeys: [],
  openDocs: false,
  openMetrics: false,
  ...over,
});

describe('ApiKeyVerifier', () => {
  const verifier = new ApiKeyVerifier([
    { name: 'reader', key: 'r'.repeat(20), scopes: ['read'] },
    { name: 'admin', key: 'a'.repeat(32), scopes: ['read', 'write'] },
  ]);

  it('finds the caller by key, with its scopes', () => {
    expect(verifier.verify('a'.repeat(32))).toEqual({ name: 'admin', scopes: new Set(['read', 'write']) });
    expect(verifier.verify('r'.repeat(20))?.name).toBe('reader');
  });

  it('refuses unknown, empty, prefix and longer keys', () => {
    for (const wrong of [undefined, '', 'r'.repeat(19), 'r'.repeat(21), 'R'.repeat(20)])
      expect(verifier.verify(wrong)).toBeUndefined();
  });

  it('knows whether any key is configured', () => {
    expect(verifier.configured).toBe(true);
    expect(new ApiKeyVerifier([]).configured).toBe(false);
  });
});

describe('presentedKey', () => {
  it('reads Bearer tokens and X-API-Key', () => {
    expect(presentedKey({ authorization: 'Bearer abc' })).toBe('abc');
    expect(presentedKey({ authorization: 'bearer   abc ' })).toBe('abc');
    expect(presentedKey({ 'x-api-key': 'xyz' })).toBe('xyz');
    expect(presentedKey({ authorization: 'Basic abc' })).toBeUndefined();
    expect(presentedKey({})).toBeUndefined();
  });
});

describe('requirementFor', () => {
  it('keeps probes open and asks read for GET, write for changes', () => {
    expect(requirementFor('GET', '/health/ready', auth())).toEqual({ open: true });
    expect(requirementFor('GET', '/health/clouds', auth())).toEqual({ open: true });
    expect(requirementFor('GET', '/api/v1/nodes', auth())).toEqual({ open: false, scope: 'read' });
    expect(requirementFor('POST', '/api/v1/clouds/x/nodes', auth())).toEqual({ open: false, scope: 'write' });
    expect(requirementFor('DELETE', '/api/v1/clouds/x/nodes/1', auth())).toEqual({ open: false, scope: 'write' });
  });

  it('opens docs and metrics only when switched on', () => {
    expect(requirementFor('GET', '/docs', auth())).toEqual({ open: false, scope: 'read' });
    expect(requirementFor('GET', '/docs-json', auth({ openDocs: true }))).toEqual({ open: true });
    expect(requirementFor('GET', '/docs/swagger-ui.css', auth({ openDocs: true }))).toEqual({ open: true });
    expect(requirementFor('GET', '/metrics', auth())).toEqual({ open: false, scope: 'read' });
    expect(requirementFor('GET', '/metrics', auth({ openMetrics: true }))).toEqual({ open: true });
  });
});

describe('checkExposure', () => {
  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(isLoopback(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', 'example.com']) expect(isLoopback(host)).toBe(false);
  });

  it('runs open on loopback, refuses elsewhere, and warns when auth is disabled on purpose', () => {
    expect(checkExposure('127.0.0.1', auth())).toBeUndefined();
    expect(() => checkExposure('0.0.0.0', auth())).toThrow(/refusing to listen on 0.0.0.0 with no API keys/);
    expect(checkExposure('0.0.0.0', auth({ disabled: true }))).toMatch(/open to anyone/);
    expect(
      checkExposure('0.0.0.0', auth({ apiKeys: [{ name: 'k', key: 'k'.repeat(16), scopes: ['read'] }] })),
    ).toBeUndefined();
  });
});
