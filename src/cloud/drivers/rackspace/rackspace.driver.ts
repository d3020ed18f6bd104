import type { ComputeClient } from 'pkgcloud';
import { CloudError } from '../../driver/cloud-error';
import {
  Capabilities,
  CloudImage,
  CloudKeyPair,
  CloudLocation,
  CloudNode,
  CloudSize,
  CreateNodeRequest,
  NodeAction,
  Page,
  PageRequest,
} from '../../driver/compute-driver';
import { withTimeout } from '../../driver/with-timeout';
import { PkgcloudDriver, PkgcloudDriverSettings } from '../pkgcloud/pkgcloud.driver';
import {
  asHttpError,
  jsonObject,
  listOf,
  ProviderRequest,
  ProviderResponse,
  unreadable,
} from '../pkgcloud/pkgcloud-request';
import { classifyRackspace } from './rackspace-errors';
import { toImage, toKeyPair, toLocation, toNode, toSize } from './rackspace-mapping';

export interface RackspaceOptions {
  username: string;
  apiKey: string;
  /** Upper-case region code, e.g. IAD. */
  region: string;
  /** Identity root, without /v2.0. */
  authUrl: string;
}

/** Guard against a `next` link that never ends. */
const MAX_PAGES = 100;

/**
 * Rackspace Cloud Servers (Nova's v2 API behind Rackspace Identity) over pkgcloud's rackspace client.
 * pkgcloud does the login (POST /v2.0/tokens with RAX-KSKEY:apiKeyCredentials), picks the region's
 * cloudServersOpenStack endpoint from the service catalog, adds X-Auth-Token and logs in again when the
 * token nears expiry. Requests go through its `_request` rather than its Nova methods, which fetch
 * one page only, miss 429/502 as errors, and on an unreadable body either fail vaguely or never call
 * back (getServer, createServer).
 */
export class RackspaceDriver extends PkgcloudDriver {
  readonly engine = 'rackspace';
  // Rackspace's API offers no start/stop (os-start/os-stop) for Cloud Servers, so the API answers 501.
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

