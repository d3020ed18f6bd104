/**
 * Talks to the loopback OpenStack directly (fetch, no pkgcloud, no service): the integration suite's
 * independent view of Keystone and Nova, to check what the service did and to time Nova itself.
 */

export const KEYSTONE = process.env.OS_CI_KEYSTONE ?? 'http://127.0.0.1:5000';
export const NOVA = process.env.OS_CI_NOVA ?? 'http://127.0.0.1:8774/v2.1';
export const USER = 'demo';
export const PASSWORD = process.env.OS_CI_PASSWORD ?? 'secret';
export const PROJECT = 'demo';
export const REGION = 'RegionOne';

export interface NovaAnswer {
  status: number;
  body: any;
  ms: number;
}

export class NovaDirect {
  private constructor(readonly token: string) {}

  /** A project-scoped token for demo/demo, as status.sh gets one. */
  static async login(password = PASSWORD): Promise<NovaDirect> {
    const { token, status } = await issueToken(password);
    if (!token) throw new Error(`Keystone refused demo/demo: HTTP ${status}`);
    return new NovaDirect(token);
  }

  async request(method: string, path: string, body?: unknown): Promise<NovaAnswer> {
    const started = performance.now();
    const response = await fetch(`${NOVA}${path}`, {
      method,
      headers: { 'x-auth-token': this.token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    const ms = performance.now() - started;
    return { status: response.status, body: text ? JSON.parse(text) : undefined, ms };
  }

  /** Every server of the project, walking Nova's pages (no limit: Nova's max_limit applies). */
  async allServers(): Promise<any[]> {
    const servers: any[] = [];
    let path = '/servers/detail';
    for (let page = 0; page < 1000; page++) {
      const { status, body } = await this.request('GET', path);
      if (status !== 200) throw new Error(`GET ${path}: HTTP ${status}`);
      servers.push(...body.servers);
      const next = (body.servers_links ?? []).find((l: any) => l.rel === 'next');
      const marker = next ? new URL(next.href).searchParams.get('marker') : null;
      if (!marker || !body.servers.length) break;
      path = `/servers/detail?marker=${encodeURIComponent(marker)}`;
    }
    const byId = new Map(servers.map((s) => [s.id, s]));
    return [...byId.values()];
  }

  async server(id: string): Promise<any> {
    const { status, body } = await this.request('GET', `/servers/${id}`);
    if (status === 404) return undefined;
    if (status !== 200) throw new Error(`GET /servers/${id}: HTTP ${status}`);
    return body.server;
  }

  async keyPairNames(): Promise<string[]> {
    const { body } = await this.request('GET', '/os-keypairs');
    return body.keypairs.map((k: any) => k.keypair.name);
  }
}

export async function issueToken(password: string): Promise<{ token?: string; status: number; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${KEYSTONE}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: USER, domain: { name: 'Default' }, password } } },
        scope: { project: { name: PROJECT, domain: { name: 'Default' } } },
      },
    }),
    signal: AbortSignal.timeout(30_000),
  });
  await response.text();
  return {
    token: response.headers.get('x-subject-token') ?? undefined,
    status: response.status,
    ms: performance.now() - started,
  };
}

/** Per-operation timings of the same work through the service and straight against Nova. */
export class Latencies {
  private readonly samples = new Map<string, { service: number[]; nova: number[] }>();

  add(operation: string, path: 'service' | 'nova', ms: number): void {
    const entry = this.samples.get(operation) ?? { service: [], nova: [] };
    entry[path].push(ms);
    this.samples.set(operation, entry);
  }

  async time<T>(operation: string, path: 'service' | 'nova', work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const result = await work();
    this.add(operation, path, performance.now() - started);
    return result;
  }

  get size(): number {
    return this.samples.size;
  }

  table(): string {
    const rows = [['operation', 'n', 'service p50', 'service p90', 'nova p50', 'nova p90', 'overhead p50']];
    for (const [operation, { service, nova }] of this.samples) {
      const overhead =
        service.length && nova.length ? `${(quantile(service, 0.5) - quantile(nova, 0.5)).toFixed(1)} ms` : '-';
      rows.push([
        operation,
        String(Math.min(service.length, nova.length) || Math.max(service.length, nova.length)),
        ms(service, 0.5),
        ms(service, 0.9),
        ms(nova, 0.5),
        ms(nova, 0.9),
        overhead,
      ]);
    }
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    return rows
      .map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '))
      .join('\n');
  }
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function ms(values: number[], q: number): string {
  return values.length ? `${quantile(values, q).toFixed(1)} ms` : '-';
}
