import type { CloudError } from '../../driver/cloud-error';
import { EARLY_RENEWAL_MS, NovaDriver } from '../nova/nova.driver';
import { boundedIdentity } from '../pkgcloud/bounded-identity';
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
      identity: boundedIdentity(this.agents, this.settings.timeoutMs),
    };
  }

  protected loginError(err: unknown): CloudError {
    return keystoneError(err, { tokensUrl: this.tokensUrl(), region: this.options.region });
  }

  private tokensUrl(): string {
    return `${this.options.authUrl}${this.options.keystoneVersion === 'v3' ? '/v3/auth/tokens' : '/v2.0/tokens'}`;
  }
}
