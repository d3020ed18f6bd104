import { readFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** Where recorded provider responses live: test/fixtures/<provider>/<file>. */
export const FIXTURES_DIR = join(__dirname, '..', 'fixtures');

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  /** Raw body text. */
  body: string;
  /** Body parsed as JSON or as a form (EC2 Query API), when it is one. */
  json?: any;
  form?: URLSearchParams;
}

export interface Exchange {
  /** Shown in failure messages. */
  name?: string;
  method: string;
  path: string | RegExp;
  /** Extra match condition, e.g. the EC2 Action or a query parameter. */
  when?: (req: RecordedRequest) => boolean;
  /** Checks the request the driver sent; throw (e.g. jest expect) to fail the test. */
  expect?: (req: RecordedRequest) => void;
  status?: number;
  headers?: Record<string, string>;
  /** A file under test/fixtures, an object (sent as JSON), a string, or a function of the request. */
  file?: string;
  body?: unknown;
  /** Answer after this long (slow cloud). */
  delayMs?: number;
  /** Never answer (hung cloud); the socket is closed when the server closes. */
  hang?: boolean;
  /** Answer this many times at most, then fall through to the next match. */
  times?: number;
}

/**
 * A loopback HTTP server that answers provider requests from recorded responses and checks what the
 * driver sent. Later routes take precedence, so a test can override one answer of a default set.
 * Requests with no matching route get a 599 and are kept in `unmatched`; failed expectations in
 * `failures`: `assertClean()` turns either into a test failure.
 */
export class FixtureServer {
  readonly requests: RecordedRequest[] = [];
  readonly unmatched: RecordedRequest[] = [];
  readonly failures: string[] = [];
  private routes: Array<Exchange & { used: number }> = [];
  private readonly hung = new Set<ServerResponse>();

  private constructor(private readonly server: Server) {}

  /** Connections open to this server now (each one a client socket not yet closed). */
  openConnections(): Promise<number> {
    return new Promise((resolve, reject) => this.server.getConnections((e, n) => (e ? reject(e) : resolve(n))));
  }

  static async start(): Promise<FixtureServer> {
    const holder: { fixture?: FixtureServer } = {};
    const server = createServer((req, res) => void holder.fixture!.handle(req, res));
    const fixture = new FixtureServer(server);
    holder.fixture = fixture;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fixture;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Adds routes (the last added wins among matches). */
  on(...exchanges: Exchange[]): this {
    this.routes.push(...exchanges.map((e) => ({ ...e, used: 0 })));
    return this;
  }

  /** Forgets routes and recorded requests (between tests). */
  reset(): void {
    this.routes = [];
    this.requests.length = 0;
    this.unmatched.length = 0;
    this.failures.length = 0;
  }

  /** Requests that matched a method and path, for assertions after the fact. */
  received(method: string, path: string | RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && matches(path, r.path));
  }

  assertClean(): void {
    const problems = [
      ...this.unmatched.map((r) => `no fixture for ${r.method} ${r.path}?${r.query}`),
      ...this.failures,
    ];
    if (problems.length) throw new Error(`fixture server:\n${problems.join('\n')}`);
  }

  /** Answers every request held by `hang` with `status` now, as a cloud that recovers would. */
  releaseHung(status = 500): void {
    for (const res of this.hung) if (!res.destroyed) res.writeHead(status, { 'content-type': 'text/plain' }).end();
    this.hung.clear();
  }

  async close(): Promise<void> {
    for (const res of this.hung) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const recorded = await record(req);
    this.requests.push(recorded);
    const route = [...this.routes]
      .reverse()
      .find(
        (r) =>
          r.method === recorded.method &&
          matches(r.path, recorded.path) &&
          (r.times === undefined || r.used < r.times) &&
          (!r.when || r.when(recorded)),
      );
    if (!route) {
      this.unmatched.push(recorded);
      res.writeHead(599, { 'content-type': 'text/plain' }).end(`no fixture for ${recorded.method} ${recorded.path}`);
      return;
    }
    route.used++;
    try {
      route.expect?.(recorded);
    } catch (error) {
      const message = `${route.name ?? `${route.method} ${route.path}`}: ${(error as Error).message}`;
      this.failures.push(message);
      res.writeHead(598, { 'content-type': 'text/plain' }).end(message);
      return;
    }
    if (route.hang) {
      this.hung.add(res);
      return;
    }
    if (route.delayMs) await new Promise((r) => setTimeout(r, route.delayMs));
    const { body, contentType } = render(route, recorded);
    res.writeHead(route.status ?? 200, { 'content-type': contentType, ...(route.headers ?? {}) });
    res.end(body);
  }
}

function matches(pattern: string | RegExp, path: string): boolean {
  return typeof pattern === 'string' ? pattern === path : pattern.test(path);
}

async function record(req: IncomingMessage): Promise<RecordedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  const url = new URL(req.url ?? '/', 'http://fixture');
  const type = String(req.headers['content-type'] ?? '');
  let json: unknown;
  if (body && (type.includes('json') || /^[[{]/.test(body))) {
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
  }
  const form = type.includes('x-www-form-urlencoded') ? new URLSearchParams(body) : undefined;
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: url.searchParams,
    headers: req.headers,
    body,
    json,
    form,
  };
}

function render(route: Exchange, req: RecordedRequest): { body: string; contentType: string } {
  if (route.file) {
    const text = readFileSync(join(FIXTURES_DIR, route.file), 'utf8');
    return { body: text, contentType: route.file.endsWith('.xml') ? 'text/xml;charset=UTF-8' : 'application/json' };
  }
  const value = typeof route.body === 'function' ? (route.body as (r: RecordedRequest) => unknown)(req) : route.body;
  if (value === undefined) return { body: '', contentType: 'application/json' };
  if (typeof value === 'string')
    return { body: value, contentType: value.trimStart().startsWith('<') ? 'text/xml;charset=UTF-8' : 'text/plain' };
  return { body: JSON.stringify(value), contentType: 'application/json' };
}
