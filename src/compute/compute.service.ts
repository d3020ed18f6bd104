import { Injectable } from '@nestjs/common';
import { POLL_NODES } from '../cloud/background-operations';
import { CloudHandle } from '../cloud/cloud-handle';
import { CloudRegistry } from '../cloud/cloud-registry';
import { CloudError } from '../cloud/driver/cloud-error';
import {
  Capabilities,
  CloudImage,
  CloudKeyPair,
  CloudLocation,
  CloudNode,
  CloudSize,
  CreateNodeRequest,
  NodeAction,
} from '../cloud/driver/compute-driver';
import { CursorSeal } from '../cursors/cursor-seal';
import { CatalogCaches, CatalogEntry } from './catalog-cache';
import { decodeCursor, encodeCursor, NodeListing, ScanPosition } from './cursor';
import { filterKey, NodeFilter } from './node-filter';
import { NodeSightings } from './node-sightings';
import { FILTER_PAGE_SIZE, scanNodes } from './node-scan';

export interface CloudSummary {
  name: string;
  engine: string;
  provider: string;
  default: boolean;
  capabilities: Capabilities;
}

export type NodeView = CloudNode & { cloud: string };

/** A listing request: page size, the previous page's cursor, and filters. */
export interface NodeListQuery {
  /** 1-1000 */
  limit: number;
  cursor?: string;
  filter?: NodeFilter;
}

export interface NodePage {
  items: NodeView[];
  /** Absent on the last page. */
  nextCursor?: string;
}

export interface CloudFailure {
  cloud: string;
  error: CloudError;
}

/** Most nodes of one cloud the operation watcher reads per pass (ten pages of 1,000). */
const WATCHED_NODES_PER_CLOUD = 10_000;

const ACTION_CAPABILITY: Record<NodeAction, keyof Capabilities> = { reboot: 'reboot', start: 'start', stop: 'stop' };

/**
 * The v1 use cases over the configured clouds. Knows clouds and drivers, not HTTP. Every node it
 * reads for a caller or gets back from a write is reported to NodeSightings, so an operation waiting
 * for the state the service just answered completes from that answer (see OperationSightings).
 */
@Injectable()
export class ComputeService {
  constructor(
    private readonly registry: CloudRegistry,
    private readonly catalogs: CatalogCaches,
    private readonly seal: CursorSeal,
    private readonly sightings: NodeSightings,
  ) {}

  listClouds(): CloudSummary[] {
    return this.registry.list().map(summary);
  }

  getCloud(name: string): CloudSummary {
    return summary(this.cloud(name));
  }

  /**
   * One page of one cloud's nodes, filtered (see scanNodes): `limit` nodes whenever that many match,
   * and a `nextCursor` while more may follow. Throws `invalid_cursor` for a cursor of another cloud
   * or of other filters, `cursor_expired` when the cloud can no longer find the cursor's place.
   */
  async listNodes(name: string, query: NodeListQuery): Promise<NodePage> {
    const cloud = this.cloud(name);
    const filter = query.filter ?? {};
    const key = filterKey(filter);
    const listing: NodeListing = { kind: 'nodes', cloud: cloud.name, filter: key };
    let from = firstPosition(key, query.limit);
    if (query.cursor) from = this.withCloud(cloud, () => decodeCursor(this.seal, listing, query.cursor!)).position;
    const readAt = Date.now();
    const found = await scanNodes(cloud, from, query.limit, filter);
    const count = found.nodes.length;
    const after = count === query.limit ? found.after(count - 1) : undefined;
    const items = new Array<NodeView>(count);
    for (let i = 0; i < count; i++) items[i] = view(cloud, found.nodes[i]);
    const settling = this.sightings.seen(items, readAt);
    if (settling) await settling;
    return {
      items,
      ...(after ? { nextCursor: encodeCursor(this.seal, listing, { cloud: cloud.name, position: after }) } : {}),
    };
  }

  /**
   * One page of the nodes of every cloud, in configuration order, filtered like listNodes. The first
   * page asks every cloud in parallel; a page that continues inside a cloud asks that cloud first and
   * the later ones (in parallel) only if the page is not full yet. A cloud that fails is reported in
   * `failures` and skipped in this pass; a cloud after a full page is not asked at all.
   */
  async listAllNodes(query: NodeListQuery): Promise<NodePage & { failures: CloudFailure[] }> {
    const readAt = Date.now();
    const page = await this.pageOfAllNodes(query);
    const settling = this.sightings.seen(page.items, readAt);
    if (settling) await settling;
    return page;
  }

