import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import * as pkgcloud from 'pkgcloud';
import { CloudError } from '../../driver/cloud-error';
import {
  ALL_CAPABILITIES,
  Capabilities,
  CloudImage,
  CloudKeyPair,
  CloudLocation,
  CloudNode,
  CloudSize,
  ComputeDriver,
  CreateNodeRequest,
  NodeAction,
  NodeState,
  Page,
  PageRequest,
} from '../../driver/compute-driver';
import { toCloudError } from './pkgcloud-error';
import { asHttpError, ProviderRequest, ProviderResponse, providerRequest } from './pkgcloud-request';

/** pkgcloud's normalised server statuses, for providers whose own states add nothing finer. */
const PKGCLOUD_STATES: Record<string, NodeState> = {
  RUNNING: 'running',
  PROVISIONING: 'pending',
  REBOOT: 'rebooting',
  STOPPED: 'stopped',
  TERMINATED: 'terminated',
  ERROR: 'error',
  UPDATING: 'pending',
  UNKNOWN: 'unknown',
};

export interface PkgcloudDriverSettings {
  cloud: string;
  /** Socket timeout for each HTTP request pkgcloud makes. */
  timeoutMs: number;
}

/**
 * The generic driver over a pkgcloud compute client. A provider subclass supplies the client's
 * options (construction) and, where its API needs it, a login step (connect); it overrides the
 * mapping hooks only where the provider's shapes differ. pkgcloud quirks stop here: callbacks become
 * promises, every request gets a socket timeout and a keep-alive agent, and errors become CloudErrors.
 */
export abstract class PkgcloudDriver implements ComputeDriver {
  abstract readonly engine: string;
  readonly capabilities: Capabilities = { ...ALL_CAPABILITIES };

  private clientInstance?: pkgcloud.ComputeClient;
  protected readonly agents = {
    http: new HttpAgent({ keepAlive: true, maxSockets: 32 }),
    https: new HttpsAgent({ keepAlive: true, maxSockets: 32 }),
  };

  protected constructor(protected readonly settings: PkgcloudDriverSettings) {}

  /** The options handed to pkgcloud.compute.createClient (construction). */
  protected abstract clientOptions(): Record<string, unknown>;

  /** Log in; by default pkgcloud authenticates lazily on the first call, so this checks nothing. */
  protected async login(_client: pkgcloud.ComputeClient): Promise<void> {}

  protected get client(): pkgcloud.ComputeClient {
    if (!this.clientInstance) {
      const client = pkgcloud.compute.createClient(this.clientOptions());
      const timeout = this.settings.timeoutMs;
      const agents = this.agents;
      client.before = client.before ?? [];
      client.before.push((req: any) => {
        req.timeout = timeout;
        // `before` runs before pkgcloud sets req.uri: work the URL out as pkgcloud will, or an
        // http: endpoint would get the https agent and fail ("Protocol "http:" not supported").
        const uri = String(req.uri ?? urlOf(client, req));
        req.agent = uri.startsWith('http:') ? agents.http : agents.https;
        return req;
      });
      this.clientInstance = client;
    }
    return this.clientInstance;
  }

  async connect(): Promise<void> {
    await this.login(this.client);
  }

