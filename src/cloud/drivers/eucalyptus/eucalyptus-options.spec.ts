import { DriverFactory } from '../../driver-factory';
import { EucalyptusDriver } from './eucalyptus.driver';
import { eucalyptusEndpoint } from './eucalyptus-options';
import { eucalyptusDefinition } from './eucalyptus.module';

const base = { engine: 'eucalyptus', user: 'AKIEUCA', password: 'secret-key', timeoutMs: 1000 };

describe('eucalyptus settings', () => {
  it("defaults like Libcloud's Eucalyptus driver: https, port 8773, /services/Eucalyptus, region eucalyptus, all images", () => {
    expect(eucalyptusDefinition.options.parse({ ...base, extraParams: { host: 'euca.example.org' } })).toEqual({
      accessKeyId: 'AKIEUCA',
      secretAccessKey: 'secret-key',
      region: 'eucalyptus',
      endpoint: 'https://euca.example.org:8773/services/Eucalyptus',
      imageOwners: [],
    });
  });

  it('maps host, port, secure and path onto the endpoint URL', () => {
    const parsed = eucalyptusDefinition.options.parse({
      ...base,
      extraParams: {
        host: '10.1.2.3',
        port: 8080,
        secure: false,
        path: '/compute',
        region: 'lab',
        imageOwners: ['self'],
      },
    }) as any;
    expect(parsed).toMatchObject({ endpoint: 'http://10.1.2.3:8080/compute', region: 'lab', imageOwners: ['self'] });
    expect(eucalyptusEndpoint({ host: 'fd00::1', port: 8773, secure: true, path: '/services/compute' })).toBe(
      'https://[fd00::1]:8773/services/compute',
    );
  });

  it('builds the amazon driver under its own engine name', async () => {
    const factory = new DriverFactory();
    factory.register(eucalyptusDefinition);
    const driver = factory.create('lab', { ...base, extraParams: { host: 'euca.example.org' } });
    expect(driver).toBeInstanceOf(EucalyptusDriver);
    expect(driver.engine).toBe('eucalyptus');
    await driver.close();
  });

  it.each([
    [{}, /extraParams\.host: host is required/],
    [{ host: 'https://euca.example.org' }, /extraParams\.host: host must be a host name/],
    [{ host: 'euca', port: 0 }, /extraParams\.port/],
    [{ host: 'euca', secure: 'yes' }, /extraParams\.secure/],
    [{ host: 'euca', path: 'services/Eucalyptus' }, /extraParams\.path: path must start with "\/"/],
  ])('refuses extraParams %j naming the field', (extraParams, message) => {
    const factory = new DriverFactory();
    factory.register(eucalyptusDefinition);
    expect(() => factory.create('lab', { ...base, extraParams } as any)).toThrow(message);
  });
});