  constructor(
    private readonly options: RackspaceOptions,
    settings: PkgcloudDriverSettings,
  ) {
    super(settings);
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

  protected override classify(err: unknown, operation: string): CloudError {
    return classifyRackspace(err, operation);
  }

  /** The identity call bypasses the client's `before` hooks (no socket timeout), so it is raced here. */
  protected override async login(client: ComputeClient): Promise<void> {
    const timeoutMs = this.settings.timeoutMs;
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        try {
          client.auth((err: unknown) => (err ? reject(this.loginError(client, err)) : resolve()));
        } catch (err) {
          reject(this.loginError(client, err));
        }
      }),
      timeoutMs,
      () => new CloudError('timeout', `login: no answer from Rackspace Identity within ${timeoutMs} ms`),
    );
  }

  // ---- nodes ----------------------------------------------------------------------------------

  /**
   * Nova pages by marker (the last server id seen), which is the v1 marker too. When Rackspace caps a
   * page below the asked limit it still sends a `next` link, which is followed until the v1 page is full.
   */
  override async listNodes(page: PageRequest): Promise<Page<CloudNode>> {
    const operation = 'list nodes';
    const items: CloudNode[] = [];
    let marker = page.marker;
    let more = false;
    for (let fetched = 0; fetched < MAX_PAGES && items.length < page.limit; fetched++) {
      const qs: Record<string, string | number> = { limit: page.limit - items.length, ...(marker ? { marker } : {}) };
      const body = await this.json(operation, { path: 'servers/detail', qs }, 'servers');
      const servers = listOf(operation, body.servers);
      items.push(...servers.map((s) => toNode(s, this.options.region)));
      more = hasNext(body.servers_links) && servers.length > 0;
      if (!more) break;
      marker = String(servers[servers.length - 1].id);
    }
    return { items, next: more ? marker : undefined };
  }

  override async getNode(id: string): Promise<CloudNode> {
    const body = await this.json('get node', { path: `servers/${segment(id, 'server')}` }, 'server');
    return toNode(body.server, this.options.region);
  }

  override async createNode(request: CreateNodeRequest): Promise<CloudNode> {
    const operation = 'create node';
    const region = this.options.region;
    // One Rackspace endpoint serves one region: a different location needs its own cloud entry.
    if (request.location && request.location.toUpperCase() !== region) {
      throw new CloudError(
        'invalid_reference',
        `${operation}: this cloud works in region ${region}, not "${request.location}"; configure a cloud for that region`,
      );
    }
    const server = {
      name: request.name,
      imageRef: request.image,
      flavorRef: request.size,
      ...(request.keyName ? { key_name: request.keyName } : {}),
      ...(request.metadata && Object.keys(request.metadata).length ? { metadata: request.metadata } : {}),
      // Nova takes user data base64-encoded; Rackspace hands it to cloud-init through the config drive.
      ...(request.userData !== undefined
        ? { user_data: Buffer.from(request.userData, 'utf8').toString('base64'), config_drive: true }
        : {}),
      ...(request.networks?.length ? { networks: request.networks.map((uuid) => ({ uuid })) } : {}),
    };
    const body = await this.json(operation, { method: 'POST', path: 'servers', body: { server } }, 'server');
    const created = body.server;
    if (!created || created.id == null) throw unreadable(operation);
    // Nova answers with the id (and adminPass, which is never passed on): the rest is what was asked.
    return {
      id: String(created.id),
      name: request.name,
      state: 'pending',
      publicIps: [],
      privateIps: [],
      imageId: request.image,
      sizeId: request.size,
      locationId: region,
      createdAt: null,
      metadata: { ...(request.metadata ?? {}) },
      extra: { status: 'BUILD', keyName: request.keyName ?? null, diskConfig: created['OS-DCF:diskConfig'] ?? null },
    };
  }

  override async nodeAction(id: string, action: NodeAction): Promise<CloudNode> {
    if (action !== 'reboot')
      throw new CloudError('unsupported', `${action} of nodes is not supported by Rackspace Cloud Servers`);
    await this.exchange('reboot node', {
      method: 'POST',
      path: `servers/${segment(id, 'server')}/action`,
      body: { reboot: { type: 'SOFT' } },
    });
    return this.getNode(id);
  }

  override async destroyNode(id: string): Promise<void> {
    await this.exchange('destroy node', { method: 'DELETE', path: `servers/${segment(id, 'server')}` });
  }

  // ---- catalog --------------------------------------------------------------------------------

  override async listImages(): Promise<CloudImage[]> {
    return (await this.all('list images', 'images/detail', 'images')).map(toImage);
  }

  override async listSizes(): Promise<CloudSize[]> {
    return (await this.all('list sizes', 'flavors/detail', 'flavors')).map(toSize);
  }

  /**
   * The configured region, confirmed by the service catalog. Other regions in the catalog are not
   * listed: this cloud's endpoint cannot create nodes there.
   */
  override async listLocations(): Promise<CloudLocation[]> {
    const regions = computeRegions(this.client);
    if (regions.length && !regions.includes(this.options.region)) throw this.regionMissing(regions);
    return [toLocation(this.options.region)];
  }

  // ---- key pairs ------------------------------------------------------------------------------

  override async listKeyPairs(): Promise<CloudKeyPair[]> {
    const body = await this.json('list key pairs', { path: 'os-keypairs' }, 'keypairs');
    return listOf('list key pairs', body.keypairs).map(toKeyPair);
  }

  override async importKeyPair(name: string, publicKey: string): Promise<CloudKeyPair> {
    const body = await this.json(
      'import key pair',
      { method: 'POST', path: 'os-keypairs', body: { keypair: { name, public_key: publicKey } } },
      'keypair',
    );
    return toKeyPair(body.keypair);
  }

  override async deleteKeyPair(name: string): Promise<void> {
    await this.exchange('delete key pair', { method: 'DELETE', path: `os-keypairs/${segment(name, 'key pair')}` });
  }

  // ---- plumbing -------------------------------------------------------------------------------

  /** Every item of a Nova collection, following `<key>_links` rel=next by marker. */
  private async all(operation: string, path: string, key: string): Promise<any[]> {
    const items: any[] = [];
    let qs: Record<string, string> | undefined = {};
    for (let fetched = 0; qs && fetched < MAX_PAGES; fetched++) {
      const body = await this.json(operation, { path, qs }, key);
      const page = listOf(operation, body[key]);
      items.push(...page);
      qs = hasNext(body[`${key}_links`]) && page.length ? { marker: String(page[page.length - 1].id) } : undefined;
    }
    return items;
  }

  private async json(operation: string, request: ProviderRequest, key: string): Promise<Record<string, any>> {
    return jsonObject(operation, await this.exchange(operation, request), key);
  }

  /** Pages of Nova go through `_request`, whose inline login can fail too: see loginError. */
  protected override failedRequest(err: unknown, operation: string): CloudError {
    return this.loginError(this.client, err, operation);
  }

  protected override async exchange(operation: string, request: ProviderRequest): Promise<ProviderResponse> {
    const response = await this.send(operation, request);
    // The token was revoked or expired early: forget it, so the next call logs in again.
    if (response.status === 401) this.client._serviceUrl = null;
    if (response.status >= 400) throw this.classify(asHttpError(response), operation);
    return response;
  }

  /** A failed login: the identity's HTTP answer, or a catalog without this region's compute endpoint. */
  private loginError(client: ComputeClient, err: any, operation = 'login'): CloudError {
    if (err && typeof err.statusCode !== 'number' && /endpoint/i.test(String(err.message ?? ''))) {
      return this.regionMissing(computeRegions(client));
    }
    return this.classify(err, operation);
  }

  private regionMissing(regions: string[]): CloudError {
    return new CloudError(
      'unavailable',
      `login: the service catalog has no Cloud Servers endpoint in region ${this.options.region}` +
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

/** One path segment: encoded, and never "." or ".." (which the URL would resolve to another resource). */
function segment(value: string, what: string): string {
  if (value === '.' || value === '..') throw new CloudError('not_found', `${what} ${JSON.stringify(value)} not found`);
  return encodeURIComponent(value);
}

function hasNext(links: unknown): boolean {
  return Array.isArray(links) && links.some((l: any) => l?.rel === 'next' && typeof l.href === 'string');
}