  private async pageOfAllNodes(query: NodeListQuery): Promise<NodePage & { failures: CloudFailure[] }> {
    const clouds = this.registry.list();
    const filter = query.filter ?? {};
    const key = filterKey(filter);
    const listing: NodeListing = { kind: 'all-nodes', filter: key };
    let start = 0;
    let from = firstPosition(key, query.limit);
    if (query.cursor) {
      const cursor = decodeCursor(this.seal, listing, query.cursor);
      start = clouds.findIndex((c) => c.name === cursor.cloud);
      // A cursor of ours whose cloud was taken out of the configuration since: its place is gone.
      if (start < 0)
        throw new CloudError(
          'cursor_expired',
          `cursor continues in cloud "${cursor.cloud}", which is no longer configured`,
        );
      from = cursor.position;
    }
    const scan = (i: number) =>
      scanNodes(clouds[i], i === start ? from : firstPosition(key, query.limit), query.limit, filter);
    const indexes = clouds.map((_, i) => i).slice(start);
    const phases = query.cursor ? [indexes.slice(0, 1), indexes.slice(1)] : [indexes];

    const items: NodeView[] = [];
    const failures: CloudFailure[] = [];
    for (const phase of phases) {
      const results = await Promise.allSettled(phase.map(scan));
      for (let j = 0; j < phase.length; j++) {
        const cloud = clouds[phase[j]];
        const result = results[j];
        if (result.status === 'rejected') {
          // The cursor itself failing (forged, or its place gone) is the answer, not one cloud's failure:
          // skipping the rest of that cloud would lose its nodes without a word.
          if (isCursorFault(result.reason)) throw asCloudError(result.reason, cloud.name);
          failures.push({ cloud: cloud.name, error: asCloudError(result.reason, cloud.name) });
          continue;
        }
        const found = result.value;
        const taken = Math.min(found.nodes.length, query.limit - items.length);
        for (let i = 0; i < taken; i++) items.push(view(cloud, found.nodes[i]));
        if (items.length < query.limit) continue;
        const after = found.after(taken - 1);
        const next = clouds[phase[j] + 1];
        const nextCursor = after
          ? encodeCursor(this.seal, listing, { cloud: cloud.name, position: after })
          : next
            ? encodeCursor(this.seal, listing, { cloud: next.name, position: firstPosition(key, query.limit) })
            : undefined;
        return { items, failures, ...(nextCursor ? { nextCursor } : {}) };
      }
    }
    return { items, failures };
  }

  /** Every node of one cloud (all pages, up to the per-cloud cap), for the operation watcher. */
  async allNodesOfCloud(name: string): Promise<NodeView[]> {
    const cloud = this.cloud(name);
    const nodes: NodeView[] = [];
    let marker: string | undefined;
    do {
      const page = await cloud.call(POLL_NODES, (d) => d.listNodes({ limit: 1000, marker }));
      nodes.push(...page.items.map((n) => view(cloud, n)));
      marker = page.next;
    } while (marker && nodes.length < WATCHED_NODES_PER_CLOUD);
    return nodes;
  }

  async getNode(name: string, id: string): Promise<NodeView> {
    const cloud = this.cloud(name);
    const readAt = Date.now();
    return this.saw(readAt, view(cloud, await cloud.read('get node', (d) => d.getNode(id))));
  }

  /**
   * Creates a node. `recovering`: an earlier attempt with the same client token was cut off after it
   * may have reached the cloud, so the cloud is first asked for a node carrying that token, and that
   * node is the answer if there is one (exactly-once across crashes and timeouts).
   */
  async createNode(name: string, request: CreateNodeRequest, recovering = false): Promise<NodeView> {
    const cloud = this.cloud(name);
    if (request.userData !== undefined) this.require(cloud, 'userData', 'user data');
    if (request.metadata !== undefined && Object.keys(request.metadata).length)
      this.require(cloud, 'metadata', 'node metadata');
    const token = request.clientToken;
    if (recovering && token) {
      if (!cloud.driver.findNodeByClientToken) {
        throw this.tag(
          cloud,
          new CloudError(
            'conflict',
            'an earlier attempt with this Idempotency-Key was cut off, and this cloud cannot be asked whether it created the node: list the nodes, then retry with a new key if there is none',
          ),
        );
      }
      const readAt = Date.now();
      const found = await cloud.call('find node by client token', (d) => d.findNodeByClientToken!(token, request.name));
      if (found) return this.saw(readAt, view(cloud, found));
    }
    const sentAt = Date.now();
    return this.saw(sentAt, view(cloud, await cloud.call('create node', (d) => d.createNode(request))));
  }

  /**
   * The node an earlier create marked with `clientToken`, if the cloud has it; undefined when it has
   * none. A cloud whose driver cannot look marks up answers with an `unsupported` CloudError.
   */
  async findNodeByClientToken(name: string, clientToken: string, nodeName?: string): Promise<NodeView | undefined> {
    const cloud = this.cloud(name);
    if (!cloud.driver.findNodeByClientToken) {
      throw this.tag(
        cloud,
        new CloudError('unsupported', `this cloud (${cloud.engine}) cannot find a node by its mark`),
      );
    }
    const found = await cloud.call('find node by client token', (d) => d.findNodeByClientToken!(clientToken, nodeName));
    return found && view(cloud, found);
  }

  async nodeAction(name: string, id: string, action: NodeAction): Promise<NodeView> {
    const cloud = this.cloud(name);
    this.require(cloud, ACTION_CAPABILITY[action], `${action} of nodes`);
    const sentAt = Date.now();
    return this.saw(sentAt, view(cloud, await cloud.call(`${action} node`, (d) => d.nodeAction(id, action))));
  }

