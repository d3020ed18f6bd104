import type { CloudError } from '../../driver/cloud-error';
import { EARLY_RENEWAL_MS, NovaDriver } from '../nova/nova.driver';
import type { PkgcloudDriverSettings } from '../pkgcloud/pkgcloud.driver';
import { keystoneError } from './keystone-errors';
import { OpenstackOptions, pkgcloudOptions } from './openstack-options';

/**
 * OpenStack: Keystone (v3, or v2.0) for the token and the service catalog, Nova for everything else.
 * Only the identity is OpenStack's own here; Nova is the family's.
 */
export class OpenstackDriver extends NovaDriver {
  readonly engine = 'openstack';
  protected readonly identityService = 'Keystone';

  constructor(
    private readonly options: OpenstackOptions,
    settings: PkgcloudDriverSettings,
  ) {
    super(settings);
  }

  protected get region(): string {
    return this.options.region;
  }

  protected clientOptions(): Record<string, unknown> {
    return {
      ...pkgcloudOptions(this.options),
      earlyTokenTimeout: EARLY_RENEWAL_MS,
    };
  }

  protected loginError(err: unknown): CloudError {
    return keystoneError(err, {
      tokensUrl: this.tokensUrl(),
      region: this.options.region,
      interface: this.options.interface,
      computeEndpoints: this.computeEndpoints(),
    });
  }

  /** The compute endpoints of the last login's catalog, as "<interface> in <region>" (v3 or v2.0). */
  private computeEndpoints(): string[] {
    const raw = this.client._identity?.raw as
      { token?: { catalog?: unknown }; access?: { serviceCatalog?: unknown } } | undefined;
    const catalog = raw?.token?.catalog ?? raw?.access?.serviceCatalog;
    if (!Array.isArray(catalog)) return [];
    const found = new Set<string>();
    for (const service of catalog as Array<{ type?: unknown; endpoints?: unknown }>) {
      if (service?.type !== 'compute' || !Array.isArray(service.endpoints)) continue;
      for (const e of service.endpoints as Array<Record<string, unknown>>) {
        const named = e.region ?? e.region_id;
        const region = typeof named === 'string' ? named : '?';
        // v3 names one interface per endpoint; v2.0 gives each URL its own key.
        const interfaces =
          typeof e.interface === 'string'
            ? [e.interface]
            : (['public', 'internal', 'admin'] as const).filter((i) => e[`${i}URL`]);
        for (const i of interfaces) found.add(`${i} in "${region}"`);
      }
    }
    return [...found].sort();
  }

  private tokensUrl(): string {
    return `${this.options.authUrl}${this.options.keystoneVersion === 'v3' ? '/v3/auth/tokens' : '/v2.0/tokens'}`;
  }
}
