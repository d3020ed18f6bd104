import { CloudError } from '../../driver/cloud-error';
import { SERVICE_METADATA_PREFIX } from '../../driver/compute-driver';
import {
  ALL_CAPABILITIES,
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
import { Backoff } from '../../driver/backoff';
import { withTimeout } from '../../driver/with-timeout';
import type { ComputeClient } from 'pkgcloud';
import { boundedIdentity, IdentityClass } from '../pkgcloud/bounded-identity';
import { PkgcloudDriver } from '../pkgcloud/pkgcloud.driver';
import {
  asHttpError,
  jsonObject,
  ProviderRequest,
  ProviderResponse,
  RequestAborted,
} from '../pkgcloud/pkgcloud-request';
import { novaError } from './nova-errors';
import { nextMarker, novaImage, novaKeyPair, novaNode, novaSize } from './nova-mapping';
import {
  decodeNovaCursor,
  encodeNovaCursor,
  isAfter,
  isMarkerNotFound,
  NOVA_NODE_ORDER,
  novaCursorOf,
  walkKeptLosingPlace,
  WALK_SORT,
} from './nova-cursor';
import { novaActionBody } from './nova-state';
import { novaNameQuery } from './nova-filters';

/** pkgcloud's own margin: a token this close to expiry is renewed before use. */
export const EARLY_RENEWAL_MS = 5 * 60_000;
/** Nova rejects user_data longer than this once base64-encoded. */
const USER_DATA_MAX = 65_535;
/** First pause before logging in again after Nova refused a fresh token; doubles up to the max. */
const RELOGIN_BACKOFF_MS = 1_000;
const RELOGIN_BACKOFF_MAX_MS = 60_000;
/** Bounds a walk over Nova's pages (marker loops, runaway listings). */
const MAX_PAGES = 1_000;
/** Times a walk starts over when Nova forgets its marker, before it gives up. */
const MAX_RESTARTS = 3;

/**
 * Every cloud that speaks Nova's v2.1 API (servers, flavors, images through Nova's proxy, key pairs,
 * availability zones), over pkgcloud's openstack client or a subclass of it (Rackspace's). pkgcloud
 * logs in, keeps the token and the service catalog, and builds every request (URL, X-Auth-Token,
 * socket timeout, agent); the Nova calls go through its `_request` rather than its methods, which
 * return one page of servers and drop the `next` link, send user_data only raw, treat 429 and 502
 * as success and then, on the unexpected body, never call back (getServer, createServer).
 *
 * A provider subclass gives only what differs: its identity service (client options, how a failed
 * login reads) and its endpoint (region, which locations it serves).
 */
/** The server metadata key that carries the create's idempotency mark (CreateNodeRequest.clientToken). */
export const CLIENT_TOKEN_KEY = `${SERVICE_METADATA_PREFIX}client-token`;

export abstract class NovaDriver extends PkgcloudDriver {
  readonly capabilities: Capabilities = { ...ALL_CAPABILITIES };
  readonly nodeOrder = NOVA_NODE_ORDER;
  /** The region of the compute endpoint in the catalog. */
  protected abstract readonly region: string;
  /** The identity service, as login messages name it ("Keystone"). */
  protected abstract readonly identityService: string;
  /** Whether user data must go on a config drive (Rackspace's cloud-init reads it only there). */
  protected readonly userDataOnConfigDrive: boolean = false;
  private authenticating?: Promise<void>;
  /** Pauses logins after Nova refused a token just issued (a 401 storm): another login would not help. */
  private readonly refusedFreshToken = new Backoff(RELOGIN_BACKOFF_MS, RELOGIN_BACKOFF_MAX_MS);
  /**
   * Pauses re-logins after a failed one, like the CloudHandle's login backoff: a token dropped
   * mid-call (Nova's 401) must not make every request start its own login while the identity service
   * fails. Only while a dropped token is being replaced: the first login is the CloudHandle's to pace.
   */
  private readonly failedLogin = new Backoff(RELOGIN_BACKOFF_MS, RELOGIN_BACKOFF_MAX_MS);
  private lastLoginError?: CloudError;
  private tokenDropped = false;

  /** A failed login (the identity service's HTTP answer, or a catalog without this compute endpoint). */
  protected abstract loginError(err: unknown): CloudError;

  /**
   * The availability zone to ask Nova for, for a v1 location; undefined for none. The region stands
   * in as the only location when the cloud lists no zones: it is not a zone to ask for.
   */
  protected availabilityZone(location: string | undefined): string | undefined {
    return location && location !== this.region ? location : undefined;
  }

  /** Where a node runs when Nova names no availability zone. */
  protected defaultLocation(): string | null {
    return null;
  }

  protected classify(err: unknown, operation: string): CloudError {
    return novaError(err, operation);
  }

  override async connect(): Promise<void> {
    await this.ensureToken();
  }

  /**
   * The login goes through the bounded transport like every other request (socket timeout, the
   * driver's agents, the call's signal). Swapped in after construction, keeping the identity class
   * pkgcloud chose, because its rackspace client ignores an `identity` option and picks its own.
   */
  protected override prepareClient(client: ComputeClient): void {
    const Chosen = (client._identity as object).constructor as IdentityClass;
    const Bounded = boundedIdentity(Chosen, this.agents, this.settings.timeoutMs);
    client._identity = new Bounded(client._getIdentityOptions());
  }

  // ---- token ---------------------------------------------------------------------------------

  /** A valid token, logging in when there is none or it is about to expire. */
  protected async ensureToken(): Promise<void> {
    if (!this.client._isAuthorized()) await this.authenticate();
  }

  /**
   * One login at a time, shared by concurrent callers. Its request has a socket timeout and the
   * call's signal (see prepareClient); the timer bounds the whole login, which an identity service
   * trickling its answer could otherwise stretch past the socket's idle timeout.
   */
  private authenticate(): Promise<void> {
    if (!this.authenticating && this.tokenDropped && this.failedLogin.active && this.lastLoginError) {
      return Promise.reject(this.lastLoginError);
    }
    if (!this.authenticating) {
      const ms = this.settings.timeoutMs;
      const attempt: Promise<void> = withTimeout(
        // A synchronous throw rejects too (the executor catches it). pkgcloud hands back its own
        // error objects; loginError classifies them below.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        new Promise<void>((resolve, reject) => this.client.auth((err: unknown) => (err ? reject(err) : resolve()))),
        ms,
        () => new CloudError('timeout', `log in to ${this.identityService}: no answer within ${ms} ms`),
      )
        .then(() => {
          this.failedLogin.succeeded();
          this.tokenDropped = false;
          this.tuneEarlyRenewal();
        })
        .catch((err: unknown) => {
          const error = err instanceof CloudError ? err : this.loginError(err);
          // A login stopped by its caller's deadline says nothing about the identity service.
          if (!(err instanceof RequestAborted)) {
            this.failedLogin.failed();
            this.lastLoginError = error;
          }
          throw error;
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
    this.tokenDropped = true;
  }

  // ---- Nova requests -------------------------------------------------------------------------

  /**
   * One Nova request with a valid token. A 401 means Nova (its auth middleware, before any work)
   * no longer accepts the token: revoked, or expired early. The request was not carried out, so it
   * is sent once more after a new login, writes included; only a 401 at login means bad credentials.
   * When Nova refuses a token just issued too, another login will not help for a while (a 401
   * storm): the token is kept and no login is tried until a backoff (1 s doubling to 60 s, jittered)
   * has passed, so a broken Nova cannot make every request cost identity-service logins.
   */
  protected async nova(operation: string, request: ProviderRequest): Promise<ProviderResponse> {
    await this.ensureToken();
    const token = this.currentToken();
    let response = await this.send(operation, request);
    if (response.status === 401 && !this.refusedFreshToken.active) {
      this.forgetToken(token);
      await this.authenticate();
      response = await this.send(operation, request);
      if (response.status === 401) this.refusedFreshToken.failed();
    }
    if (response.status !== 401) this.refusedFreshToken.succeeded();
    if (response.status >= 400) throw this.classify(asHttpError(response), operation);
    return response;
  }

  /**
   * Every item of a Nova collection, following its `<key>_links` next links (Nova caps pages at
   * max_limit). When Nova no longer knows a marker (the item was deleted during the walk) the walk
   * starts again and keeps each item once.
   */
  private async listAll(
    operation: string,
    path: string,
    key: string,
    filter: Record<string, string> = {},
  ): Promise<any[]> {
    const items = new Map<string, any>();
    let marker: string | undefined;
    let restarts = 0;
    for (let page = 0; page < MAX_PAGES; page++) {
      const qs = { ...filter, ...(marker ? { marker } : {}) };
      let body: Record<string, any>;
      try {
        body = jsonObject(
          operation,
          await this.nova(operation, { path, ...(Object.keys(qs).length ? { qs } : {}) }),
          key,
        );
      } catch (error) {
        if (!marker || !isMarkerNotFound(error)) throw error;
        if (restarts === MAX_RESTARTS) throw walkKeptLosingPlace(operation, restarts, error);
        restarts++;
        marker = undefined;
        continue;
      }
      const batch: any[] = Array.isArray(body[key]) ? body[key] : [];
      for (const item of batch) {
        const id = String(item?.id ?? item?.keypair?.name ?? item?.name);
        if (!items.has(id)) items.set(id, item);
      }
      const next = nextMarker(body[`${key}_links`]);
      if (!next || !batch.length || next === marker) break;
      marker = next;
    }
    return [...items.values()];
  }

  protected toNode(server: any): CloudNode {
    return novaNode(server, this.defaultLocation());
  }

  // ---- nodes ---------------------------------------------------------------------------------

  /**
   * Walks Nova's pages (each capped at its max_limit) until `limit` nodes are found, sorted on keys
   * that never change (WALK_SORT) so that a place in the walk holds while servers come and go. One
   * more than needed is asked for, so `next` is set only when Nova has more. The cursor names the
   * last node handed out by its sort keys (see NovaCursor): when Nova no longer knows that node as a
   * marker (deleted, "marker [x] not found") the walk starts again from Nova's first page, and
   * whatever is not after the cursor (repeats, nodes created since, a building server Nova lists
   * twice) is skipped. So every node that exists throughout a walk is listed exactly once.
   */
  async listNodes(page: PageRequest): Promise<Page<CloudNode>> {
    const cursor = decodeNovaCursor(page.marker);
    const nodes: CloudNode[] = [];
    const seen = new Set<string>();
    // The place of the last node handed out (at first the cursor's): only what comes after it is taken,
    // so a node Nova lists out of its place (after a restart, or in a racy page) never moves the walk back.
    let position = cursor;
    let last: unknown;
    let marker = cursor?.id;
    let restarts = 0;
    let confirming = false;
    const name = novaNameQuery(page.filter); // a hint: the service checks every node (see PageRequest)
    for (let round = 0; round < MAX_PAGES; round++) {
      const want = page.limit - nodes.length;
      const qs = { ...WALK_SORT, limit: want + 1, ...(marker ? { marker } : {}), ...(name ? { name } : {}) };
      let body: Record<string, any>;
      try {
        body = jsonObject('list nodes', await this.nova('list nodes', { path: 'servers/detail', qs }), 'servers');
      } catch (error) {
        if (!marker || !isMarkerNotFound(error)) throw error;
        // A bare uuid (a cursor issued before cursors carried created_at) has no place to resume from.
        if (!position?.at) {
          throw new CloudError(
            'cursor_expired',
            'list nodes: the node this cursor ended at is gone and the cursor carries no position to resume from',
            { cause: error },
          );
        }
        if (restarts === MAX_RESTARTS) throw walkKeptLosingPlace('list nodes', restarts, error);
        restarts++;
        marker = undefined;
        continue;
      }
      const servers: any[] = Array.isArray(body.servers) ? body.servers : [];
      for (const server of servers) {
        const id = String(server?.id);
        if (seen.has(id) || !isAfter(server, position)) continue;
        if (nodes.length === page.limit) return { items: nodes, next: encodeNovaCursor(last as object) };
        seen.add(id);
        nodes.push(this.toNode(server));
        last = server;
        position = novaCursorOf(server);
      }
      const next = nextMarker(body.servers_links);
      if (!servers.length) break;
      if (!next) {
        // Nova links a next page only after a full one, and a page can come back short while more
        // follow: a server being scheduled is listed from its build request and from its cell, and
        // Nova drops the duplicate after counting it. So a short page holding a building server is
        // confirmed by asking once more after its last server; only then does the walk end.
        if (confirming || !servers.some((s) => s?.status === 'BUILD')) break;
        confirming = true;
        marker = String(servers[servers.length - 1]?.id);
        continue;
      }
      confirming = false;
      marker = next;
    }
    return { items: nodes };
  }

  async getNode(id: string): Promise<CloudNode> {
    const body = jsonObject(
      'get node',
      await this.nova('get node', { path: `servers/${segment(id, 'server')}` }),
      'server',
    );
    return this.toNode(body.server);
  }

  /** Creates, then reads the server once: Nova's create answer has an id but no status. */
  async createNode(request: CreateNodeRequest): Promise<CloudNode> {
    const server = this.serverBody(request);
    const response = await this.nova('create node', { method: 'POST', path: 'servers', body: { server } });
    const id = String(jsonObject('create node', response, 'server').server?.id ?? '');
    if (!id) throw new CloudError('unavailable', 'create node: the cloud accepted the server but sent no id');
    try {
      return await this.getNode(id);
    } catch {
      return this.pendingNode(id, request, server.availability_zone as string | undefined);
    }
  }

  /**
   * Nova cannot filter by metadata: the servers with the create's name (Nova's `name` filter is a
   * regular expression, so the name is anchored and escaped) are read and matched on the mark.
   */
  async findNodeByClientToken(clientToken: string, name?: string): Promise<CloudNode | undefined> {
    const filter: Record<string, string> = name ? { name: `^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$` } : {};
    const servers = await this.listAll('find node by client token', 'servers/detail', 'servers', filter);
    const server = servers.find((s) => s?.metadata?.[CLIENT_TOKEN_KEY] === clientToken);
    return server ? this.toNode(server) : undefined;
  }

  async nodeAction(id: string, action: NodeAction): Promise<CloudNode> {
    if (!this.capabilities[action]) {
      throw new CloudError('unsupported', `${action} of nodes is not supported by this cloud (${this.engine})`);
    }
    // Start and stop send what the server's status needs (unpause, resume, ...): read it first.
    const status = action === 'reboot' ? undefined : (await this.getNode(id)).extra.status;
    const path = `servers/${segment(id, 'server')}/action`;
    await this.nova(`${action} node`, { method: 'POST', path, body: novaActionBody(action, status) });
    return this.getNode(id);
  }

  async destroyNode(id: string): Promise<void> {
    await this.nova('destroy node', { method: 'DELETE', path: `servers/${segment(id, 'server')}` });
  }

  /** The POST /servers body, as Nova 2.1 wants it (user_data base64, networks as {uuid}). */
  private serverBody(request: CreateNodeRequest): Record<string, unknown> {
    const server: Record<string, unknown> = { name: request.name, imageRef: request.image, flavorRef: request.size };
    if (request.keyName) server.key_name = request.keyName;
    const metadata = {
      ...(request.metadata ?? {}),
      ...(request.clientToken ? { [CLIENT_TOKEN_KEY]: request.clientToken } : {}),
    };
    if (Object.keys(metadata).length) server.metadata = metadata;
    if (request.userData) {
      const encoded = Buffer.from(request.userData, 'utf8').toString('base64');
      if (encoded.length > USER_DATA_MAX) {
        throw new CloudError(
          'invalid_request',
          `create node: user data is ${encoded.length} bytes once base64-encoded; Nova takes at most ${USER_DATA_MAX}`,
        );
      }
      server.user_data = encoded;
      if (this.userDataOnConfigDrive) server.config_drive = true;
    }
    if (request.networks?.length) server.networks = request.networks.map((uuid) => ({ uuid }));
    const zone = this.availabilityZone(request.location);
    if (zone) server.availability_zone = zone;
    return server;
  }

  /** What is known of a server Nova accepted but could not show yet. */
  private pendingNode(id: string, request: CreateNodeRequest, zone: string | undefined): CloudNode {
    return {
      id,
      name: request.name,
      state: 'pending',
      publicIps: [],
      privateIps: [],
      imageId: request.image,
      sizeId: request.size,
      locationId: zone ?? this.defaultLocation(),
      createdAt: null,
      metadata: { ...(request.metadata ?? {}) },
      extra: { status: 'BUILD', ...(request.keyName ? { keyName: request.keyName } : {}) },
    };
  }

  // ---- catalog -------------------------------------------------------------------------------

  async listImages(): Promise<CloudImage[]> {
    return (await this.listAll('list images', 'images/detail', 'images')).map(novaImage);
  }

  async listSizes(): Promise<CloudSize[]> {
    return (await this.listAll('list sizes', 'flavors/detail', 'flavors')).map(novaSize);
  }

  /** Nova's availability zones; the region alone when the cloud has none to show (or hides them). */
  async listLocations(): Promise<CloudLocation[]> {
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
      return [{ id: this.region, name: this.region, country: null, extra: { region: this.region, kind: 'region' } }];
    }
    return available.map((z) => ({
      id: String(z.zoneName),
      name: String(z.zoneName),
      country: null,
      extra: { region: this.region, kind: 'availability-zone' },
    }));
  }

  // ---- key pairs -----------------------------------------------------------------------------

  async listKeyPairs(): Promise<CloudKeyPair[]> {
    return (await this.listAll('list key pairs', 'os-keypairs', 'keypairs')).map(novaKeyPair);
  }

  async importKeyPair(name: string, publicKey: string): Promise<CloudKeyPair> {
    const body = { keypair: { name, public_key: publicKey } };
    const response = await this.nova('import key pair', { method: 'POST', path: 'os-keypairs', body });
    return novaKeyPair(jsonObject('import key pair', response, 'keypair').keypair);
  }

  async deleteKeyPair(name: string): Promise<void> {
    const path = `os-keypairs/${segment(name, 'key pair')}`;
    await this.nova('delete key pair', { method: 'DELETE', path });
  }
}

/** One path segment: encoded, and never "." or ".." (which the URL would resolve to another resource). */
function segment(value: string, what: string): string {
  if (value === '.' || value === '..') throw new CloudError('not_found', `${what} ${JSON.stringify(value)} not found`);
  return encodeURIComponent(value);
}
