import { setTimeout as sleep } from 'node:timers/promises';
import { CloudError } from '../../driver/cloud-error';
import {
  ALL_CAPABILITIES,
  CloudImage,
  CloudKeyPair,
  CloudLocation,
  CloudNode,
  CloudSize,
  ComputeDriver,
  CreateNodeRequest,
  NodeAction,
  NodeOrder,
  NodeState,
  Page,
  PageRequest,
} from '../../driver/compute-driver';
import { md5Fingerprint, parsePublicKey } from '../../driver/public-key';
import { DUMMY_IMAGES, DUMMY_LOCATIONS, DUMMY_SIZES } from './dummy-catalog';

export interface DummyOptions {
  /** Nodes present (running) at start. */
  nodes: number;
  /** How long pending/rebooting/stopping/starting last. */
  transitionMs: number;
  /** Simulated latency added to every call, for demos and timeout tests. */
  latencyMs: number;
  /**
   * Extra delay of createNode's answer AFTER the node exists: a cloud that accepted a create but
   * answered too late (to show how a retry with the same Idempotency-Key finds the node).
   */
  createAnswerDelayMs?: number;
  /** Images whose nodes end in `error` instead of `running` (to show failed operations). */
  failingImages?: string[];
  /** Sizes listed without a price, like clouds that publish none (OpenStack flavors). */
  unpricedSizes?: string[];
  /** Injected faults, all off by default (to drive node set rollbacks in tests and demos). */
  faults?: DummyFaults;
  /** Where nodes are kept across restarts (extraParams.persist: the service's state store); absent: memory only. */
  persistence?: DummyPersistence;
}

export interface DummyFaults {
  /** Every Nth create on this cloud is refused (a 422 problem); 0 = never. */
  createFailEvery?: number;
  /** Every Nth created node settles in `error` instead of `running`; 0 = never. */
  errorStateEvery?: number;
  /** Creates never answer (the call is bounded only by the cloud's timeoutMs). */
  hangCreate?: boolean;
}

/** Keeps a dummy cloud's nodes outside the process (see DummyNodeStore). */
export interface DummyPersistence {
  /** The nodes kept, and the highest node number ever issued (nodes that had higher ones may be gone). */
  load(): Promise<{ nodes: StoredNodeRecord[]; issued: number }>;
  /** Writes a node; `issued`, with a create, records its number as issued in the same write. */
  save(node: StoredNodeRecord, issued?: number): Promise<void>;
  remove(id: string): Promise<void>;
}

/** A node as persisted: its public fields, its mark and the state it settles in. */
export type StoredNodeRecord = CloudNode & { clientToken?: string; settlesTo?: NodeState };

/** Which action is allowed from which state, the state it passes through, and where it settles. */
const ACTIONS: Record<NodeAction, { from: NodeState; via: NodeState; to: NodeState }> = {
  reboot: { from: 'running', via: 'rebooting', to: 'running' },
  stop: { from: 'running', via: 'stopping', to: 'stopped' },
  start: { from: 'stopped', via: 'starting', to: 'running' },
};

/**
 * A node as this cloud keeps it. `view` is what callers get: a deeply frozen snapshot, shared by every
 * answer until the node changes, when it is replaced by a new snapshot (never changed in place). So a
 * listing hands out references instead of copying every node, and a caller still cannot alter the
 * cloud's state or see a later change appear in an answer it already holds.
 */
interface StoredNode {
  view: Readonly<CloudNode>;
  timer?: NodeJS.Timeout;
  /** The create's idempotency mark, kept like a cloud keeps a tag. */
  clientToken?: string;
  /** Where a node in transition settles (persisted, so a restart finishes the transition). */
  settlesTo?: NodeState;
}

/**
 * An in-memory cloud that behaves like a real one: it honours names and metadata, moves nodes
 * through transitional states on a timer, and refuses actions that make no sense in the current
 * state. Every mutation checks and changes state in one synchronous step, so concurrent requests
 * cannot interleave inside it.
 */
export class DummyDriver implements ComputeDriver {
  readonly engine = 'dummy';
  readonly capabilities = { ...ALL_CAPABILITIES };
  /** Pages are in id order (ordinal, as markers compare). */
  readonly nodeOrder: NodeOrder = { place: (node) => node.id, isAfter: (node, place) => node.id > place };

  /** In id order (ids are zero-padded and increasing, so creation order): listings need no sort. */
  private readonly nodes = new Map<string, StoredNode>();
  private readonly keyPairs = new Map<string, CloudKeyPair>();
  private sequence = 0;
  private creates = 0;
  private settled = 0;
  private loaded?: Promise<void>;

