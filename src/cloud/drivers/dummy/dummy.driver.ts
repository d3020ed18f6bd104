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
  /**
   * Where node numbers come from (the service's state store, for every dummy cloud); absent (a driver
   * made without a store): a counter in memory that starts over with the process.
   */
  ids?: DummyIds;
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
  load(): Promise<StoredNodeRecord[]>;
  save(node: StoredNodeRecord): Promise<void>;
  remove(id: string): Promise<void>;
}

/** Issues a dummy cloud's node numbers so that no number is issued twice (see DummyIdSequence). */
export interface DummyIds {
  /**
   * Called once per start with the number of demo nodes: returns how many of them (from demo-1) keep
   * the fixed numbers 1, 2, ... ; the others take issue(). Fewer than `count` when ids past the demo
   * range were already issued to other nodes (the count grew since).
   */
  seed(count: number): Promise<number>;
  /** The next number: above `floor` and above every number issued before, by any process. */
  issue(floor: number): Promise<number>;
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

  /** In id order (kept by insert; ids are zero-padded and issued increasing): listings need no sort. */
  private readonly nodes = new Map<string, StoredNode>();
  /** The highest id ever inserted (its node may be gone): a new id above it can simply be appended. */
  private highestId = '';
  private readonly keyPairs = new Map<string, CloudKeyPair>();
  private sequence = 0;
  private creates = 0;
  private settled = 0;
  private loaded?: Promise<void>;

  constructor(private readonly options: DummyOptions) {}

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
    let number: number;
    try {
      number = await this.issue();
    } catch (error) {
      throw new CloudError(
        'unavailable',
        `the dummy cloud's store could not issue a node id: ${(error as Error).message}`,
      );
    }
    // The one reference that can change while the number was issued.
    if (request.keyName && !this.keyPairs.has(request.keyName)) throw invalidReference('key pair', request.keyName);
    const node = this.newNode(request, 'pending', number);
    node.clientToken = request.clientToken;
    this.settled++;
    const failing =
      this.options.failingImages?.includes(request.image) ||
      (!!faults.errorStateEvery && this.settled % faults.errorStateEvery === 0);
    node.settlesTo = failing ? 'error' : 'running';
    this.insert(node);
    try {
      await this.persist(node);
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

  /**
   * The next node number. With a store, from the store: ids handed out by an earlier process (or
   * another replica) are named by operations, Idempotency-Key answers and node set members that
   * outlive this process, so a new node must never get one of them (a replay would point at it).
   */
  private async issue(): Promise<number> {
    const n = this.options.ids ? await this.options.ids.issue(this.sequence) : this.sequence + 1;
    this.sequence = Math.max(this.sequence, n);
    return n;
  }

  /**
   * Adds a node keeping the map in id order. Numbers are issued in order but answered through the
   * store, so two creates can come back in either order (and a test may force an old number).
   */
  private insert(node: StoredNode): void {
    const id = node.view.id;
    if (id > this.highestId) {
      this.highestId = id;
      this.nodes.set(id, node);
      return;
    }
    const all = [...this.nodes.entries(), [id, node] as const].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    this.nodes.clear();
    for (const [key, value] of all) this.nodes.set(key, value);
  }

  private newNode(request: CreateNodeRequest, state: NodeState, n: number): StoredNode {
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

  /**
   * Sets the cloud up once, on first use: a persisted cloud's nodes from its store (a node that was in
   * transition settles after transitionMs, as before the restart), otherwise the demo nodes.
   */
  private load(): Promise<void> {
    this.loaded ??= this.restore().catch((error: unknown) => {
      this.loaded = undefined;
      throw new CloudError('unavailable', `the dummy cloud's store could not be read: ${(error as Error).message}`);
    });
    return this.loaded;
  }

  private async restore(): Promise<void> {
    const { persistence, ids } = this.options;
    if (persistence) {
      // A persisted cloud starts with what its store holds, not with demo nodes.
      const records = await persistence.load();
      await ids?.seed(0);
      // Ordinal order (as listNodes' markers compare), so each insert appends.
      records.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      for (const { clientToken, settlesTo, ...view } of records) {
        const node: StoredNode = { view: snapshot(view), clientToken, settlesTo };
        this.insert(node);
        // Rows from before the store issued the numbers: never issue one of theirs again.
        this.sequence = Math.max(this.sequence, Number(view.id.replace(/^node-/, '')) || 0);
        if (settlesTo && settlesTo !== view.state) this.settleLater(node, settlesTo);
      }
      return;
    }
    // Demo nodes are made anew by every start, with the same names, images and sizes: they keep the
    // fixed ids node-000001.. (the README and demos name them), the one exception to "a restart never
    // issues an id again", since such an id names the same configured demo node in every process.
    // Nodes created through the API take the store's numbers, all above the demo range; demo nodes
    // past the range the store reserved for them (the count grew after ids above it were issued)
    // take fresh numbers instead of an id that named another node.
    const fixed = ids ? await ids.seed(this.options.nodes) : this.options.nodes;
    this.sequence = Math.max(this.sequence, fixed);
    const demo: StoredNode[] = [];
    for (let i = 1; i <= this.options.nodes; i++) {
      const n = i <= fixed ? i : await this.issue();
      demo.push(this.newNode({ name: `demo-${i}`, image: DUMMY_IMAGES[0].id, size: DUMMY_SIZES[0].id }, 'running', n));
    }
    // All or nothing: a store failure part way leaves no demo node behind to be made twice on retry.
    for (const node of demo) this.insert(node);
  }

  /** Writes a node through to the store before the call answers, like a cloud that has accepted it. */
  private async persist(node: StoredNode): Promise<void> {
    if (!this.options.persistence) return;
    const record: StoredNodeRecord = { ...node.view, clientToken: node.clientToken, settlesTo: node.settlesTo };
    await this.options.persistence.save(record);
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
