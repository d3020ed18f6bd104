/**
 * The contract every cloud driver implements. Drivers know nothing of HTTP: they speak in these
 * provider-neutral shapes and throw {@link CloudError}s; the HTTP layer maps both onto the v1 API.
 */

export const NODE_STATES = [
  'running',
  'pending',
  'rebooting',
  'starting',
  'stopping',
  'stopped',
  'terminated',
  'error',
  'unknown',
] as const;
export type NodeState = (typeof NODE_STATES)[number];

export interface CloudNode {
  id: string;
  name: string;
  state: NodeState;
  publicIps: string[];
  privateIps: string[];
  imageId: string | null;
  sizeId: string | null;
  locationId: string | null;
  createdAt: string | null;
  metadata: Record<string, string>;
  /** Provider-specific facts worth showing; never credentials. */
  extra: Record<string, unknown>;
}

export interface CloudImage {
  id: string;
  name: string;
  extra: Record<string, unknown>;
}

export interface CloudSize {
  id: string;
  name: string;
  /** MiB */
  ram: number | null;
  /** GiB */
  disk: number | null;
  vcpus: number | null;
  /** Hourly price in USD where the provider publishes one. */
  price: number | null;
  extra: Record<string, unknown>;
}

export interface CloudLocation {
  id: string;
  name: string;
  country: string | null;
  extra: Record<string, unknown>;
}

export interface CloudKeyPair {
  name: string;
  fingerprint: string | null;
  publicKey: string | null;
}

/**
 * Metadata keys under this prefix are the service's own marks on the nodes it creates (the client
 * token of an Idempotency-Key, the node set a member belongs to); callers may not set them, or a node
 * could pose as another request's result or as a node set's orphan.
 */
export const SERVICE_METADATA_PREFIX = 'orchestrator-';

export interface CreateNodeRequest {
  name: string;
  image: string;
  size: string;
  location?: string;
  keyName?: string;
  userData?: string;
  metadata?: Record<string, string>;
  /** Provider network ids to attach, where the provider has networks. */
  networks?: string[];
  /**
   * The service's idempotency mark (derived from the caller's Idempotency-Key), left on the node so a
   * retry whose first attempt left no record can find it: EC2 ClientToken, OpenStack/Rackspace server
   * metadata, a DigitalOcean tag. At most 64 characters of [A-Za-z0-9-].
   */
  clientToken?: string;
}

/**
 * What a caller can filter nodes by (listNodes, listAllNodes). Every part present must match:
 * `states` any of them, `name` exactly or by prefix, `metadata` every key with exactly that value.
 */
export interface NodeFilter {
  states?: NodeState[];
  name?: { exact: string } | { prefix: string };
  metadata?: Record<string, string>;
}

export interface PageRequest {
  limit: number;
  /** Driver-defined marker from a previous page's `next`; absent for the first page. */
  marker?: string;
  /**
   * The caller's filters, as a hint: a driver may ask its cloud for matching nodes only (fewer pages),
   * or ignore it. The service checks every node it gets against the filter, so a driver must never
   * drop a node that matches; it may return ones that do not.
   */
  filter?: NodeFilter;
}

export interface Page<T> {
  items: T[];
  /** Marker for the following page; absent on the last page. */
  next?: string;
}

export type NodeAction = 'reboot' | 'start' | 'stop';

/** What a cloud can do; the API answers 501 for what it cannot. */
export interface Capabilities {
  reboot: boolean;
  start: boolean;
  stop: boolean;
  keyPairs: boolean;
  importKeyPair: boolean;
  locations: boolean;
  userData: boolean;
  metadata: boolean;
}

export const ALL_CAPABILITIES: Capabilities = {
  reboot: true,
  start: true,
  stop: true,
  keyPairs: true,
  importKeyPair: true,
  locations: true,
  userData: true,
  metadata: true,
};

/** See ComputeDriver.nodeOrder. */
export interface NodeOrder {
  place(node: CloudNode): string | undefined;
  isAfter(node: CloudNode, place: string): boolean;
}

export interface ComputeDriver {
  readonly engine: string;
  readonly capabilities: Capabilities;

  /** Log in (or otherwise get ready). Called once and shared; a failure lets the next call retry. */
  connect(): Promise<void>;
  /** A cheap authenticated call for health checks; without it, listing one node is used. */
  ping?(): Promise<void>;
  /** Release sockets and timers at shutdown. */
  close(): Promise<void>;

  listNodes(page: PageRequest): Promise<Page<CloudNode>>;
  /**
   * The order listNodes' pages are in, when it follows keys that never change: `place(node)` names a
   * node's place (short text; undefined when the node lacks a key), `isAfter(node, place)` whether a
   * node comes after that place. With it, a listing whose last node (and the one after it) were
   * deleted resumes exactly after that place; without it, such a cursor is `cursor_expired`.
   */
  readonly nodeOrder?: NodeOrder;
  getNode(id: string): Promise<CloudNode>;
  createNode(request: CreateNodeRequest): Promise<CloudNode>;
  /**
   * The node an earlier createNode marked with this client token, if the cloud has it (`name`, the
   * create's node name, lets clouds that cannot filter by the mark narrow the search). Drivers
   * without it cannot confirm a cut-off create; the service then refuses to create again (409).
   */
  findNodeByClientToken?(clientToken: string, name?: string): Promise<CloudNode | undefined>;
  nodeAction(id: string, action: NodeAction): Promise<CloudNode>;
  destroyNode(id: string): Promise<void>;

  listImages(): Promise<CloudImage[]>;
  listSizes(): Promise<CloudSize[]>;
  listLocations(): Promise<CloudLocation[]>;

  listKeyPairs(): Promise<CloudKeyPair[]>;
  importKeyPair(name: string, publicKey: string): Promise<CloudKeyPair>;
  deleteKeyPair(name: string): Promise<void>;
}
