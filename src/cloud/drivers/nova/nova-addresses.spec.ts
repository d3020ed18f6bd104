import { isPrivateIp } from '../ip-addresses';
import { novaAddresses } from './nova-addresses';

describe('novaAddresses', () => {
  it('splits fixed and floating addresses of every network into private and public IPs', () => {
    expect(
      novaAddresses({
        addresses: {
          'shared-net': [
            { addr: '10.99.0.5', version: 4, 'OS-EXT-IPS:type': 'fixed' },
            { addr: '203.0.113.7', version: 4, 'OS-EXT-IPS:type': 'floating' },
            { addr: 'fd00::5', version: 6, 'OS-EXT-IPS:type': 'fixed' },
          ],
          provider: [{ addr: '198.51.100.20', version: 4, 'OS-EXT-IPS:type': 'fixed' }, { addr: 'not-an-ip' }],
        },
      }),
    ).toEqual({ publicIps: ['203.0.113.7', '198.51.100.20'], privateIps: ['10.99.0.5', 'fd00::5'] });
    expect(novaAddresses({})).toEqual({ publicIps: [], privateIps: [] });
    expect(novaAddresses(undefined)).toEqual({ publicIps: [], privateIps: [] });
  });

  it('does not trust a network label: a network called "public" may carry private addresses', () => {
    expect(
      novaAddresses({ addresses: { public: [{ addr: '10.0.0.4' }], private: [{ addr: '198.51.100.4' }] } }),
    ).toEqual({ publicIps: ['198.51.100.4'], privateIps: ['10.0.0.4'] });
  });

  it('adds accessIPv4 and accessIPv6 (set by the owner, often in no network), by range, once', () => {
    expect(
      novaAddresses({
        addresses: { lan: [{ addr: '10.0.0.4' }] },
        accessIPv4: '203.0.113.50',
        accessIPv6: '2001:db8::50',
      }),
    ).toEqual({ publicIps: ['203.0.113.50', '2001:db8::50'], privateIps: ['10.0.0.4'] });
    expect(
      novaAddresses({ addresses: { lan: [{ addr: '10.0.0.4' }] }, accessIPv4: '10.0.0.4', accessIPv6: '' }),
    ).toEqual({ publicIps: [], privateIps: ['10.0.0.4'] });
    expect(novaAddresses({ accessIPv4: '192.168.7.1' })).toEqual({ publicIps: [], privateIps: ['192.168.7.1'] });
  });

  it.each([
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.32.0.1', false],
    ['192.168.1.1', true],
    ['100.64.0.1', true],
    ['169.254.1.1', true],
    ['8.8.8.8', false],
    ['fe80::1', true],
    ['2001:db8::1', false],
  ])('%s is private: %s', (addr, expected) => {
    expect(isPrivateIp(addr)).toBe(expected);
  });
});
