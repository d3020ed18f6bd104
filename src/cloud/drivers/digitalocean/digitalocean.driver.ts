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
import { PkgcloudDriver, PkgcloudDriverSettings } from '../pkgcloud/pkgcloud.driver';
import { jsonObject, listOf, ProviderRequest } from '../pkgcloud/pkgcloud-request';
import { classifyDigitalOcean } from './digitalocean-errors';
import { ACTION_STATES, metadataToTags, toImage, toKeyPair, toLocation, toNode, toSize } from './digitalocean-mapping';
import { dropletTagQuery } from './digitalocean-filters';

export interface DigitalOceanOptions {
  token: string;
  /** API root, e.g. https://api.digitalocean.com (no /v2). */
  endpoint: string;
}

/** DigitalOcean's largest page. */
const PER_PAGE_MAX = 200;
/** Guard against a provider whose `next` link never ends (200 × 100 = 20,000 items). */
const MAX_PAGES = 100;
/** Pages read backwards, at most, to find a cursor's droplets again after deletions moved them. */
const LOOK_BACK_PAGES = 10;

const ACTION_TYPES: Record<NodeAction, string> = { reboot: 'reboot', start: 'power_on', stop: 'power_off' };

type Query = Record<string, string | number>;

/**
 * DigitalOcean API v2 over pkgcloud's digitalocean client. The client contributes the base URL, the
 * `Authorization: Bearer` header and the request plumbing (socket timeout, agent, via the base);
 * every operation goes through `_request` rather than pkgcloud's methods, because those cannot be
 * trusted here: they fetch one page only, treat 422 and 429 as success, throw inside the HTTP
 * callback on an unreadable body (crashing the process), send `ssh_keys` as a string and the key
 * under the v1 field `ssh_pub_key`, and offer no power actions, regions or tags.
 */
export class DigitalOceanDriver extends PkgcloudDriver {
  readonly engine = 'digitalocean';
  // Metadata is stored as `key:value` tags (see digitalocean-mapping.ts); power actions and regions exist.
  override readonly capabilities: Capabilities = { ...ALL_CAPABILITIES };

  /** The last import queued per key-pair name (see importKeyPair). */
  private readonly importing = new Map<string, Promise<unknown>>();

  constructor(
    private readonly options: DigitalOceanOptions,
    settings: PkgcloudDriverSettings,
  ) {
    super(settings);
  }

  /**
   * pkgcloud's digitalocean client builds URLs as `protocol + (serversUrl ?? 'api.digitalocean.com')`
   * joined with the path, so the host is not hard-coded: the configured endpoint is split into those two.
   */
  protected clientOptions(): Record<string, unknown> {
    const url = new URL(this.options.endpoint);
    return {
      provider: 'digitalocean',
      token: this.options.token,
      protocol: `${url.protocol}//`,
      serversUrl: `${url.host}${url.pathname.replace(/\/+$/, '')}`,
    };
  }

  protected override classify(err: unknown, operation: string): CloudError {
    return classifyDigitalOcean(err, operation);
  }

  /** Health checks: the account is the cheapest call that proves the token works. */
  async ping(): Promise<void> {
    await this.json('ping', { path: '/v2/account' }, 'account');
  }

  // ---- nodes ----------------------------------------------------------------------------------

