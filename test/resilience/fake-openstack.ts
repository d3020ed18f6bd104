import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readdirSync } from 'node:fs';

/**
 * What a part of the fake cloud does to each request, switched at run time:
 * - hang: read the request, never answer (until `heal`, which then handles it as a real cloud would);
 * - slow: answer correctly after `ms`;
 * - reset: destroy the socket without answering;
 * - status: answer that HTTP status (401, 429, 500, 503 ...) with an OpenStack-style error body;
 * - garbage: 200 with a body that is not JSON;
 * - truncated: 200 announcing more bytes than it sends, then close.
 */
export type Fault =
  | { kind: 'none' }
  | { kind: 'hang' }
  | { kind: 'slow'; ms: number }
  | { kind: 'reset' }
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'garbage' }
  | { kind: 'truncated' };

export const FAULTS: Fault[] = [
  { kind: 'hang' },
  { kind: 'slow', ms: 5_000 },
  { kind: 'reset' },
  { kind: 'status', status: 500 },
  { kind: 'status', status: 503 },
  { kind: 'garbage' },
  { kind: 'truncated' },
  { kind: 'status', status: 401 },
  { kind: 'status', status: 429, retryAfter: '7' },
];

export function faultName(fault: Fault): string {
  return fault.kind === 'status' ? String(fault.status) : fault.kind;
}

interface Received {
  method: string;
  path: string;
  at: number;
  body: any;
}

/**
 * A small, stateful Keystone v3 + Nova 2.1 on loopback, for the fault suite: it really creates servers
 * and key pairs, so a test can count what a failed call left behind, and its faults are switched per
 * part (identity, compute) while requests run.
 */
export class FakeOpenstack {
  identity: Fault = { kind: 'none' };
  /** Identity faults for one user only (a cloud configured with that user), over `identity`; `heal` keeps them. */
  readonly identityFor = new Map<string, Fault>();
  compute: Fault = { kind: 'none' };
  readonly servers = new Map<string, { id: string; name: string; created: string }>();
  readonly keypairs = new Map<string, { name: string; public_key: string; fingerprint: string }>();
  readonly received: Received[] = [];
  private readonly hung: Array<() => void> = [];
  private readonly sockets = new Set<Socket>();
  private tokenSerial = 0;

  private constructor(private readonly server: Server) {
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(): Promise<FakeOpenstack> {
    const server = createServer();
    const fake = new FakeOpenstack(server);
    server.on('request', (req, res) => fake.receive(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Open client connections to the fake right now. */
  get openConnections(): number {
    return this.sockets.size;
  }

  /** Keystone logins received (successful or not). */
  get logins(): number {
    return this.received.filter((r) => r.method === 'POST' && r.path === '/v3/auth/tokens').length;
  }

  /** Settings for the service's openstack engine pointing here. */
  cloudSettings(timeoutMs: number, resilience: Record<string, number> = {}, user = 'demo'): Record<string, unknown> {
    return {
      engine: 'openstack',
      user,
      password: 'fake-secret',
      timeoutMs,
      resilience,
      catalogTtlMs: 0, // every read reaches the fake, so its faults are met
      extraParams: { authUrl: this.url, region: 'RegionOne', projectName: 'demo' },
    };
  }

  /** Ends every fault; requests held by `hang` are now handled, as a cloud that recovers would. */
  heal(): void {
    this.identity = { kind: 'none' };
    this.compute = { kind: 'none' };
    for (const release of this.hung.splice(0)) release();
  }

  reset(): void {
    this.heal();
    this.servers.clear();
    this.keypairs.clear();
    this.received.length = 0;
  }

  async close(): Promise<void> {
    this.hung.length = 0;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private receive(req: IncomingMessage, res: ServerResponse): void {
    let text = '';
    req.on('data', (d) => (text += d));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0];
      let body: any;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      this.received.push({ method: req.method ?? 'GET', path, at: Date.now(), body });
      const identity = path.startsWith('/v3/');
      const user = String(body?.auth?.identity?.password?.user?.name ?? '');
      const fault = identity ? (this.identityFor.get(user) ?? this.identity) : this.compute;
      const handle = () => (identity ? this.keystone(req, res) : this.nova(req.method ?? 'GET', path, body, res));
      this.apply(fault, res, handle);
    });
  }

  private apply(fault: Fault, res: ServerResponse, handle: () => void): void {
    switch (fault.kind) {
      case 'none':
        return handle();
      case 'hang':
        this.hung.push(handle);
        return;
      case 'slow':
        setTimeout(handle, fault.ms).unref();
        return;
      case 'reset':
        res.socket?.destroy();
        return;
      case 'status': {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (fault.retryAfter) headers['retry-after'] = fault.retryAfter;
        const body = { error: { code: fault.status, message: `fake fault ${fault.status}`, title: 'Fault' } };
        return send(res, fault.status, body, headers);
      }
      case 'garbage':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('<html>502 proxy error</html> {{{ not json');
        return;
      case 'truncated':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '4096' });
        res.write('{"servers": [{"id": "tr');
        setTimeout(() => res.socket?.destroy(), 10).unref();
        return;
    }
  }

