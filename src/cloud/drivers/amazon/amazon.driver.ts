import type { ClientRequest } from 'node:http';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { currentCallScope } from '../../call-scope';
import { CloudError } from '../../driver/cloud-error';
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
import { md5Fingerprint, parsePublicKey } from '../../driver/public-key';
import { PkgcloudDriver, PkgcloudDriverSettings } from '../pkgcloud/pkgcloud.driver';
import { ec2CloudError } from './ec2-errors';
import { ec2Image, ec2KeyPair, ec2Location, ec2Node, instanceTags, NAME_TAG } from './ec2-mapping';
import { decodeMarker, Ec2Marker, encodeMarker } from './ec2-marker';
import { ec2Size } from './ec2-sizes';
import { stateAfterAction } from './ec2-states';
import { ec2Filters } from './ec2-filters';
import { RecentWrites, settleDelays, settleRecent } from './ec2-consistency';

// pkgcloud's amazon provider runs on aws-sdk v2, which prints an end-of-support notice on a timer
// after it loads. Resolved through pkgcloud so it is the very copy pkgcloud uses.
createRequire(require.resolve('pkgcloud'))('aws-sdk/lib/maintenance_mode_message').suppress = true;

export interface AmazonOptions {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** Full URL of an EC2-compatible endpoint; absent for AWS itself (the SDK derives it from the region). */
  endpoint?: string;
  /** DescribeImages owners filter; empty lists every image the account may launch. */
  imageOwners: string[];
}

/** Retries the SDK makes for throttling, 5xx and network errors; RunInstances stays safe (ClientToken). */
const MAX_RETRIES = 2;
/** EC2's bounds for DescribeInstances MaxResults. */
const EC2_PAGE_MIN = 5;
const EC2_PAGE_MAX = 1000;
/** EC2 pages fetched at most to fill one v1 page (EC2 may answer short or even empty pages). */
const EC2_PAGES_PER_CALL = 10;
/** EC2 pages (of 1000) read at most to find a cursor's place again after EC2 refused its NextToken. */
const REFIND_PAGES = 100;
/** EC2 takes at most 16 KB of user data, before base64. */
const USER_DATA_MAX_BYTES = 16 * 1024;

const ACTIONS: Record<NodeAction, { call: string; changes?: string }> = {
  reboot: { call: 'rebootInstances' },
  start: { call: 'startInstances', changes: 'StartingInstances' },
  stop: { call: 'stopInstances', changes: 'StoppingInstances' },
};

/**
 * Amazon EC2 through pkgcloud's amazon client, which builds the aws-sdk EC2 object (credentials,
 * region, endpoint). pkgcloud's own EC2 calls fall short, so the driver calls that EC2 object directly:
 * getServers neither pages nor reads tags and asks DescribeInstanceAttribute once per instance,
 * createServer replaces the user data with a JSON name, addKey base64-encodes the key twice, and there
 * is no start/stop. From pkgcloud it keeps the client and the static flavor table (getFlavors).
 */
export class AmazonDriver extends PkgcloudDriver {
  readonly engine: string = 'amazon';
  readonly capabilities: Capabilities = { ...ALL_CAPABILITIES };
  private ec2Configured = false;
  private closed = false;
  /** aws-sdk requests not yet settled (retries included). */
  private readonly inflight = new Set<any>();
  /** Instance ids launched or terminated, and key names imported, moments ago (EC2 is eventually consistent). */
  private readonly recentInstances = new RecentWrites();
  private readonly recentKeys = new RecentWrites();

  constructor(
    settings: PkgcloudDriverSettings,
    protected readonly options: AmazonOptions,
  ) {
    super(settings);
  }

