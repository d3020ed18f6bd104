import { CloudError } from '../../driver/cloud-error';
import { dropletState, metadataToTags, tagsToMetadata, toLocation, toNode } from './digitalocean-mapping';

describe('digitalocean mapping', () => {
  it('stores metadata as key:value tags and reads it back, leaving plain tags out', () => {
    const tags = metadataToTags({ team: 'web', env: 'prod', url: 'a:b', empty: '' });
    expect(tags).toEqual(['team:web', 'env:prod', 'url:a:b', 'empty:']);
    expect(tagsToMetadata([...tags, 'plain', ':odd', 42])).toEqual({ team: 'web', env: 'prod', url: 'a:b', empty: '' });
  });

  it('keeps tags named like Object.prototype members as metadata keys, "__proto__" included, polluting nothing', () => {
    const names = ['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__'];
    const metadata = tagsToMetadata(names.map((n, i) => `${n}:v${i}`));
    expect(Object.keys(metadata)).toEqual(names);
    expect(names.map((n) => Object.getOwnPropertyDescriptor(metadata, n)?.value)).toEqual([
      'v0',
      'v1',
      'v2',
      'v3',
      'v4',
    ]);
    expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype);
    expect(metadataToTags(metadata)).toEqual(names.map((n, i) => `${n}:v${i}`));
  });

  it.each([
    [{ 'a:b': 'x' }, /keys may hold only/],
    [{ owner: 'Jane Doe' }, /values may hold only/],
    [{ k: 'v'.repeat(254) }, /too long/],
  ])('refuses metadata that is no valid tag: %j', (metadata, message) => {
    expect(() => metadataToTags(metadata)).toThrow(message);
    try {
      metadataToTags(metadata);
    } catch (error) {
      expect((error as CloudError).kind).toBe('invalid_request');
    }
  });

  it('maps every droplet status, and unknown ones to unknown', () => {
    expect(['new', 'active', 'off', 'archive', 'weird'].map((status) => dropletState({ status }))).toEqual([
      'pending',
      'running',
      'stopped',
      'terminated',
      'unknown',
    ]);
  });

  it('keeps an address of a type it does not know, by its range', () => {
    const node = toNode({
      id: 1,
      status: 'active',
      networks: {
        v4: [
          { ip_address: '203.0.113.9', type: 'public' },
          { ip_address: '10.10.0.4', type: 'private' },
          { ip_address: '198.51.100.77', type: 'reserved' },
        ],
        v6: [{ ip_address: '2001:db8::9', type: 'public' }],
      },
    });
    expect([node.publicIps, node.privateIps]).toEqual([['203.0.113.9', '198.51.100.77', '2001:db8::9'], ['10.10.0.4']]);
  });

  it('derives the country from the region slug', () => {
    expect(toLocation({ slug: 'fra1', name: 'Frankfurt 1' })).toMatchObject({ id: 'fra1', country: 'DE' });
    expect(toLocation({ slug: 'xyz9', name: 'Somewhere' }).country).toBeNull();
  });
});