  constructor(private readonly options: DummyOptions) {
    // A persisted cloud starts with what its store holds (loaded on first use), not with demo nodes.
    if (options.persistence) return;
    for (let i = 1; i <= options.nodes; i++) {
      const node = this.newNode({ name: `demo-${i}`, image: DUMMY_IMAGES[0].id, size: DUMMY_SIZES[0].id }, 'running');
      this.nodes.set(node.view.id, node);
    }
  }

  async connect(): Promise<void> {
    await this.latency();
    await this.load();
  }

  async close(): Promise<void> {
    for (const node of this.nodes.values()) clearTimeout(node.timer);
  }

  async listNodes(page: PageRequest): Promise<Page<CloudNode>> {
    await this.latency();
    // The map is in id order, and an id is a stable marker.
    const items: CloudNode[] = [];
    let more = false;
    for (const { view } of this.nodes.values()) {
      if (page.marker !== undefined && view.id <= page.marker) continue;
      if (items.length === page.limit) {
        more = true;
        break;
      }
      items.push(view);
    }
    return { items, next: more ? items[items.length - 1].id : undefined };
  }

  async getNode(id: string): Promise<CloudNode> {
    await this.latency();
    return this.find(id).view;
  }

  async createNode(request: CreateNodeRequest): Promise<CloudNode> {
    await this.latency();
    const faults = this.options.faults ?? {};
    if (faults.hangCreate) await new Promise<never>(() => undefined);
    // Every reference is checked before anything is stored: a bad request creates nothing.
    if (!DUMMY_IMAGES.some((i) => i.id === request.image)) throw invalidReference('image', request.image);
    if (!DUMMY_SIZES.some((s) => s.id === request.size)) throw invalidReference('size', request.size);
    if (request.location && !DUMMY_LOCATIONS.some((l) => l.id === request.location)) {
      throw invalidReference('location', request.location);
    }
    if (request.keyName && !this.keyPairs.has(request.keyName)) throw invalidReference('key pair', request.keyName);
    if (request.networks?.length) {
      throw new CloudError(
        'invalid_reference',
        `networks: the dummy cloud has no networks (asked for ${request.networks.join(', ')})`,
        { field: 'networks' },
      );
    }
    this.creates++;
    if (faults.createFailEvery && this.creates % faults.createFailEvery === 0) {
      // invalid_reference answers 422, as the fault is documented.
      throw new CloudError(
        'invalid_reference',
        `create refused by the fault createFailEvery: ${faults.createFailEvery} (create #${this.creates})`,
      );
    }
    const node = this.newNode(request, 'pending');
    node.clientToken = request.clientToken;
    this.settled++;
    const failing =
      this.options.failingImages?.includes(request.image) ||
      (!!faults.errorStateEvery && this.settled % faults.errorStateEvery === 0);
    node.settlesTo = failing ? 'error' : 'running';
    this.nodes.set(node.view.id, node);
    try {
      await this.persist(node, this.sequence);
    } catch (error) {
      this.nodes.delete(node.view.id);
      throw new CloudError(
        'unavailable',
        `the dummy cloud's store could not record the node: ${(error as Error).message}`,
      );
    }
    this.settleLater(node, node.settlesTo);
    if (this.options.createAnswerDelayMs) await sleep(this.options.createAnswerDelayMs, undefined, { ref: false });
    return node.view;
  }

  async findNodeByClientToken(clientToken: string): Promise<CloudNode | undefined> {
    await this.latency();
    for (const node of this.nodes.values()) if (node.clientToken === clientToken) return node.view;
    return undefined;
  }

  async nodeAction(id: string, action: NodeAction): Promise<CloudNode> {
    await this.latency();
    const node = this.find(id);
    const rule = ACTIONS[action];
    if (node.view.state !== rule.from) {
      throw new CloudError(
        'conflict',
        `cannot ${action} node ${id} while it is ${node.view.state} (it must be ${rule.from})`,
      );
    }
    node.view = snapshot({ ...node.view, state: rule.via });
    node.settlesTo = rule.to;
    await this.persist(node);
    this.settleLater(node, rule.to);
    return node.view;
  }

  async destroyNode(id: string): Promise<void> {
    await this.latency();
    const node = this.find(id);
    clearTimeout(node.timer);
    this.nodes.delete(id);
    if (this.options.persistence) await this.options.persistence.remove(id);
  }

  async listImages(): Promise<CloudImage[]> {
    await this.latency();
    return structuredClone(DUMMY_IMAGES);
  }

  async listSizes(): Promise<CloudSize[]> {
    await this.latency();
    const unpriced = this.options.unpricedSizes ?? [];
    return DUMMY_SIZES.map((size) => ({
      ...structuredClone(size),
      price: unpriced.includes(size.id) ? null : size.price,
    }));
  }

  async listLocations(): Promise<CloudLocation[]> {
    await this.latency();
    return structuredClone(DUMMY_LOCATIONS);
  }