  /**
   * DigitalOcean pages by number (`page`/`per_page`, per_page = the v1 limit + 1, at most 200), so the
   * marker holds the offset of the next droplet plus two anchors: the id of the last droplet handed
   * out and of the one after it. Droplets deleted or created between two requests shift offsets, so
   * the listing resumes at the next droplet, else after the last one, looked up in the page the
   * offset names and, failing that, in the pages before it (deletions only move droplets towards the
   * start); when both are gone the cursor is `cursor_expired`. A bare offset (older cursors) decides alone.
   */
  override async listNodes(page: PageRequest): Promise<Page<CloudNode>> {
    const operation = 'list nodes';
    const marker = parseMarker(page.marker);
    // One droplet more than the v1 page, so a page ends inside a DigitalOcean page and the next
    // droplet's id (the sturdier anchor) is known without another request.
    const perPage = Math.min(page.limit + 1, PER_PAGE_MAX);
    // A hint DigitalOcean applies before paging; the service still checks every node.
    const tag = dropletTagQuery(page.filter);
    const queryFor = (n: number): Query => ({ page: n, per_page: perPage, ...(tag ? { tag_name: tag } : {}) });
    const fetch = (q: Query) => this.json(operation, { path: '/v2/droplets', qs: q }, 'droplets');
    let query = queryFor(Math.floor(marker.offset / perPage) + 1);
    let body = await fetch(query);
    let skip = marker.offset % perPage;
    const anchored = anchorIndex(listOf(operation, body.droplets), marker);
    if (anchored >= 0) skip = anchored;
    else if (marker.lastId || marker.nextId) {
      // Deletions only move droplets towards the start: look back page by page (bounded) for them.
      let found = -1;
      for (let n = Number(query.page) - 1; n >= 1 && found < 0 && Number(query.page) - n <= LOOK_BACK_PAGES; n--) {
        const before = queryFor(n);
        const earlier = await fetch(before);
        found = anchorIndex(listOf(operation, earlier.droplets), marker);
        if (found >= 0) [query, body, skip] = [before, earlier, found];
      }
      // Both droplets around the cursor are gone: an offset would only guess (skipping or repeating
      // droplets without a word), so the caller is told to start again.
      if (found < 0) {
        throw new CloudError(
          'cursor_expired',
          `${operation}: the droplets this cursor ended between are both gone, so its place in the list is unknown`,
        );
      }
    }
    const first = (Number(query.page) - 1) * perPage + skip;
    const items: CloudNode[] = [];
    const raw: any[] = [];
    let more = false;
    for (let fetched = 0; fetched < MAX_PAGES; fetched++) {
      if (fetched > 0) body = await fetch(query);
      const droplets = listOf(operation, body.droplets);
      const rest = droplets.slice(skip);
      skip = 0;
      const room = page.limit - items.length;
      raw.push(...rest.slice(0, room));
      items.push(...rest.slice(0, room).map(toNode));
      const next = nextQuery(body, query);
      more = rest.length > room || next !== undefined;
      if (rest.length > room) raw.push(rest[room]);
      if (!next || items.length >= page.limit) break;
      query = next;
    }
    if (!more) return { items };
    const last = raw[items.length - 1];
    const after = raw[items.length];
    return { items, next: formatMarker(first + items.length, last?.id, after?.id) };
  }

  override async getNode(id: string): Promise<CloudNode> {
    const body = await this.json('get node', { path: `/v2/droplets/${dropletId(id)}` }, 'droplet');
    return toNode(body.droplet);
  }

  override async createNode(request: CreateNodeRequest): Promise<CloudNode> {
    const operation = 'create node';
    // Everything that can be refused locally is checked before anything is created.
    // The idempotency mark is a plain tag (no ":"), so it does not show up as metadata.
    const tags = [...metadataToTags(request.metadata), ...(request.clientToken ? [request.clientToken] : [])];
    if (request.networks && request.networks.length > 1) {
      throw new CloudError('invalid_request', 'a DigitalOcean droplet joins exactly one VPC: give at most one network');
    }
    const sshKey = request.keyName ? await this.keyNamed(operation, request.keyName, 'invalid_reference') : undefined;
    const body = {
      name: request.name,
      // Without a region DigitalOcean picks one, as the v1 API promises when location is absent.
      ...(request.location ? { region: request.location } : {}),
      size: request.size,
      // Image ids are numbers, slugs are strings; DigitalOcean takes either.
      image: /^\d+$/.test(request.image) ? Number(request.image) : request.image,
      ...(sshKey ? { ssh_keys: [sshKey.id] } : {}),
      ...(request.userData !== undefined ? { user_data: request.userData } : {}),
      ...(tags.length ? { tags } : {}),
      ...(request.networks?.length ? { vpc_uuid: request.networks[0] } : {}),
    };
    const created = await this.json(operation, { method: 'POST', path: '/v2/droplets', body }, 'droplet');
    return toNode(created.droplet);
  }

  /** Droplets carrying the mark's tag (GET /v2/droplets?tag_name=); at most one was created with it. */
  async findNodeByClientToken(clientToken: string): Promise<CloudNode | undefined> {
    const operation = 'find node by client token';
    const body = await this.json(
      operation,
      { path: '/v2/droplets', qs: { tag_name: clientToken, per_page: 20 } },
      'droplets',
    );
    const droplet = listOf(operation, body.droplets)[0];
    return droplet ? toNode(droplet) : undefined;
  }