  protected clientOptions(): Record<string, unknown> {
    return {
      provider: 'amazon',
      accessKeyId: this.options.accessKeyId,
      accessKey: this.options.secretAccessKey,
      region: this.options.region,
      ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}),
    };
  }

  /** The aws-sdk EC2 object, with a socket timeout, our keep-alive agent and few retries (once). */
  private get ec2(): any {
    const ec2 = this.client.ec2;
    if (!this.ec2Configured) {
      const plain = this.options.endpoint?.startsWith('http:') ?? false;
      ec2.config.update({
        maxRetries: MAX_RETRIES,
        retryDelayOptions: { customBackoff: (retryCount: number, err: any) => this.retryDelay(retryCount, err) },
        httpOptions: {
          timeout: this.settings.timeoutMs,
          connectTimeout: this.settings.timeoutMs,
          agent: plain ? this.agents.http : this.agents.https,
        },
      });
      this.ec2Configured = true;
    }
    return ec2;
  }

  /**
   * The SDK's backoff (jittered, from 100 ms), except that a socket timeout is not retried (it used
   * the whole call's budget) and nothing is retried once the driver is closed. Negative means "stop".
   */
  private retryDelay(retryCount: number, err: any): number {
    if (this.closed || err?.code === 'TimeoutError') return -1;
    return Math.random() * 2 ** retryCount * 100;
  }

  /**
   * One EC2 Query API call; errors become CloudErrors (with Retry-After when EC2 sent one).
   *
   * Bounded by the running cloud call's signal (see CallScope), like every request of the pkgcloud
   * transport: nothing is sent once it has aborted (a first send and every SDK retry check it), and
   * at the abort the aws-sdk request is aborted, which tears down its socket whether it is still
   * queued in the agent or in flight. Every EC2 call but Describe* is a write: one handed to a
   * connected socket and not answered yet is counted in the scope, so the call's deadline can say
   * "outcome unknown" instead of a plain timeout.
   */
  protected request<T = any>(
    operation: string,
    call: string,
    params: Record<string, unknown>,
    creating = false,
  ): Promise<T> {
    const secrets = [this.options.secretAccessKey];
    if (this.closed) return Promise.reject(new CloudError('unavailable', `${operation}: the driver is shut down`));
    const scope = currentCallScope();
    const signal = scope?.signal;
    if (scope) scope.tracked = true;
    if (signal?.aborted) return Promise.reject(abandoned(operation, false));
    const write = !call.startsWith('describe');
    return new Promise<T>((resolve, reject) => {
      const inflight = this.inflight;
      let sdkRequest: any;
      let settled = false;
      // The attempt whose bytes went out and has no answer yet (counted once in the scope).
      let unanswered = false;
      let sent = false;
      const answered = () => {
        if (unanswered && scope) scope.unansweredWrites--;
        unanswered = false;
      };
      const settle = () => {
        settled = true;
        inflight.delete(sdkRequest);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        if (settled) return;
        settle();
        sdkRequest?.abort();
        // A write still counted as unanswered stays so: the call's deadline decides what to say.
        reject(abandoned(operation, sent));
      };
      try {
        // Built unsent, so the listeners below are in place before its first send.
        sdkRequest = this.ec2[call](params);
        // First in line at every send (retries included): nothing leaves after the deadline.
        sdkRequest.on(
          'send',
          () => {
            if (signal?.aborted || settled) {
              throw Object.assign(new Error('Request aborted at its deadline'), {
                code: 'RequestAbortedError',
                retryable: false,
              });
            }
            // The SDK creates the node request synchronously right after this listener; its socket
            // event comes on a later tick.
            process.nextTick(() => watchSocket(sdkRequest.httpRequest?.stream));
          },
          true,
        );
        const watchSocket = (stream: ClientRequest | undefined) =>
          stream?.once('socket', (socket: Socket) => {
            const markSent = () => {
              if (settled) return;
              sent = true;
              if (write && scope && !unanswered) {
                unanswered = true;
                scope.unansweredWrites++;
              }
            };
            if (socket.connecting) socket.once('connect', markSent);
            else markSent();
          });
        // An answer (any status) or a failed attempt ends "unanswered"; a retry may start it again.
        sdkRequest.on('httpHeaders', answered);
        sdkRequest.on('retry', answered);
        sdkRequest.send(function (this: any, err: unknown, data: T) {
          if (settled) return;
          answered();
          settle();
          if (err) reject(ec2CloudError(err, { operation, creating, headers: this?.httpResponse?.headers, secrets }));
          else resolve(data);
        });
        if (!settled) {
          inflight.add(sdkRequest);
          signal?.addEventListener('abort', onAbort, { once: true });
        }
      } catch (err) {
        settle();
        reject(ec2CloudError(err, { operation, creating, secrets }));
      }
    });
  }

  /** `settleRecent` with pauses that fit in half the cloud's timeoutMs, the deadline of the whole call. */
  private settle<T>(recent: boolean, call: () => Promise<T>): Promise<T> {
    return settleRecent(recent, call, settleDelays(this.settings.timeoutMs / 2));
  }

  /** Stops retries and aborts what is still in flight, so nothing reaches the cloud after shutdown. */
  override async close(): Promise<void> {
    this.closed = true;
    for (const sent of this.inflight) sent?.abort?.();
    this.inflight.clear();
    await super.close();
  }

  /** Health checks: a small authenticated call that also proves the region's endpoint answers. */
  async ping(): Promise<void> {
    await this.request('ping', 'describeAvailabilityZones', {});
  }

  protected override classify(err: unknown, operation: string): CloudError {
    return ec2CloudError(err, { operation, creating: false, secrets: [this.options.secretAccessKey] });
  }

  // ---- nodes ---------------------------------------------------------------------------------

  /**
   * DescribeInstances, paged by NextToken; a v1 page may span EC2 pages or end inside one. When EC2
   * refuses the cursor's NextToken (expired or invalid), the listing finds its place again by the ids
   * the cursor carries (see refind), so the caller never sees EC2 forget its token.
   */
  override async listNodes(page: PageRequest): Promise<Page<CloudNode>> {
    const marker = decodeMarker(page.marker);
    let { token, skip } = marker;
    const filters = ec2Filters(page.filter); // EC2 filters before paging; the service still checks every node
    const describe = (maxResults: number, from: string | undefined) =>
      this.request('list nodes', 'describeInstances', {
        MaxResults: maxResults,
        ...(from ? { NextToken: from } : {}),
        ...(filters.length ? { Filters: filters } : {}),
      });
    const items: CloudNode[] = [];
    let lastId: string | undefined;
    for (let fetched = 0; fetched < EC2_PAGES_PER_CALL; fetched++) {
      const need = page.limit - items.length;
      let data: any;
      try {
        data = await describe(Math.min(EC2_PAGE_MAX, Math.max(EC2_PAGE_MIN, need + skip)), token);
      } catch (error) {
        if (fetched > 0 || !token || !CloudError.is(error) || error.kind !== 'cursor_expired') throw error;
        ({ token, skip, data } = await this.refind(marker, describe, error));
      }
      const all = instancesOf(data);
      // Resuming inside this EC2 page: at the next instance, else after the last one handed out (so
      // instances gone or added meanwhile shift nothing), else at the old count.
      if (fetched === 0) skip = anchorIndex(all, marker) ?? skip;
      const instances = all.slice(skip);
      if (instances.length > need) {
        items.push(...instances.slice(0, need).map((i) => ec2Node(i)));
        // Ends inside this EC2 page: the next v1 page asks for it again and resumes after the last one.
        const next = {
          token,
          skip: skip + need,
          lastId: instances[need - 1]?.InstanceId,
          nextId: instances[need]?.InstanceId,
        };
        return { items, next: encodeMarker(next) };
      }
      items.push(...instances.map((i) => ec2Node(i)));
      if (instances.length) lastId = instances[instances.length - 1]?.InstanceId;
      token = data?.NextToken || undefined;
      skip = 0;
      if (!token) return { items };
      if (items.length === page.limit) break;
    }
    return { items, next: encodeMarker({ token, skip: 0, lastId: lastId ?? marker.lastId }) };
  }

  /**
   * Where a listing whose NextToken EC2 refused stands, found by walking DescribeInstances from the
   * start (largest pages) to the instance after the last one handed out: the page holding it, the
   * token that page was read with, and its index there. `cursor_expired` when neither anchor is found
   * (the instance is gone and EC2 keeps no order to place it by) or the cursor carries no anchor.
   */
  private async refind(
    marker: Ec2Marker,
    describe: (maxResults: number, from: string | undefined) => Promise<any>,
    refusal: CloudError,
  ): Promise<{ token: string | undefined; skip: number; data: any }> {
    if (marker.lastId || marker.nextId) {
      let from: string | undefined;
      for (let fetched = 0; fetched < REFIND_PAGES; fetched++) {
        const data = await describe(EC2_PAGE_MAX, from);
        const at = anchorIndex(instancesOf(data), marker);
        if (at !== undefined) return { token: from, skip: at, data };
        from = data?.NextToken || undefined;
        if (!from) break;
      }
    }
    throw new CloudError(
      'cursor_expired',
      'list nodes: EC2 no longer accepts the page token this cursor holds, and the instance the cursor ended at is no longer listed',
      { cause: refusal },
    );
  }

  /** A NotFound for an instance this driver just launched or terminated is retried briefly (EC2 lags). */
  override async getNode(id: string): Promise<CloudNode> {
    return this.settle(this.recentInstances.has(id), () => this.describeNode(id));
  }

  private async describeNode(id: string): Promise<CloudNode> {
    const data = await this.request('get node', 'describeInstances', { InstanceIds: [id] });
    const instance = instancesOf(data).find((i) => i.InstanceId === id);
    if (!instance) throw new CloudError('not_found', `get node: node "${id}" not found`);
    return ec2Node(instance);
  }

  /** A key pair imported moments ago may still be unknown to RunInstances: that NotFound is retried briefly. */
  override async createNode(request: CreateNodeRequest): Promise<CloudNode> {
    const params = this.runInstancesParams(request);
    const data = await this.settle(this.recentKeys.has(request.keyName), () =>
      this.request<any>('create node', 'runInstances', params, true),
    );
    const instance = data?.Instances?.[0];
    if (!instance?.InstanceId)
      throw new CloudError('unavailable', 'create node: the cloud accepted the launch but named no instance');
    this.recentInstances.remember(instance.InstanceId);
    const node = ec2Node(instance);
    // RunInstances may answer without the tags it applied; they are the ones asked for.
    const tagged = Array.isArray(instance.Tags) && instance.Tags.length > 0;
    return tagged ? node : { ...node, name: request.name, metadata: { ...(request.metadata ?? {}) } };
  }

  /** EC2 keeps the ClientToken of every launch and filters on it (DescribeInstances `client-token`). */
  async findNodeByClientToken(clientToken: string): Promise<CloudNode | undefined> {
    const data = await this.request('find node by client token', 'describeInstances', {
      Filters: [{ Name: 'client-token', Values: [clientToken] }],
    });
    const instance = instancesOf(data)[0];
    if (instance?.InstanceId) this.recentInstances.remember(instance.InstanceId);
    return instance ? ec2Node(instance) : undefined;
  }

  protected runInstancesParams(request: CreateNodeRequest): Record<string, unknown> {
    const metadata = request.metadata ?? {};
    const reserved = Object.keys(metadata).find((k) => k === NAME_TAG || k.toLowerCase().startsWith('aws:'));
    if (reserved) {
      throw new CloudError(
        'invalid_request',
        `metadata key "${reserved}" is reserved on EC2 (the "${NAME_TAG}" tag holds the node's name)`,
      );
    }
    if (request.userData !== undefined && Buffer.byteLength(request.userData, 'utf8') > USER_DATA_MAX_BYTES) {
      throw new CloudError('invalid_request', `userData is limited to ${USER_DATA_MAX_BYTES} bytes on EC2`);
    }
    if ((request.networks?.length ?? 0) > 1) {
      throw new CloudError(
        'invalid_request',
        'EC2 launches a node into one subnet: give at most one network (a subnet id)',
      );
    }
    // A ClientToken (the service's mark when an Idempotency-Key was sent, else one the SDK makes) is
    // reused by the SDK's retries, so a retried launch cannot start a second instance.
    return {
      ...(request.clientToken ? { ClientToken: request.clientToken } : {}),
      ImageId: request.image,
      InstanceType: request.size,
      MinCount: 1,
      MaxCount: 1,
      ...(request.keyName ? { KeyName: request.keyName } : {}),
      ...(request.userData !== undefined ? { UserData: Buffer.from(request.userData, 'utf8').toString('base64') } : {}),
      ...(request.location ? { Placement: { AvailabilityZone: request.location } } : {}),
      ...(request.networks?.length ? { SubnetId: request.networks[0] } : {}),
      TagSpecifications: instanceTags(request.name, metadata),
    };
  }

  /**
   * Start and stop answer with the state EC2 reports in the state-change answer (DescribeInstances may
   * lag behind it). A reboot is no EC2 state: the instance stays `running`, and so does the answer.
   */
  override async nodeAction(id: string, action: NodeAction): Promise<CloudNode> {
    const { call, changes } = ACTIONS[action];
    const data = await this.settle(this.recentInstances.has(id), () =>
      this.request<any>(`${action} node`, call, { InstanceIds: [id] }),
    );
    const current = changes
      ? (data?.[changes] as any[] | undefined)?.find((i) => i?.InstanceId === id)?.CurrentState?.Name
      : undefined;
    const node = await this.getNode(id);
    const state = action === 'reboot' ? undefined : stateAfterAction(action, current);
    return state ? { ...node, state, extra: { ...node.extra, ec2State: current } } : node;
  }

  override async destroyNode(id: string): Promise<void> {
    await this.settle(this.recentInstances.has(id), () =>
      this.request('destroy node', 'terminateInstances', { InstanceIds: [id] }),
    );
    // Describing it next may answer NotFound before EC2 shows it `shutting-down`/`terminated`.
    this.recentInstances.remember(id);
  }

  // ---- catalog -------------------------------------------------------------------------------

  override async listImages(): Promise<CloudImage[]> {
    const owners = this.options.imageOwners;
    const data = await this.request('list images', 'describeImages', owners.length ? { Owners: owners } : {});
    return (data?.Images ?? []).map(ec2Image);
  }

  override async listSizes(): Promise<CloudSize[]> {
    // pkgcloud's static table (answered at once, no request): EC2 itself has no call to list them.
    const flavors = await new Promise<any[]>((resolve, reject) =>
      this.client.getFlavors((err: unknown, list: any[]) =>
        err ? reject(this.classify(err, 'list sizes')) : resolve(list),
      ),
    );
    return flavors.map(ec2Size);
  }

  override async listLocations(): Promise<CloudLocation[]> {
    const data = await this.request('list locations', 'describeAvailabilityZones', {});
    return (data?.AvailabilityZones ?? []).map(ec2Location);
  }

  // ---- key pairs -----------------------------------------------------------------------------

  override async listKeyPairs(): Promise<CloudKeyPair[]> {
    const data = await this.request('list key pairs', 'describeKeyPairs', {});
    return (data?.KeyPairs ?? []).map((k: any) => ec2KeyPair(k));
  }

  override async importKeyPair(name: string, publicKey: string): Promise<CloudKeyPair> {
    const parsed = parsePublicKey(publicKey);
    if (!parsed) throw new CloudError('invalid_request', 'publicKey is not an OpenSSH public key');
    const line = publicKey.trim();
    // PublicKeyMaterial is a blob: the SDK base64-encodes it, as EC2 expects.
    const data = await this.request('import key pair', 'importKeyPair', {
      KeyName: name,
      PublicKeyMaterial: Buffer.from(line, 'utf8'),
    });
    this.recentKeys.remember(data?.KeyName ?? name);
    return ec2KeyPair(
      { KeyName: data?.KeyName ?? name, KeyFingerprint: data?.KeyFingerprint ?? md5Fingerprint(parsed) },
      line,
    );
  }

  /** EC2's DeleteKeyPair succeeds for names it does not know; asking first gives v1's 404. */
  override async deleteKeyPair(name: string): Promise<void> {
    await this.settle(this.recentKeys.has(name), async () => {
      const found = await this.request('delete key pair', 'describeKeyPairs', { KeyNames: [name] });
      if (!(found?.KeyPairs ?? []).some((k: any) => k?.KeyName === name)) {
        throw new CloudError('not_found', `delete key pair: key pair "${name}" not found`);
      }
    });
    await this.request('delete key pair', 'deleteKeyPair', { KeyName: name });
  }
}

/** A request stopped by its call's deadline (or its caller); the call scope tells a sent write apart. */
function abandoned(operation: string, sent: boolean): CloudError {
  return new CloudError(
    'timeout',
    `${operation}: abandoned at the call's deadline (${sent ? 'the request was sent and then abandoned' : 'the request was never sent'})`,
  );
}

function instancesOf(data: any): any[] {
  const reservations: any[] = Array.isArray(data?.Reservations) ? data.Reservations : [];
  return reservations.flatMap((r) => (Array.isArray(r?.Instances) ? r.Instances : []));
}

function anchorIndex(instances: any[], marker: { lastId?: string; nextId?: string }): number | undefined {
  const at = (id: string | undefined) => (id ? instances.findIndex((i) => i?.InstanceId === id) : -1);
  const next = at(marker.nextId);
  if (next >= 0) return next;
  const last = at(marker.lastId);
  return last >= 0 ? last + 1 : undefined;
}
