import type { ComputeClient } from 'pkgcloud';
import { CloudError } from '../../driver/cloud-error';
import type { Capabilities, CloudLocation } from '../../driver/compute-driver';
import { NovaDriver } from '../nova/nova.driver';
import type { PkgcloudDriverSettings } from '../pkgcloud/pkgcloud.driver';
import { statusOf } from '../pkgcloud/provider-error';

export interface RackspaceOptions {
  username: string;
  apiKey: string;
  /** Upper-case region code, e.g. IAD. */
  region: string;
  /** Identity root, without /v2.0. */
  authUrl: string;
}

const REGIONS: Record<string, { name: string; country: string }> = {
  IAD: { name: 'Northern Virginia', country: 'US' },
  DFW: { name: 'Dallas-Fort Worth', country: 'US' },
  ORD: { name: 'Chicago', country: 'US' },
  LON: { name: 'London', country: 'GB' },
  SYD: { name: 'Sydney', country: 'AU' },
  HKG: { name: 'Hong Kong', country: 'HK' },
};

/**
 * Rackspace Cloud Servers: Nova's v2 API behind Rackspace Identity. What is Rackspace's own is the
 * identity (POST /v2.0/tokens with RAX-KSKEY:apiKeyCredentials, done by pkgcloud's rackspace client)
 * and the endpoint: one endpoint serves one region, which is the only location; there are no
 * os-start/os-stop actions; cloud-init reads user data from the config drive only.
 */
export class RackspaceDriver extends NovaDriver {
  readonly engine = 'rackspace';
  override readonly capabilities: Capabilities = {
    reboot: true,
    start: false,
    stop: false,
    keyPairs: true,
    importKeyPair: true,
    locations: true,
    userData: true,
    metadata: true,
  };
  protected readonly identityService = 'Rackspace Identity';
  protected override readonly userDataOnConfigDrive = true;

  constructor(
    private readonly options: RackspaceOptions,
    settings: PkgcloudDriverSettings,
  ) {
    super(settings);
  }

  protected get region(): string {
    return this.options.region;
  }

  protected clientOptions(): Record<string, unknown> {
    return {
      provider: 'rackspace',
      username: this.options.username,
      apiKey: this.options.apiKey,
      region: this.options.region,
      authUrl: this.options.authUrl,
    };
  }

  /** One Rackspace endpoint serves one region: a different location needs its own cloud entry. */
  protected override availabilityZone(location: string | undefined): string | undefined {
    if (location && location.toUpperCase() !== this.region) {
      throw new CloudError(
        'invalid_reference',
        `create node: this cloud works in region ${this.region}, not "${location}"; configure a cloud for that region`,
        { field: 'location' },
      );
    }
    return undefined;
  }

  protected override defaultLocation(): string {
    return this.region;
  }

  /**
   * The configured region, confirmed by the service catalog. Other regions in the catalog are not
   * listed: this cloud's endpoint cannot create nodes there.
   */
  override async listLocations(): Promise<CloudLocation[]> {
    await this.ensureToken();
    const regions = computeRegions(this.client);
    if (regions.length && !regions.includes(this.region)) throw this.regionMissing(regions);
    const known = REGIONS[this.region];
    return [{ id: this.region, name: known?.name ?? this.region, country: known?.country ?? null, extra: {} }];
  }

  /** A failed login: the identity's HTTP answer, or a catalog without this region's compute endpoint. */
  protected loginError(err: unknown): CloudError {
    const message = (err as { message?: unknown } | undefined)?.message;
    if (statusOf(err) === undefined && typeof message === 'string' && /endpoint/i.test(message)) {
      return this.regionMissing(computeRegions(this.client));
    }
    const status = statusOf(err);
    if (status === 401 || status === 403) {
      return new CloudError(
        'auth_failed',
        `log in to Rackspace Identity: credentials rejected by the cloud (HTTP ${status})`,
        {
          cause: err,
        },
      );
    }
    return this.classify(err, 'log in to Rackspace Identity');
  }

  private regionMissing(regions: string[]): CloudError {
    return new CloudError(
      'unavailable',
      `log in to Rackspace Identity: the service catalog has no Cloud Servers endpoint in region ${this.region}` +
        (regions.length ? ` (regions: ${regions.join(', ')})` : ''),
    );
  }
}

/** Regions of the next-generation compute service in the catalog of the last login. */
function computeRegions(client: ComputeClient): string[] {
  const catalog = client._identity?.raw?.access?.serviceCatalog;
  if (!Array.isArray(catalog)) return [];
  const regions = catalog
    // `cloudServers` is the retired first-generation service; pkgcloud skips it too.
    .filter((service: any) => service?.type === 'compute' && service?.name !== 'cloudServers')
    .flatMap((service: any) => (Array.isArray(service.endpoints) ? service.endpoints : []))
    .map((endpoint: any) => String(endpoint?.region ?? '').toUpperCase())
    .filter(Boolean);
  return [...new Set<string>(regions)].sort();
}