  /**
   * Destroys a node. Operations still waiting on it (none of the service's reads saw the node in the
   * state they wait for) end cancelled once the cloud accepted the destroy (see
   * OperationSightings.destroying).
   */
  async destroyNode(name: string, id: string): Promise<void> {
    const cloud = this.cloud(name);
    const settle = await this.sightings.destroying(cloud.name, id);
    await cloud.call('destroy node', (d) => d.destroyNode(id));
    await settle?.();
  }

  /** The catalogue reads are cached per cloud (catalogTtlMs) and come with a version (ETag). */
  async listImages(name: string): Promise<CatalogEntry<CloudImage>> {
    const cloud = this.cloud(name);
    return this.catalogs.of(cloud.name).get('images', () => cloud.read('list images', (d) => d.listImages()));
  }

  async listSizes(name: string): Promise<CatalogEntry<CloudSize>> {
    const cloud = this.cloud(name);
    return this.catalogs.of(cloud.name).get('sizes', () => cloud.read('list sizes', (d) => d.listSizes()));
  }

  async listLocations(name: string): Promise<CatalogEntry<CloudLocation>> {
    const cloud = this.cloud(name);
    this.require(cloud, 'locations', 'listing locations');
    return this.catalogs.of(cloud.name).get('locations', () => cloud.read('list locations', (d) => d.listLocations()));
  }

  async listKeyPairs(name: string): Promise<CatalogEntry<CloudKeyPair>> {
    const cloud = this.cloud(name);
    this.require(cloud, 'keyPairs', 'key pairs');
    return this.catalogs.of(cloud.name).get('keyPairs', () => cloud.read('list key pairs', (d) => d.listKeyPairs()));
  }

  async importKeyPair(name: string, keyName: string, publicKey: string): Promise<CloudKeyPair> {
    const cloud = this.cloud(name);
    this.require(cloud, 'importKeyPair', 'importing key pairs');
    try {
      return await cloud.call('import key pair', (d) => d.importKeyPair(keyName, publicKey));
    } finally {
      // Also after a failure: a timed-out import may still have happened at the cloud.
      this.catalogs.of(cloud.name).invalidate('keyPairs');
    }
  }

  async deleteKeyPair(name: string, keyName: string): Promise<void> {
    const cloud = this.cloud(name);
    this.require(cloud, 'keyPairs', 'key pairs');
    try {
      await cloud.call('delete key pair', (d) => d.deleteKeyPair(keyName));
    } finally {
      this.catalogs.of(cloud.name).invalidate('keyPairs');
    }
  }

  /** Reports one node the service saw (waits only while an operation completes from it). */
  private saw(readAt: number, node: NodeView): NodeView | Promise<NodeView> {
    const settling = this.sightings.seen([node], readAt);
    return settling ? settling.then(() => node) : node;
  }

  private cloud(name: string): CloudHandle {
    const cloud = this.registry.get(name);
    if (!cloud) {
      const known = this.registry
        .list()
        .map((c) => c.name)
        .join(', ');
      throw new CloudError('not_found', `no cloud named "${name}" is configured (clouds: ${known})`);
    }
    return cloud;
  }

  private require(cloud: CloudHandle, capability: keyof Capabilities, what: string): void {
    if (!cloud.driver.capabilities[capability]) {
      throw this.tag(cloud, new CloudError('unsupported', `${what} is not supported by this cloud (${cloud.engine})`));
    }
  }

  private withCloud<T>(cloud: CloudHandle, work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw CloudError.is(error) ? this.tag(cloud, error) : error;
    }
  }

  private tag(cloud: CloudHandle, error: CloudError): CloudError {
    error.cloud = cloud.name;
    return error;
  }
}

function summary(cloud: CloudHandle): CloudSummary {
  return {
    name: cloud.name,
    engine: cloud.engine,
    provider: cloud.provider,
    default: cloud.isDefault,
    capabilities: { ...cloud.driver.capabilities },
  };
}

function view(cloud: CloudHandle, node: CloudNode): NodeView {
  const { id, name, state, publicIps, privateIps, imageId, sizeId, locationId, createdAt, metadata, extra } = node;
  return {
    id,
    cloud: cloud.name,
    name,
    state,
    publicIps,
    privateIps,
    imageId,
    sizeId,
    locationId,
    createdAt,
    metadata,
    extra,
  };
}

/**
 * Where a listing starts in a cloud: unfiltered, one driver page per API page (the driver's marker
 * is the cursor, as before filters existed); filtered, large driver pages checked by the service.
 */
function firstPosition(filterKey: string, limit: number): ScanPosition {
  return { pageSize: filterKey ? FILTER_PAGE_SIZE : limit };
}

function isCursorFault(reason: unknown): boolean {
  return CloudError.is(reason) && (reason.kind === 'invalid_cursor' || reason.kind === 'cursor_expired');
}

function asCloudError(reason: unknown, cloud: string): CloudError {
  const error = CloudError.is(reason)
    ? reason
    : new CloudError('unavailable', 'the driver failed unexpectedly', { cause: reason });
  error.cloud ??= cloud;
  return error;
}
