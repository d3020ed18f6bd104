import { createServer, request, Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { call, startApp, TestApp, waitFor } from '../support/app';
import { FixtureServer } from '../support/fixture-server';
import { startService } from '../support/service-process';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_ID}-01`;

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe('tracing (OpenTelemetry, spans collected in memory)', () => {
  const exporter = new InMemorySpanExporter();
  let t: TestApp;
  let fixture: FixtureServer;

  beforeAll(async () => {
    fixture = await FixtureServer.start();
    fixture.on({ method: 'GET', path: '/v2/account', file: 'digitalocean/account.json' });
    t = await startApp(
      {
        health: { cloudCheckIntervalMs: 3_600_000 },
        clouds: {
          default: { engine: 'dummy', extraParams: { nodes: 2, transitionMs: 10 } },
          slow: { engine: 'dummy', timeoutMs: 100, extraParams: { latencyMs: 5_000 } },
          do: { engine: 'digitalocean', password: 'dop_v1_x', timeoutMs: 2000, extraParams: { endpoint: fixture.url } },
        },
      },
      { spanExporter: exporter },
    );
    await waitFor(async () => fixture.received('GET', '/v2/account').length > 0);
  });
  afterAll(async () => {
    await t?.close();
    await fixture?.close();
  });
  beforeEach(() => {
    exporter.reset();
    fixture.reset();
  });

  /** The spans of one trace, once the request span has ended. */
  const spansOf = (traceId: string) =>
    waitFor(async () => {
      const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
      return spans.some((s) => s.kind === SpanKind.SERVER) && spans;
    });

  it("continues the caller's traceparent: a request span, and a cloud-call span under it", async () => {
    const res = await call(t.url, 'GET', '/api/v1/clouds/default/nodes', undefined, { traceparent: TRACEPARENT });
    expect(res.status).toBe(200);
    const spans = await spansOf(TRACE_ID);
    const server = spans.find((s) => s.kind === SpanKind.SERVER)!;
    expect(server.name).toBe('GET /api/v1/clouds/:cloud/nodes');
    expect(parentOf(server)).toBe(PARENT_ID);
    expect(server.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/api/v1/clouds/:cloud/nodes',
      'http.response.status_code': 200,
      'request.id': res.headers.get('x-request-id'),
    });
    const cloud = spans.find((s) => s.kind === SpanKind.CLIENT)!;
    expect(cloud.name).toBe('cloud list nodes');
    expect(cloud.attributes).toEqual({ cloud: 'default', operation: 'list nodes', outcome: 'ok' });
    expect(parentOf(cloud)).toBe(server.spanContext().spanId);
    expect(cloud.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('starts a new trace without traceparent, and traces requests with a body (createNode) too', async () => {
    const res = await call(t.url, 'POST', '/api/v1/clouds/default/nodes', {
      name: 'traced',
      image: 'img-debian-12',
      size: 'small',
    });
    expect(res.status).toBe(202);
    const server = await waitFor(async () =>
      exporter.getFinishedSpans().find((s) => s.name === 'POST /api/v1/clouds/:cloud/nodes'),
    );
    expect(server.parentSpanContext).toBeUndefined();
    expect(server.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(server.spanContext().traceId).not.toBe(TRACE_ID);
    const cloud = exporter.getFinishedSpans().find((s) => s.name === 'cloud create node')!;
    expect(cloud.attributes).toEqual({ cloud: 'default', operation: 'create node', outcome: 'ok' });
    expect(parentOf(cloud)).toBe(server.spanContext().spanId);
  });

  it('keeps the request span current when the body arrives after the headers', async () => {
    const body = JSON.stringify({ name: 'late-body', image: 'img-debian-12', size: 'small' });
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${t.url}/api/v1/clouds/default/nodes`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          traceparent: TRACEPARENT,
        },
      });
      req.on('response', (res) => (res.resume(), resolve(res.statusCode ?? 0)));
      req.on('error', reject);
      req.flushHeaders();
      setTimeout(() => req.end(body), 100);
    });
    expect(status).toBe(202);
    const spans = await spansOf(TRACE_ID);
    const server = spans.find((s) => s.kind === SpanKind.SERVER)!;
    const cloud = spans.find((s) => s.name === 'cloud create node')!;
    expect(parentOf(cloud)).toBe(server.spanContext().spanId);
  });

  it('marks failed cloud calls and their requests with the outcome', async () => {
    const res = await call(t.url, 'GET', '/api/v1/clouds/slow/sizes', undefined, { traceparent: TRACEPARENT });
    expect(res.status).toBe(504);
    const spans = await spansOf(TRACE_ID);
    const cloud = spans.find((s) => s.kind === SpanKind.CLIENT)!;
    expect(cloud.attributes).toEqual({ cloud: 'slow', operation: 'list sizes', outcome: 'timeout' });
    expect(cloud.status.code).toBe(SpanStatusCode.ERROR);
    const server = spans.find((s) => s.kind === SpanKind.SERVER)!;
    expect(server.attributes['http.response.status_code']).toBe(504);
    expect(server.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('traces refused requests too (bad input)', async () => {
    const res = await call(t.url, 'GET', '/api/v1/clouds/default/nodes?limit=0', undefined, {
      traceparent: TRACEPARENT,
    });
    expect(res.status).toBe(400);
    const server = (await spansOf(TRACE_ID)).find((s) => s.kind === SpanKind.SERVER)!;
    expect(server.attributes['http.response.status_code']).toBe(400);
  });

  it('does not trace the probes', async () => {
    for (const path of ['/health/live', '/health/ready', '/health/clouds'])
      expect((await call(t.url, 'GET', path, undefined, { traceparent: TRACEPARENT })).status).toBe(200);
    await call(t.url, 'GET', '/api/v1/clouds', undefined, { traceparent: TRACEPARENT });
    const spans = await spansOf(TRACE_ID);
    expect(spans.map((s) => s.name)).toEqual(['GET /api/v1/clouds']);
  });

  it('propagates the trace to the cloud: pkgcloud requests carry traceparent', async () => {
    fixture.on({ method: 'GET', path: '/v2/droplets', file: 'digitalocean/droplets-page-2.json' });
    const res = await call(t.url, 'GET', '/api/v1/clouds/do/nodes', undefined, { traceparent: TRACEPARENT });
    expect(res.status).toBe(200);
    const sent = fixture.received('GET', '/v2/droplets');
    expect(sent.length).toBeGreaterThan(0);
    const server = (await spansOf(TRACE_ID)).find((s) => s.kind === SpanKind.SERVER)!;
    for (const request of sent)
      expect(request.headers.traceparent).toBe(`00-${TRACE_ID}-${server.spanContext().spanId}-01`);
  });
});

describe('tracing in the running service', () => {
  let collector: Server;
  const exported: string[] = [];

  beforeAll(async () => {
    collector = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        exported.push(`${req.url} ${body}`);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
  });
  afterAll(() => new Promise((r) => collector.close(r)));

  /** Runs the built service with this config, sends requests with TRACEPARENT, and checks their log lines. */
  const expectTraceIdInEveryLogLine = async (config: string[]) => {
    const dir = mkdtempSync(join(tmpdir(), 'co-trace-'));
    const file = join(dir, 'site.yaml');
    writeFileSync(file, [...config, 'clouds:', '  default: { engine: dummy, extraParams: { nodes: 1 } }'].join('\n'));
    const service = await startService({ CONFIG_FILE: file, LOG_LEVEL: 'debug' });
    try {
      const ids: string[] = [];
      for (const path of ['/api/v1/clouds/default/nodes', '/api/v1/clouds/default/nodes/node-999999', '/api/v1/nope']) {
        const res = await call(service.url, 'GET', path, undefined, { traceparent: TRACEPARENT });
        ids.push(res.headers.get('x-request-id')!);
      }
      const lines = () =>
        service
          .output()
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l));
      // Every request wrote at least its access line, and the first two a cloud-call line.
      const mine = await waitFor(async () => {
        const found = lines().filter((l) => ids.includes(l.requestId) || l.traceId === TRACE_ID);
        return found.filter((l) => l.context === 'CloudCall').length >= 2 && found.length >= 5 && found;
      });
      for (const line of mine)
        expect({ msg: line.msg, traceId: line.traceId }).toEqual({ msg: line.msg, traceId: TRACE_ID });
      expect(new Set(mine.filter((l) => l.requestId).map((l) => l.requestId))).toEqual(new Set(ids));
      // A line written inside a request (not only its access line) names that request.
      const cloudCalls = mine.filter((l) => l.context === 'CloudCall');
      expect(cloudCalls.map((l) => l.requestId)).toEqual(expect.arrayContaining(ids.slice(0, 2)));
      for (const line of cloudCalls) expect(ids).toContain(line.requestId);
    } finally {
      await service.stop();
    }
  };

  it('writes the trace id in every log line of a request in the default configuration (nothing exported)', async () => {
    await expectTraceIdInEveryLogLine([]);
  });

  it('writes the trace id in every log line of a request, and exports spans over OTLP when configured', async () => {
    const port = (collector.address() as { port: number }).port;
    await expectTraceIdInEveryLogLine(['tracing:', `  otlpEndpoint: http://127.0.0.1:${port}/v1/traces`]);
    // Shutting down flushes the batch: the collector got OTLP/HTTP with our trace in it.
    const hex = Buffer.from(TRACE_ID, 'hex');
    expect(exported.length).toBeGreaterThan(0);
    expect(exported[0].startsWith('/v1/traces ')).toBe(true);
    expect(
      exported.some(
        (e) => e.includes(TRACE_ID) || e.includes(hex.toString('base64')) || e.includes(hex.toString('latin1')),
      ),
    ).toBe(true);
  });
});
