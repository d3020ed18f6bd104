import { describeIssues } from '../../../config/config-error';
import { DriverFactory } from '../../driver-factory';
import { openstackDefinition } from './openstack.module';
import { openstackOptionsSchema, pkgcloudOptions } from './openstack-options';

const settings = (extraParams: Record<string, unknown>, over: Record<string, unknown> = {}) => ({
  engine: 'openstack',
  user: 'demo',
  password: 'secret',
  timeoutMs: 5000,
  extraParams: {
    authUrl: 'https://keystone.example.com:5000',
    region: 'RegionOne',
    projectName: 'demo',
    ...extraParams,
  },
  ...over,
});

/** The lines DriverFactory would print for these settings. */
function problems(input: unknown): string {
  const parsed = openstackOptionsSchema.safeParse(input);
  if (parsed.success) return '';
  return describeIssues('clouds.lab', parsed.error.issues);
}

describe('openstack settings', () => {
  it('accepts a minimal cloud and fills in the defaults', () => {
    expect(openstackOptionsSchema.parse(settings({ authUrl: 'https://keystone.example.com:5000/' }))).toEqual({
      user: 'demo',
      password: 'secret',
      authUrl: 'https://keystone.example.com:5000',
      region: 'RegionOne',
      projectName: 'demo',
      userDomainName: 'Default',
      projectDomainName: 'Default',
      keystoneVersion: 'v3',
      interface: 'public',
    });
  });

  it('takes the catalog interface (public, internal, admin) and hands it to pkgcloud', () => {
    const internal = openstackOptionsSchema.parse(settings({ interface: 'internal' }));
    expect(pkgcloudOptions(internal)).toMatchObject({ useInternal: true });
    expect(pkgcloudOptions(openstackOptionsSchema.parse(settings({ interface: 'admin' })))).toMatchObject({
      useAdmin: true,
    });
    expect(problems(settings({ interface: 'private' }))).toBe(
      'clouds.lab.extraParams.interface: must be "public" (the default), "internal" or "admin"',
    );
  });

  it('maps projectName to the tenantName pkgcloud reads, with both domains', () => {
    const options = openstackOptionsSchema.parse(
      settings({ userDomainName: 'users', projectDomainName: 'projects', strictSSL: false }),
    );
    expect(pkgcloudOptions(options)).toEqual({
      provider: 'openstack',
      keystoneAuthVersion: 'v3',
      authUrl: 'https://keystone.example.com:5000',
      username: 'demo',
      password: 'secret',
      region: 'RegionOne',
      domainName: 'users',
      tenantName: 'demo',
      projectDomainName: 'projects',
      strictSSL: false,
    });
  });

  it('maps projectId to tenantId alone (an id needs no domain)', () => {
    const options = openstackOptionsSchema.parse(settings({ projectName: undefined, projectId: '41c30dba' }));
    const client = pkgcloudOptions(options);
    expect(client).toMatchObject({ tenantId: '41c30dba', domainName: 'Default' });
    expect(client).not.toHaveProperty('tenantName');
    expect(client).not.toHaveProperty('projectDomainName');
  });

  it.each([
    'https://keystone.example.com:5000/v3',
    'https://keystone.example.com:5000/v3/',
    'http://127.0.0.1:5000/v2.0',
    'http://127.0.0.1:5000/v3/auth/tokens',
  ])('refuses an authUrl with the Keystone version in it (%s) and says to drop it', (authUrl) => {
    expect(problems(settings({ authUrl }))).toBe(
      'clouds.lab.extraParams.authUrl: must not end in the Keystone version: drop the trailing "/v3" (or "/v2.0"), pkgcloud appends "/v3/auth/tokens" itself',
    );
  });

  it('refuses an authUrl that is not an http(s) URL', () => {
    expect(problems(settings({ authUrl: 'keystone.example.com:5000' }))).toMatch(
      /extraParams\.authUrl: must be an http\(s\) URL/,
    );
  });

  it('requires the region, and a project name or id, reporting both at once', () => {
    expect(problems(settings({ region: undefined, projectName: undefined }))).toBe(
      [
        'clouds.lab.extraParams.region: is required: the region of the compute endpoint in the Keystone catalog, e.g. "RegionOne"',
        'clouds.lab.extraParams.projectName: is required (or projectId): without a project Keystone issues an unscoped token with no compute endpoint',
      ].join('\n'),
    );
  });

  it('requires the user and password, and an authUrl', () => {
    expect(
      problems({ engine: 'openstack', timeoutMs: 5000, extraParams: { region: 'RegionOne', projectName: 'demo' } }),
    ).toBe(
      [
        'clouds.lab.user: is required: the Keystone user name',
        'clouds.lab.password: is required: the Keystone password (e.g. "${OS_PASSWORD}")',
        'clouds.lab.extraParams.authUrl: is required: the Keystone URL, e.g. "https://keystone.example.com:5000"',
      ].join('\n'),
    );
  });

  it("points pkgcloud's own option names to the ones read here", () => {
    const text = problems(
      settings({ projectName: undefined, tenantName: 'demo', domainName: 'Default', password: 'x' }),
    );
    expect(text).toContain('clouds.lab.extraParams.tenantName: is not read here: use projectName');
    expect(text).toContain('clouds.lab.extraParams.domainName: is not read here: use userDomainName');
    expect(text).toContain('clouds.lab.extraParams.password: is not read here: use the cloud\'s "password" setting');
    // Never the value itself.
    expect(text).not.toMatch(/: x\b/);
  });

  it('refuses unknown keys and a keystoneVersion it cannot speak', () => {
    expect(problems(settings({ regoin: 'RegionOne' }))).toBe('clouds.lab.extraParams: Unrecognized key: "regoin"');
    expect(problems(settings({ keystoneVersion: 'v4' }))).toBe(
      'clouds.lab.extraParams.keystoneVersion: must be "v3" (the default) or "v2.0"',
    );
  });

  it('is what the factory uses: a bad cloud stops the boot with the field named', () => {
    const factory = new DriverFactory();
    factory.register(openstackDefinition);
    expect(() => factory.create('lab', settings({ authUrl: 'http://127.0.0.1:5000/v3' }) as any)).toThrow(
      /clouds\.lab\.extraParams\.authUrl: must not end in the Keystone version: drop the trailing "\/v3"/,
    );
    const driver = factory.create('lab', settings({}));
    expect(driver.engine).toBe('openstack');
    expect(driver.capabilities).toEqual({
      reboot: true,
      start: true,
      stop: true,
      keyPairs: true,
      importKeyPair: true,
      locations: true,
      userData: true,
      metadata: true,
    });
  });
});