  /** Reboot, power_on and power_off are droplet actions; while one runs the node shows it. */
  override async nodeAction(id: string, action: NodeAction): Promise<CloudNode> {
    const operation = `${action} node`;
    const path = `/v2/droplets/${dropletId(id)}/actions`;
    const answer = await this.json(operation, { method: 'POST', path, body: { type: ACTION_TYPES[action] } }, 'action');
    const node = await this.getNode(id);
    const act = answer.action ?? {};
    const transitional = ACTION_STATES[String(act.type)];
    if (act.status === 'in-progress' && transitional) node.state = transitional;
    node.extra = { ...node.extra, action: { id: act.id ?? null, type: act.type ?? null, status: act.status ?? null } };
    return node;
  }

  override async destroyNode(id: string): Promise<void> {
    await this.exchange('destroy node', { method: 'DELETE', path: `/v2/droplets/${dropletId(id)}` });
  }

  // ---- catalog --------------------------------------------------------------------------------

  override async listImages(): Promise<CloudImage[]> {
    return (await this.all('list images', '/v2/images', 'images')).map(toImage);
  }

  override async listSizes(): Promise<CloudSize[]> {
    return (await this.all('list sizes', '/v2/sizes', 'sizes')).map(toSize);
  }

  override async listLocations(): Promise<CloudLocation[]> {
    return (await this.all('list locations', '/v2/regions', 'regions')).map(toLocation);
  }

  // ---- key pairs ------------------------------------------------------------------------------

  override async listKeyPairs(): Promise<CloudKeyPair[]> {
    return (await this.all('list key pairs', '/v2/account/keys', 'ssh_keys')).map(toKeyPair);
  }

  /**
   * DigitalOcean allows one name twice; v1 names key pairs uniquely, so a taken name is a conflict.
   * Imports of one name are queued one after the other in this process, so the check sees the
   * previous import; an import racing another process (a second replica) is found by listing again
   * after the create: of the keys with the name, the oldest (lowest id) stays and a newer one of ours
   * is deleted again, so every import but one ends in 409 whoever sent it.
   */
  override importKeyPair(name: string, publicKey: string): Promise<CloudKeyPair> {
    const previous = this.importing.get(name) ?? Promise.resolve();
    const mine = previous.catch(() => undefined).then(() => this.importOnce(name, publicKey));
    const tail = mine.catch(() => undefined);
    this.importing.set(name, tail);
    void tail.then(() => {
      if (this.importing.get(name) === tail) this.importing.delete(name);
    });
    return mine;
  }

  private async importOnce(name: string, publicKey: string): Promise<CloudKeyPair> {
    const operation = 'import key pair';
    const taken = () => new CloudError('conflict', `${operation}: a key pair named "${name}" already exists`);
    if ((await this.keysNamed(operation, name)).length) throw taken();
    const body = await this.json(
      operation,
      { method: 'POST', path: '/v2/account/keys', body: { name, public_key: publicKey } },
      'ssh_key',
    );
    const created = body.ssh_key;
    const oldest = (await this.keysNamed(operation, name)).sort((a, b) => Number(a.id) - Number(b.id))[0];
    if (oldest && String(oldest.id) !== String(created?.id)) {
      await this.deleteKey(operation, created?.id);
      throw taken();
    }
    return toKeyPair(created);
  }

  /**
   * DigitalOcean deletes keys by id or fingerprint: find them by name first. Every key with the name
   * goes, so duplicates made before names were kept unique (or by hand) can be cleaned up.
   */
  override async deleteKeyPair(name: string): Promise<void> {
    const operation = 'delete key pair';
    const keys = await this.keysNamed(operation, name);
    if (keys.length === 0) throw new CloudError('not_found', `${operation}: no key pair named "${name}"`);
    for (const key of keys) await this.deleteKey(operation, key.id);
  }

  private async deleteKey(operation: string, id: unknown): Promise<void> {
    await this.exchange(operation, { method: 'DELETE', path: `/v2/account/keys/${encodeURIComponent(String(id))}` });
  }