  async listKeyPairs(): Promise<CloudKeyPair[]> {
    await this.latency();
    return [...this.keyPairs.values()].sort((a, b) => a.name.localeCompare(b.name)).map((k) => ({ ...k }));
  }

  async importKeyPair(name: string, publicKey: string): Promise<CloudKeyPair> {
    await this.latency();
    const parsed = parsePublicKey(publicKey);
    if (!parsed) throw new CloudError('invalid_request', 'publicKey is not an OpenSSH public key');
    if (this.keyPairs.has(name)) throw new CloudError('conflict', `a key pair named "${name}" already exists`);
    const keyPair = { name, fingerprint: md5Fingerprint(parsed), publicKey: publicKey.trim() };
    this.keyPairs.set(name, keyPair);
    return { ...keyPair };
  }

  async deleteKeyPair(name: string): Promise<void> {
    await this.latency();
    if (!this.keyPairs.delete(name)) throw new CloudError('not_found', `key pair "${name}" not found`);
  }

  private newNode(request: CreateNodeRequest, state: NodeState): StoredNode {
    const n = ++this.sequence;
    const location = request.location ?? DUMMY_LOCATIONS[0].id;
    const view = snapshot({
      id: `node-${String(n).padStart(6, '0')}`,
      name: request.name,
      state,
      // Documentation-range addresses (RFC 5737 / RFC 1918 look-alikes): data only, never contacted.
      publicIps: [`203.0.113.${(n % 250) + 1}`],
      privateIps: [`10.0.${Math.floor(n / 250) % 256}.${(n % 250) + 1}`],
      imageId: request.image,
      sizeId: request.size,
      locationId: location,
      createdAt: new Date().toISOString(),
      metadata: { ...(request.metadata ?? {}) },
      extra: {
        ...(request.keyName ? { keyName: request.keyName } : {}),
        ...(request.userData ? { userDataBytes: Buffer.byteLength(request.userData) } : {}),
      },
    });
    return { view };
  }

  private settleLater(node: StoredNode, to: NodeState): void {
    clearTimeout(node.timer);
    node.timer = setTimeout(() => {
      node.timer = undefined;
      if (this.nodes.get(node.view.id) !== node) return;
      node.view = snapshot({ ...node.view, state: to });
      node.settlesTo = undefined;
      // Best effort: a lost write only means the node settles again after a restart.
      this.persist(node).catch(() => undefined);
    }, this.options.transitionMs);
    node.timer.unref();
  }

  private find(id: string): StoredNode {
    const node = this.nodes.get(id);
    if (!node) throw new CloudError('not_found', `node ${id} not found`);
    return node;
  }

  private async latency(): Promise<void> {
    if (this.options.latencyMs > 0) await sleep(this.options.latencyMs, undefined, { ref: false });
    await this.load();
  }

  /** Loads persisted nodes once; a node that was in transition settles after transitionMs, as before the restart. */
  private load(): Promise<void> {
    const persistence = this.options.persistence;
    if (!persistence) return Promise.resolve();
    this.loaded ??= persistence.load().then(
      ({ nodes: records, issued }) => {
        // A real cloud never hands out a destroyed node's id again right away; this one never does.
        this.sequence = Math.max(this.sequence, issued);
        // Ordinal order (as listNodes' markers compare); new ids are higher, so appending keeps it.
        records.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        for (const { clientToken, settlesTo, ...view } of records) {
          const node: StoredNode = { view: snapshot(view), clientToken, settlesTo };
          this.nodes.set(view.id, node);
          this.sequence = Math.max(this.sequence, Number(view.id.replace(/^node-/, '')) || 0);
          if (settlesTo && settlesTo !== view.state) this.settleLater(node, settlesTo);
        }
      },
      (error: unknown) => {
        this.loaded = undefined;
        throw new CloudError('unavailable', `the dummy cloud's store could not be read: ${(error as Error).message}`);
      },
    );
    return this.loaded;
  }

  /** Writes a node through to the store before the call answers, like a cloud that has accepted it. */
  private async persist(node: StoredNode, issued?: number): Promise<void> {
    if (!this.options.persistence) return;
    const record: StoredNodeRecord = { ...node.view, clientToken: node.clientToken, settlesTo: node.settlesTo };
    await this.options.persistence.save(record, issued);
  }
}

/** A node frozen with everything in it, so the one object can be handed to every caller. */
function snapshot(node: CloudNode): Readonly<CloudNode> {
  Object.freeze(node.publicIps);
  Object.freeze(node.privateIps);
  Object.freeze(node.metadata);
  Object.freeze(node.extra);
  return Object.freeze(node);
}

const FIELD: Record<string, string> = { image: 'image', size: 'size', location: 'location', 'key pair': 'keyName' };

function invalidReference(what: string, id: string): CloudError {
  return new CloudError('invalid_reference', `${what} "${id}" does not exist in this cloud`, { field: FIELD[what] });
}
