import { CloudError } from '../../driver/cloud-error';
import { withTimeout } from '../../driver/with-timeout';
import type {
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
import {
  isoOrNull,
  numberOrNull,
  PkgcloudDriver,
  PkgcloudDriverSettings,
  stringRecord,
} from '../pkgcloud/pkgcloud.driver';
import { asHttpError, jsonObject, ProviderRequest, ProviderResponse } from '../pkgcloud/pkgcloud-request';
import { novaAddresses } from './openstack-addresses';
import { keystoneError, novaError } from './openstack-errors';
import { OpenstackOptions, pkgcloudOptions } from './openstack-options';
import { novaNodeState } from './openstack-state';

/** pkgcloud's own margin: a token this close to expiry is renewed before use. */
const EARLY_RENEWAL_MS = 5 * 60_000;
/** Nova rejects user_data longer than this once base64-encoded. */
const USER_DATA_MAX = 65_535;
/** Bounds a walk over Nova's pages (marker loops, runaway listings). */
const MAX_PAGES = 1_000;

const ACTION_BODY: Record<NodeAction, unknown> = {
  reboot: { reboot: { type: 'SOFT' } },
  stop: { 'os-stop': null },
  start: { 'os-start': null },
};

/**
 * OpenStack (Keystone + Nova) over pkgcloud's openstack client. pkgcloud logs in, keeps the token and
 * the service catalog, and builds every request (URL, X-Auth-Token, socket timeout, agent). The Nova
 * calls themselves go through the client's `_request` (providerRequest) rather than pkgcloud's
 * methods, because pkgcloud's: return one page of servers and drop the `next` link; send
 * user_data only raw and with a forced config drive; treat 429 and 502 as success and then, on the
 * unexpected body, never call back (getServer, createServer).
 */
export class OpenstackDriver extends PkgcloudDriver {
  readonly engine = 'openstack';
  private authenticating?: Promise<void>;

  constructor(
    private readonly options: OpenstackOptions,
    settings: PkgcloudDriverSettings,
  ) {
    super(settings);
  }

  protected clientOptions(): Record<string, unknown> {
    return { ...pkgcloudOptions(this.options), earlyTokenTimeout: EARLY_RENEWAL_MS };
  }

  protected override async login(): Promise<void> {
    await this.ensureToken();
  }

  // ---- token ---------------------------------------------------------------------------------

  /** A valid token, logging in when there is none or it is about to expire. */
  private async ensureToken(): Promise<void> {
    if (!this.client._isAuthorized()) await this.authenticate();
  }

  /**
   * One login at a time, shared by concurrent callers. Bounded here because pkgcloud's Keystone
   * request bypasses the client's `before` hooks and so has no timeout of its own.
   */
  private authenticate(): Promise<void> {
    if (!this.authenticating) {
      const ms = this.settings.timeoutMs;
      const attempt: Promise<void> = withTimeout(
        // pkgcloud hands back its own error objects; they are classified where the call is made.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        new Promise<void>((resolve, reject) => this.client.auth((err: unknown) => (err ? reject(err) : resolve()))),
        ms,
        () => new CloudError('timeout', `log in to Keystone: no answer within ${ms} ms`),
      )
        .then(() => this.tuneEarlyRenewal())
        .catch((err: unknown) => {
          throw keystoneError(err, { tokensUrl: this.tokensUrl(), region: this.options.region });
        })
        .finally(() => {
          if (this.authenticating === attempt) this.authenticating = undefined;
        });
      this.authenticating = attempt;
    }
    return this.authenticating;
  }

  /** Renew early, but never so early that a short-lived token counts as expired when issued. */
  private tuneEarlyRenewal(): void {
    const expires: Date | undefined = this.client._identity?.token?.expires;
    if (!(expires instanceof Date)) return;
    const lifetime = expires.getTime() - Date.now();
    this.client.config.earlyTokenTimeout = Math.max(0, Math.min(EARLY_RENEWAL_MS, Math.floor(lifetime / 4)));
  }

  private currentToken(): string | undefined {
    return this.client._identity?.token?.id;
  }

  /** Drops a token Nova refused, unless a newer one already replaced it. */
  private forgetToken(refused: string | undefined): void {
    if (refused !== undefined && this.currentToken() !== refused) return;
    this.client._serviceUrl = null;
  }

  private tokensUrl(): string {
    return `${this.options.authUrl}${this.options.keystoneVersion === 'v3' ? '/v3/auth/tokens' : '/v2.0/tokens'}`;
  }

  // ---- Nova requests -------------------------------------------------------------------------

  /**
   * One Nova request with a valid token. A 401 means Nova no longer accepts the token (revoked,
   * expired early): the token is dropped, and reads log in again and retry once. Writes are not
   * replayed; the next call logs in afresh.
   */
  private async nova(
    operation: string,
    request: ProviderRequest,
    kind: 'read' | 'write' = 'read',
  ): Promise<ProviderResponse> {
    await this.ensureToken();
    let token = this.currentToken();
    let response = await this.send(operation, request);
    if (response.status === 401) {
      this.forgetToken(token);
      if (kind === 'read') {
        await this.authenticate();
        token = this.currentToken();
        response = await this.send(operation, request);
        if (response.status === 401) this.forgetToken(token);
      }
    }
    if (response.status >= 400) throw this.classify(asHttpError(response), operation);
    return response;
  }

  /** Nova's errors: a 400 naming an unknown flavor, image, key or network is an invalid reference. */
  protected override classify(err: unknown, operation: string): CloudError {
    return novaError(err, operation);
  }

  /** Every item of a Nova collection, following its `<key>_links` next links (Nova caps pages at max_limit). */
  private async listAll(operation: string, path: string, key: string): Promise<any[]> {
    const items: any[] = [];
    let marker: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const body = jsonObject(
        operation,
        await this.nova(operation, { path, ...(marker ? { qs: { marker } } : {}) }),
        key,
      );
      const batch: any[] = Array.isArray(body[key]) ? body[key] : [];
      items.push(...batch);
      const next = nextMarker(body[`${key}_links`]);
      if (!next || !batch.length || next === marker) break;
      marker = next;
    }
    return items;
  }

  // ---- nodes ---------------------------------------------------------------------------------

  /**
   * Walks Nova's pages (each capped at its max_limit) until `limit` nodes are found. One more than
   * needed is asked for, so `next` is set only when Nova really has more. A node seen twice (Nova
   * can repeat a server that is still building across pages) is kept once.
   */
  override async listNodes(page: PageRequest): Promise<Page<CloudNode>> {
    const nodes: CloudNode[] = [];
    const seen = new Set<string>();
    let marker = page.marker;
    for (let round = 0; round < MAX_PAGES; round++) {
      const want = page.limit - nodes.length;
      const qs: Record<string, string | number> = { limit: want + 1, ...(marker ? { marker } : {}) };
      const body = jsonObject('list nodes', await this.nova('list nodes', { path: 'servers/detail', qs }), 'servers');
      const servers: any[] = Array.isArray(body.servers) ? body.servers : [];
      for (const server of servers) {
        if (seen.has(String(server.id))) continue;
        if (nodes.length === page.limit) return { items: nodes, next: nodes[nodes.length - 1].id };
        seen.add(String(server.id));
        nodes.push(this.toNode(server));
      }
      const next = nextMarker(body.servers_links);
      if (!servers.length || !next) break;
      marker = next;
    }
    return { items: nodes };
  }

  override async getNode(id: string): Promise<CloudNode> {
    const body = jsonObject(
      'get node',
      await this.nova('get node', { path: `servers/${encodeURIComponent(id)}` }),
      'server',
    );
    return this.toNode(body.server);
  }

  /** Creates, then reads the server once: Nova's create answer has an id but no status. */
  override async createNode(request: CreateNodeRequest): Promise<CloudNode> {
    const response = await this.nova(
      'create node',
      { method: 'POST', path: 'servers', body: { server: this.serverBody(request) } },
      'write',
    );
    const id = String(jsonObject('create node', response, 'server').server?.id ?? '');
    if (!id) throw new CloudError('unavailable', 'create node: the cloud accepted the server but sent no id');
    try {
      return await this.getNode(id);
    } catch {
      return this.pendingNode(id, request);
    }
  }

  override async nodeAction(id: string, action: NodeAction): Promise<CloudNode> {
    const path = `servers/${encodeURIComponent(id)}/action`;
    await this.nova(`${action} node`, { method: 'POST', path, body: ACTION_BODY[action] }, 'write');
    return this.getNode(id);
  }

  override async destroyNode(id: string): Promise<void> {
    await this.nova('destroy node', { method: 'DELETE', path: `servers/${encodeURIComponent(id)}` }, 'write');
  }

  /** The POST /servers body, as Nova 2.1 wants it (user_data base64, networks as {uuid}). */
  private serverBody(request: CreateNodeRequest): Record<string, unknown> {
    const server: Record<string, unknown> = { name: request.name, imageRef: request.image, flavorRef: request.size };
    if (request.keyName) server.key_name = request.keyName;
    if (request.userData) {
      const encoded = Buffer.from(request.userData, 'utf8').toString('base64');
      if (encoded.length > USER_DATA_MAX) {
        throw new CloudError(
          'invalid_request',
          `create node: user data is ${encoded.length} bytes once base64-encoded; Nova takes at most ${USER_DATA_MAX}`,
        );
      }
      server.user_data = encoded;
    }
    if (request.metadata && Object.keys(request.metadata).length) server.metadata = request.metadata;
    if (request.networks?.length) server.networks = request.networks.map((uuid) => ({ uuid }));
    // The region stands in as the only location when the cloud lists no zones: not a zone to ask for.
    if (request.location && request.location !== this.options.region) server.availability_zone = request.location;
    return server;
  }

  private pendingNode(id: string, request: CreateNodeRequest): CloudNode {
    return {
      id,
      name: request.name,
      state: 'pending',
      publicIps: [],
      privateIps: [],
      imageId: request.image,
      sizeId: request.size,
      locationId: request.location ?? null,
      createdAt: null,
      metadata: request.metadata ?? {},
      extra: {},
    };
  }

  // ---- catalog -------------------------------------------------------------------------------

  override async listImages(): Promise<CloudImage[]> {
    return (await this.listAll('list images', 'images/detail', 'images')).map((i) => this.toImage(i));
  }

  override async listSizes(): Promise<CloudSize[]> {
    return (await this.listAll('list sizes', 'flavors/detail', 'flavors')).map((f) => this.toSize(f));
  }

  /** Nova's availability zones; the region alone when the cloud has none to show (or hides them). */
  override async listLocations(): Promise<CloudLocation[]> {
    let zones: any[] = [];
    try {
      const body = jsonObject(
        'list locations',
        await this.nova('list locations', { path: 'os-availability-zone' }),
        'availabilityZoneInfo',
      );
      zones = Array.isArray(body.availabilityZoneInfo) ? body.availabilityZoneInfo : [];
    } catch (error) {
      if (!(CloudError.is(error) && (error.kind === 'not_found' || error.kind === 'auth_failed'))) throw error;
    }
    const available = zones.filter((z) => z?.zoneName && z.zoneState?.available !== false);
    if (!available.length) {
      return [
        {
          id: this.options.region,
          name: this.options.region,
          country: null,
          extra: { region: this.options.region, kind: 'region' },
        },
      ];
    }
    return available.map((z) => ({
      id: String(z.zoneName),
      name: String(z.zoneName),
      country: null,
      extra: { region: this.options.region, kind: 'availability-zone' },
    }));
  }

  // ---- key pairs -----------------------------------------------------------------------------

  override async listKeyPairs(): Promise<CloudKeyPair[]> {
    return (await this.listAll('list key pairs', 'os-keypairs', 'keypairs')).map((k) => this.toKeyPair(k));
  }

  override async importKeyPair(name: string, publicKey: string): Promise<CloudKeyPair> {
    const body = { keypair: { name, public_key: publicKey } };
    const response = await this.nova('import key pair', { method: 'POST', path: 'os-keypairs', body }, 'write');
    return this.toKeyPair(jsonObject('import key pair', response, 'keypair').keypair);
  }

  override async deleteKeyPair(name: string): Promise<void> {
    await this.nova('delete key pair', { method: 'DELETE', path: `os-keypairs/${encodeURIComponent(name)}` }, 'write');
  }

  // ---- mapping -------------------------------------------------------------------------------

  /** A Nova server document (2.1) as a node. */
  protected override toNode(server: any): CloudNode {
    const { publicIps, privateIps } = novaAddresses(server?.addresses);
    const taskState = server['OS-EXT-STS:task_state'];
    return {
      id: String(server.id),
      name: String(server.name ?? ''),
      state: novaNodeState(server.status, taskState),
      publicIps,
      privateIps,
      // Boot-from-volume servers have image "" instead of an object.
      imageId: server.image?.id != null ? String(server.image.id) : null,
      sizeId: server.flavor?.id != null ? String(server.flavor.id) : null,
      locationId: server['OS-EXT-AZ:availability_zone'] ? String(server['OS-EXT-AZ:availability_zone']) : null,
      createdAt: isoOrNull(server.created),
      metadata: stringRecord(server.metadata),
      extra: compact({
        status: server.status,
        taskState,
        vmState: server['OS-EXT-STS:vm_state'],
        powerState: server['OS-EXT-STS:power_state'],
        keyName: server.key_name,
        hostId: server.hostId || undefined,
        projectId: server.tenant_id,
        updatedAt: isoOrNull(server.updated) ?? undefined,
        fault: server.fault?.message,
      }),
    };
  }

  protected override toImage(image: any): CloudImage {
    return {
      id: String(image.id),
      name: String(image.name ?? image.id),
      extra: compact({
        status: image.status,
        minDiskGiB: numberOrNull(image.minDisk) ?? undefined,
        minRamMiB: numberOrNull(image.minRam) ?? undefined,
        sizeBytes: numberOrNull(image['OS-EXT-IMG-SIZE:size']) ?? undefined,
        createdAt: isoOrNull(image.created) ?? undefined,
      }),
    };
  }

  protected override toSize(flavor: any): CloudSize {
    return {
      ...super.toSize(flavor),
      extra: compact({
        ephemeralGiB: numberOrNull(flavor['OS-FLV-EXT-DATA:ephemeral']) ?? undefined,
        // Nova sends swap as "" when there is none.
        swapMiB: numberOrNull(flavor.swap) ?? undefined,
        public: flavor['os-flavor-access:is_public'],
        disabled: flavor['OS-FLV-DISABLED:disabled'],
      }),
    };
  }
}

/** The marker of a `next` link in Nova's `<collection>_links`, if there is one. */
export function nextMarker(links: unknown): string | undefined {
  if (!Array.isArray(links)) return undefined;
  const next = links.find((l) => l?.rel === 'next' && typeof l.href === 'string');
  if (!next) return undefined;
  try {
    return new URL(next.href, 'http://nova.invalid').searchParams.get('marker') ?? undefined;
  } catch {
    return undefined;
  }
}

function compact(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined && v !== null && v !== ''));
}