  private keystone(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'POST') return send(res, 404, { error: { code: 404, message: 'not found' } });
    const now = Date.now();
    send(
      res,
      201,
      {
        token: {
          issued_at: new Date(now).toISOString(),
          expires_at: new Date(now + 3_600_000).toISOString(),
          project: { id: 'p-1', name: 'demo' },
          user: { id: 'u-1', name: 'demo' },
          catalog: [
            {
              type: 'compute',
              name: 'nova',
              endpoints: [{ interface: 'public', region: 'RegionOne', url: `${this.url}/v2.1` }],
            },
          ],
        },
      },
      { 'x-subject-token': `tok-${++this.tokenSerial}` },
    );
  }

  private nova(method: string, path: string, body: any, res: ServerResponse): void {
    const route = path.replace(/^\/v2\.1\/?/, '');
    const notFound = () => send(res, 404, { itemNotFound: { code: 404, message: 'not found' } });
    if (method === 'GET' && route === 'servers/detail') {
      return send(res, 200, { servers: [...this.servers.values()].map(novaServer), servers_links: [] });
    }
    if (method === 'POST' && route === 'servers') {
      const id = randomUUID();
      this.servers.set(id, { id, name: String(body?.server?.name ?? ''), created: new Date().toISOString() });
      return send(res, 202, { server: { id, links: [], adminPass: 'x' } });
    }
    const server = /^servers\/([^/]+)$/.exec(route);
    if (server) {
      const found = this.servers.get(decodeURIComponent(server[1]));
      if (!found) return notFound();
      if (method === 'GET') return send(res, 200, { server: novaServer(found) });
      if (method === 'DELETE') {
        this.servers.delete(found.id);
        return send(res, 204, undefined);
      }
    }
    if (method === 'GET' && route === 'flavors/detail') {
      return send(res, 200, { flavors: [{ id: '1', name: 'm1.tiny', ram: 512, disk: 1, vcpus: 1 }] });
    }
    if (method === 'GET' && route === 'images/detail') {
      return send(res, 200, { images: [{ id: 'img-1', name: 'cirros', status: 'ACTIVE', metadata: {} }] });
    }
    if (method === 'GET' && route === 'os-keypairs') {
      return send(res, 200, { keypairs: [...this.keypairs.values()].map((keypair) => ({ keypair })) });
    }
    if (method === 'POST' && route === 'os-keypairs') {
      const name = String(body?.keypair?.name ?? '');
      if (this.keypairs.has(name)) return send(res, 409, { conflictingRequest: { code: 409, message: 'exists' } });
      const keypair = { name, public_key: String(body?.keypair?.public_key ?? ''), fingerprint: 'aa:bb' };
      this.keypairs.set(name, keypair);
      return send(res, 200, { keypair });
    }
    const keypair = /^os-keypairs\/([^/]+)$/.exec(route);
    if (keypair && method === 'DELETE') {
      return this.keypairs.delete(decodeURIComponent(keypair[1])) ? send(res, 202, undefined) : notFound();
    }
    notFound();
  }
}

function novaServer(s: { id: string; name: string; created: string }) {
  return {
    id: s.id,
    name: s.name,
    status: 'ACTIVE',
    'OS-EXT-STS:task_state': null,
    'OS-EXT-STS:vm_state': 'active',
    'OS-EXT-STS:power_state': 1,
    'OS-EXT-AZ:availability_zone': 'nova',
    image: { id: 'img-1' },
    flavor: { id: '1' },
    addresses: {},
    metadata: {},
    created: s.created,
    key_name: null,
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

/** Open file descriptors of this process (sockets included), from /proc/self/fd. */
export function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}