  private async keysNamed(operation: string, name: string): Promise<any[]> {
    return (await this.all(operation, '/v2/account/keys', 'ssh_keys')).filter((k) => k?.name === name);
  }

  // ---- plumbing -------------------------------------------------------------------------------

  private async keyNamed(operation: string, name: string, missing: 'not_found' | 'invalid_reference'): Promise<any> {
    const matches = (await this.all(operation, '/v2/account/keys', 'ssh_keys')).filter((k) => k?.name === name);
    if (matches.length === 0) {
      throw new CloudError(missing, `${operation}: no key pair named "${name}"`, {
        ...(missing === 'invalid_reference' ? { field: 'keyName' } : {}),
      });
    }
    if (matches.length > 1) {
      throw new CloudError(
        'conflict',
        `${operation}: ${matches.length} key pairs are named "${name}"; rename or delete the extras in DigitalOcean`,
      );
    }
    return matches[0];
  }

  /** Every item of a collection, following `links.pages.next` from page 1 at the largest page size. */
  private async all(operation: string, path: string, key: string): Promise<any[]> {
    const items: any[] = [];
    let query: Query | undefined = { page: 1, per_page: PER_PAGE_MAX };
    for (let fetched = 0; query && fetched < MAX_PAGES; fetched++) {
      const body = await this.json(operation, { path, qs: query }, key);
      items.push(...listOf(operation, body[key]));
      query = nextQuery(body, query);
    }
    return items;
  }

  private async json(operation: string, request: ProviderRequest, key: string): Promise<Record<string, any>> {
    return jsonObject(operation, await this.exchange(operation, request), key);
  }
}

/**
 * The query of `links.pages.next`, to request against the configured endpoint: the link names the
 * public host, and following it verbatim would bypass a configured endpoint (and send the token there).
 * Only a link that moves forward counts, so a faulty link cannot loop.
 */
function nextQuery(body: Record<string, any>, current: Query): Query | undefined {
  const next = body?.links?.pages?.next;
  if (typeof next !== 'string' || !next) return undefined;
  let params: URLSearchParams;
  try {
    params = new URL(next, 'https://api.digitalocean.com').searchParams;
  } catch {
    return undefined;
  }
  const page = Number(params.get('page'));
  if (!Number.isInteger(page) || page <= Number(current.page)) return undefined;
  return { ...current, ...Object.fromEntries(params), page };
}

interface DropletMarker {
  offset: number;
  lastId?: string;
  nextId?: string;
}

/** `offset[.lastId[.nextId]]`, all digits: droplet ids are integers. A bare offset (older cursors) still reads. */
function parseMarker(marker: string | undefined): DropletMarker {
  if (marker === undefined) return { offset: 0 };
  const match = /^(\d{1,9})(?:\.(\d{1,20}))?(?:\.(\d{1,20}))?$/.exec(marker);
  if (!match) throw new CloudError('invalid_cursor', 'the cursor does not belong to a DigitalOcean listing');
  return { offset: Number(match[1]), lastId: match[2], nextId: match[3] };
}

function formatMarker(offset: number, lastId: unknown, nextId: unknown): string {
  const id = (v: unknown) => (typeof v === 'number' || (typeof v === 'string' && /^\d+$/.test(v)) ? String(v) : '');
  const last = id(lastId);
  const next = id(nextId);
  return [String(offset), ...(last ? [last, ...(next ? [next] : [])] : [])].join('.');
}

/** Where to resume in `droplets`: at the next droplet, else after the last one; -1 when neither is there. */
function anchorIndex(droplets: any[], marker: DropletMarker): number {
  if (marker.nextId) {
    const next = droplets.findIndex((d) => String(d?.id) === marker.nextId);
    if (next >= 0) return next;
  }
  if (marker.lastId) {
    const last = droplets.findIndex((d) => String(d?.id) === marker.lastId);
    if (last >= 0) return last + 1;
  }
  return -1;
}

/** Droplet ids are integers; anything else cannot name a droplet (and must not reach the URL path). */
function dropletId(id: string): string {
  if (!/^\d{1,20}$/.test(id))
    throw new CloudError('not_found', `droplet ${JSON.stringify(id)} not found: droplet ids are numbers`);
  return id;
}
