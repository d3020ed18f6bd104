import { novaImage, novaNode, novaSize } from './nova-mapping';

describe('nova mapping', () => {
  it('splits addresses by range, whatever the networks are called, and treats a volume-booted server as imageless', () => {
    const node = novaNode(
      {
        id: 'abc',
        name: 'n',
        status: 'ACTIVE',
        image: '',
        flavor: { id: 'general1-1' },
        addresses: {
          public: [{ addr: '1.2.3.4' }],
          private: [{ addr: '10.0.0.1' }],
          backend: [{ addr: '192.168.3.4' }],
        },
      },
      'DFW',
    );
    expect(node).toMatchObject({
      publicIps: ['1.2.3.4'],
      privateIps: ['10.0.0.1', '192.168.3.4'],
      imageId: null,
      sizeId: 'general1-1',
      locationId: 'DFW',
    });
  });

  it('names the availability zone as the location when Nova has one', () => {
    expect(novaNode({ id: 'a', 'OS-EXT-AZ:availability_zone': 'nova' }, 'DFW').locationId).toBe('nova');
    expect(novaNode({ id: 'a', 'OS-EXT-AZ:availability_zone': '' }).locationId).toBeNull();
  });

  it('gives images and flavors one set of extras, in the units their keys name', () => {
    expect(
      novaImage({
        id: 'i',
        name: 'Ubuntu',
        status: 'ACTIVE',
        minDisk: 20,
        minRam: 512,
        metadata: { os_distro: 'ubuntu' },
      }).extra,
    ).toEqual({ status: 'ACTIVE', minDiskGiB: 20, minRamMiB: 512, osDistro: 'ubuntu' });
    expect(
      novaSize({
        id: 'f',
        name: 'm',
        ram: 1024,
        disk: 20,
        vcpus: 1,
        swap: '',
        'OS-FLV-EXT-DATA:ephemeral': 0,
        'OS-FLV-WITH-EXT-SPECS:extra_specs': { class: 'general1' },
      }),
    ).toEqual({
      id: 'f',
      name: 'm',
      ram: 1024,
      disk: 20,
      vcpus: 1,
      price: null,
      extra: { ephemeralGiB: 0, class: 'general1' },
    });
  });
});