  async close(): Promise<void> {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  /** Calls a node-style pkgcloud method and settles once, whatever the provider's callback does. */
  protected invoke<T = any>(operation: string, method: string, ...args: unknown[]): Promise<T> {
    const client = this.client;
    if (typeof client[method] !== 'function') {
      return Promise.reject(new CloudError('unsupported', `${operation} is not supported by ${this.engine}`));
    }
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const callback: pkgcloud.Callback<T> = (err, result) => {
        if (settled) return;
        settled = true;
        if (err) reject(this.classify(err, operation));
        else resolve(result as T);
      };
      try {
        client[method](...args, callback);
      } catch (err) {
        callback(err);
      }
    });
  }

  /** Provider hook: refine the generic error mapping (e.g. a 400 that means "no such flavor"). */
  protected classify(err: unknown, operation: string): CloudError {
    return toCloudError(err, operation);
  }

  /**
   * One HTTP exchange through the client's own `_request` (see providerRequest), answered whatever
   * the status; a failure with no answer at all becomes a CloudError through `failedRequest`.
   */
  protected async send(operation: string, request: ProviderRequest): Promise<ProviderResponse> {
    try {
      return await providerRequest(this.client, request);
    } catch (err) {
      throw this.failedRequest(err, operation);
    }
  }

  /** `send`, with an error status turned into a CloudError through `classify`. */
  protected async exchange(operation: string, request: ProviderRequest): Promise<ProviderResponse> {
    const response = await this.send(operation, request);
    if (response.status >= 400) throw this.classify(asHttpError(response), operation);
    return response;
  }

  /** Provider hook: a request that got no HTTP answer (socket error, timeout, failed inline login). */
  protected failedRequest(err: unknown, operation: string): CloudError {
    return this.classify(err, operation);
  }

  // ---- mapping hooks -------------------------------------------------------------------------

  protected nodeState(server: any): NodeState {
    return PKGCLOUD_STATES[String(server?.status ?? '').toUpperCase()] ?? 'unknown';
  }

  protected toNode(server: any): CloudNode {
    const addresses = server?.addresses ?? {};
    return {
      id: String(server.id),
      name: String(server.name ?? ''),
      state: this.nodeState(server),
      publicIps: ips(addresses.public),
      privateIps: ips(addresses.private),
      imageId: server.imageId != null ? String(server.imageId) : null,
      sizeId: server.flavorId != null ? String(server.flavorId) : null,
      locationId: null,
      createdAt: isoOrNull(server.created),
      metadata: stringRecord(server.metadata),
      extra: {},
    };
  }

  protected toImage(image: any): CloudImage {
    return { id: String(image.id), name: String(image.name ?? image.id), extra: {} };
  }

  protected toSize(flavor: any): CloudSize {
    return flavorSize(flavor);
  }

  protected toKeyPair(key: any): CloudKeyPair {
    const k = key?.keypair ?? key;
    return {
      name: String(k.name ?? k.KeyName ?? k.keyName),
      fingerprint: k.fingerprint ?? k.KeyFingerprint ?? null,
      publicKey: k.public_key ?? k.publicKey ?? null,
    };
  }

  /** The pkgcloud createServer options for a v1 create request. */
  protected createOptions(request: CreateNodeRequest): Record<string, unknown> {
    return {
      name: request.name,
      image: request.image,
      flavor: request.size,
      ...(request.keyName ? { keyname: request.keyName } : {}),
      ...(request.userData ? { personality: [], userData: request.userData } : {}),
      ...(request.metadata ? { metadata: request.metadata } : {}),
    };
  }

  // ---- the driver interface ------------------------------------------------------------------

  /** Default: the provider returns everything in one answer; subclasses whose API pages override. */
  async listNodes(page: PageRequest): Promise<Page<CloudNode>> {
    const servers = await this.invoke<any[]>('list nodes', 'getServers');
    const nodes = servers.map((s) => this.toNode(s)).sort((a, b) => a.id.localeCompare(b.id));
    const start = page.marker ? nodes.findIndex((n) => n.id > page.marker!) : 0;
    const items = start < 0 ? [] : nodes.slice(start, start + page.limit);
    const last = items[items.length - 1];
    return { items, next: last && start + page.limit < nodes.length ? last.id : undefined };
  }

  async getNode(id: string): Promise<CloudNode> {
    return this.toNode(await this.invoke('get node', 'getServer', id));
  }

  async createNode(request: CreateNodeRequest): Promise<CloudNode> {
    const created = await this.invoke('create node', 'createServer', this.createOptions(request));
    return this.toNode(created);
  }

  async nodeAction(id: string, action: NodeAction): Promise<CloudNode> {
    const method = { reboot: 'rebootServer', start: 'startServer', stop: 'stopServer' }[action];
    await this.invoke(`${action} node`, method, id);
    return this.getNode(id);
  }

  async destroyNode(id: string): Promise<void> {
    await this.invoke('destroy node', 'destroyServer', id);
  }

  async listImages(): Promise<CloudImage[]> {
    return (await this.invoke<any[]>('list images', 'getImages')).map((i) => this.toImage(i));
  }

  async listSizes(): Promise<CloudSize[]> {
    return (await this.invoke<any[]>('list sizes', 'getFlavors')).map((f) => this.toSize(f));
  }

  async listLocations(): Promise<CloudLocation[]> {
    throw new CloudError('unsupported', `listing locations is not supported by ${this.engine}`);
  }

  async listKeyPairs(): Promise<CloudKeyPair[]> {
    return (await this.invoke<any[]>('list key pairs', 'listKeys')).map((k) => this.toKeyPair(k));
  }

  async importKeyPair(name: string, publicKey: string): Promise<CloudKeyPair> {
    return this.toKeyPair(await this.invoke('import key pair', 'addKey', { name, public_key: publicKey }));
  }

  async deleteKeyPair(name: string): Promise<void> {
    await this.invoke('delete key pair', 'destroyKey', name);
  }
}

function ips(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((a) => (typeof a === 'string' ? a : a?.addr)).filter((a): a is string => typeof a === 'string');
}

/** A Nova-style flavor (id, name, ram MiB, disk GiB, vcpus) as a size; no price, no extras. */
export function flavorSize(flavor: any): CloudSize {
  return {
    id: String(flavor.id),
    name: String(flavor.name ?? flavor.id),
    ram: numberOrNull(flavor.ram),
    disk: numberOrNull(flavor.disk),
    vcpus: numberOrNull(flavor.vcpus),
    price: null,
    extra: {},
  };
}

export function isoOrNull(value: unknown): string | null {
  if (value == null || value === '') return null;
  const d = new Date(value as string);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

export function numberOrNull(value: unknown): number | null {
  const n = Number(value);
  return value == null || value === '' || !Number.isFinite(n) ? null : n;
}

export function stringRecord(value: unknown): Record<string, string> {
  if (!value || typeof value !== 'object') return {};
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
}

/** The URL pkgcloud will request for `req`, or '' when the client cannot tell yet. */
function urlOf(client: pkgcloud.ComputeClient, req: any): string {
  try {
    return typeof client._getUrl === 'function' ? String(client._getUrl(req) ?? '') : '';
  } catch {
    return '';
  }
}
