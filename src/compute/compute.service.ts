import { Injectable } from '@nestjs/common';
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
import { decodeCursor, encodeCursor } from './cursor';

export interface CloudSummary {
  name: string;
  engine: string;
  provider: string;
  default: boolean;
  capabilities: Capabilities;
}

export type NodeView = CloudNode & { cloud: string };

export interface CloudFailure {
  cloud: string;
  error: CloudError;
}

/** Most nodes one cloud contributes to the all-clouds listing; beyond it, page that cloud directly. */
const ALL_NODES_PER_CLOUD = 10_000;

const ACTION_CAPABILITY: Record<NodeAction, keyof Capabilities> = { reboot: 'reboot', start: 'start', stop: 'stop' };

/** The v1 use cases over the configured clouds. Knows clouds and drivers, not HTTP. */
@Injectable()
export class ComputeService {
  constructor(private readonly registry: CloudRegistry) {}

  listClouds(): CloudSummary[] {
    return this.registry.list().map(summary);
  }

  getCloud(name: string): CloudSummary {
    return summary(this.cloud(name));
  }

  async listNodes(name: string, limit: number, cursor?: string): Promise<{ items: NodeView[]; nextCursor?: string }> {
    const cloud = this.cloud(name);
    const marker = cursor ? this.withCloud(cloud, () => decodeCursor(cloud.name, cursor)) : undefined;
    const page = await cloud.call('list nodes', (d) => d.listNodes({ limit, marker }));
    return {
      items: page.items.map((n) => view(cloud, n)),
      ...(page.next ? { nextCursor: encodeCursor(cloud.name, page.next) } : {}),
    };
  }

  /** Every cloud, in parallel; a cloud that fails is reported and does not hold back the others. */
  async listAllNodes(): Promise<{ items: NodeView[]; failures: CloudFailure[] }> {
    const results = await Promise.allSettled(this.registry.list().map((cloud) => this.allNodesOf(cloud)));
    const items: NodeView[] = [];
    const failures: CloudFailure[] = [];
    results.forEach((result, i) => {
      const cloud = this.registry.list()[i];
      if (result.status === 'fulfilled') items.push(...result.value);
      else failures.push({ cloud: cloud.name, error: asCloudError(result.reason, cloud.name) });
    });
    return { items, failures };
  }

  async getNode(name: string, id: string): Promise<NodeView> {
    const cloud = this.cloud(name);
    return view(cloud, await cloud.call('get node', (d) => d.getNode(id)));
  }

  async createNode(name: string, request: CreateNodeRequest): Promise<NodeView> {
    const cloud = this.cloud(name);
    if (request.userData !== undefined) this.require(cloud, 'userData', 'user data');
    if (request.metadata !== undefined && Object.keys(request.metadata).length)
      this.require(cloud, 'metadata', 'node metadata');
    return view(cloud, await cloud.call('create node', (d) => d.createNode(request)));
  }

  async nodeAction(name: string, id: string, action: NodeAction): Promise<NodeView> {
    const cloud = this.cloud(name);
    this.require(cloud, ACTION_CAPABILITY[action], `${action} of nodes`);
    return view(cloud, await cloud.call(`${action} node`, (d) => d.nodeAction(id, action)));
  }

  async destroyNode(name: string, id: string): Promise<void> {
    const cloud = this.cloud(name);
    await cloud.call('destroy node', (d) => d.destroyNode(id));
  }

  async listImages(name: string): Promise<CloudImage[]> {
    return this.cloud(name).call('list images', (d) => d.listImages());
  }

  async listSizes(name: string): Promise<CloudSize[]> {
    return this.cloud(name).call('list sizes', (d) => d.listSizes());
  }

  async listLocations(name: string): Promise<CloudLocation[]> {
    const cloud = this.cloud(name);
    this.require(cloud, 'locations', 'listing locations');
    return cloud.call('list locations', (d) => d.listLocations());
  }

  async listKeyPairs(name: string): Promise<CloudKeyPair[]> {
    const cloud = this.cloud(name);
    this.require(cloud, 'keyPairs', 'key pairs');
    return cloud.call('list key pairs', (d) => d.listKeyPairs());
  }

  async importKeyPair(name: string, keyName: string, publicKey: string): Promise<CloudKeyPair> {
    const cloud = this.cloud(name);
    this.require(cloud, 'importKeyPair', 'importing key pairs');
    return cloud.call('import key pair', (d) => d.importKeyPair(keyName, publicKey));
  }

  async deleteKeyPair(name: string, keyName: string): Promise<void> {
    const cloud = this.cloud(name);
    this.require(cloud, 'keyPairs', 'key pairs');
    await cloud.call('delete key pair', (d) => d.deleteKeyPair(keyName));
  }

  private async allNodesOf(cloud: CloudHandle): Promise<NodeView[]> {
    const nodes: NodeView[] = [];
    let marker: string | undefined;
    do {
      const page = await cloud.call('list nodes', (d) => d.listNodes({ limit: 1000, marker }));
      nodes.push(...page.items.map((n) => view(cloud, n)));
      marker = page.next;
    } while (marker && nodes.length < ALL_NODES_PER_CLOUD);
    return nodes;
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

function asCloudError(reason: unknown, cloud: string): CloudError {
  const error = CloudError.is(reason)
    ? reason
    : new CloudError('unavailable', 'the driver failed unexpectedly', { cause: reason });
  error.cloud ??= cloud;
  return error;
}
