/**
 * kill -9 between the cloud's accept and the service's answer, against the real OpenStack of up.sh.
 * The service runs as a real process (dist/main.js, SQLite file store) and reaches Keystone and Nova
 * through a loopback proxy that forwards everything but holds back Nova's answer to POST /servers:
 * once Nova has accepted the create (the proxy has its 202), the service is killed with SIGKILL. A
 * new process on the same store gets the same create with the same Idempotency-Key: it must answer
 * with the server Nova made, and Nova must hold exactly one server of that name. Repeated CRASHES
 * times. Run with `bash test/openstack/run.sh` after `npm run build`.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, waitFor } from '../support/app';
import { ServiceProcess, startService } from '../support/service-process';
import { KEYSTONE, NovaDirect, PASSWORD, PROJECT, REGION, USER } from './nova-direct';

const PREFIX = `crash-${process.pid}-${Date.now().toString(36)}-`;
const CRASHES = 3;
const NOVA_ORIGIN = 'http://127.0.0.1:8774';
const TIMEOUT_MS = 5_000;

/** Forwards to `target`; `onResponse` may rewrite a body or hold the answer back (return 'hold'). */
async function proxy(
  target: string,
  onResponse: (req: IncomingMessage, status: number, body: Buffer) => Buffer | 'hold',
): Promise<{ url: string; server: Server }> {
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const upstream = new URL(req.url ?? '/', target);
      const headers = { ...req.headers, host: upstream.host };
      delete headers['content-length'];
      const body = Buffer.concat(chunks);
      const out = httpRequest(
        upstream,
        { method: req.method, headers: { ...headers, 'content-length': body.length } },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (c: Buffer) => parts.push(c));
          answer.on('end', () => {
            const result = onResponse(req, answer.statusCode ?? 502, Buffer.concat(parts));
            if (result === 'hold') {
              held.push(res);
              return;
            }
            const responseHeaders = { ...answer.headers, 'content-length': String(result.length) };
            delete responseHeaders['transfer-encoding'];
            res.writeHead(answer.statusCode ?? 502, responseHeaders).end(result);
          });
        },
      );
      out.on('error', () => res.destroy());
      out.end(body);
    });
  });
  server.on('close', () => held.forEach((r) => r.destroy()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('kill -9 after Nova accepted a create, before the service answered (real OpenStack)', () => {
  let nova: NovaDirect;
  let imageId: string;
  let dir: string;
  let keystoneProxy: { url: string; server: Server };
  let novaProxy: { url: string; server: Server };
  /** Resolved with Nova's answer the moment the proxy holds one back. */
  let accepted: (body: any) => void = () => undefined;
  const services: ServiceProcess[] = [];
  const ours = async () => (await nova.allServers()).filter((s) => String(s.name).startsWith(PREFIX));

  beforeAll(async () => {
    nova = await NovaDirect.login();
    imageId = (await nova.request('GET', '/images/detail')).body.images.find((i: any) => i.name === 'cirros-fake').id;
    novaProxy = await proxy(NOVA_ORIGIN, (req, status, body) => {
      if (req.method === 'POST' && /\/servers$/.test(req.url ?? '') && status === 202) {
        accepted(JSON.parse(body.toString('utf8')));
        return 'hold';
      }
      return body;
    });
    // Keystone's catalog is rewritten so the service finds Nova behind the proxy.
    keystoneProxy = await proxy(KEYSTONE, (_req, _status, body) =>
      Buffer.from(body.toString('utf8').split(NOVA_ORIGIN).join(novaProxy.url)),
    );
    dir = mkdtempSync(join(tmpdir(), 'co-crash-'));
    const config = {
      state: { path: join(dir, 'state.db') },
      operations: { pollIntervalMs: 500 },
      clouds: {
        lab: {
          engine: 'openstack',
          user: USER,
          password: '${OS_LAB_PASSWORD}',
          timeoutMs: TIMEOUT_MS,
          extraParams: { authUrl: keystoneProxy.url, region: REGION, projectName: PROJECT },
        },
      },
    };
    writeFileSync(join(dir, 'config.json.yaml'), JSON.stringify(config));
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop('SIGKILL')));
    const leftovers = await ours();
    await Promise.all(leftovers.map((s) => nova.request('DELETE', `/servers/${s.id}`)));
    await waitFor(async () => (await ours()).length === 0, 60_000, 250).catch(() => undefined);
    keystoneProxy?.server.closeAllConnections();
    novaProxy?.server.closeAllConnections();
    keystoneProxy?.server.close();
    novaProxy?.server.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const start = async () => {
    const service = await startService({
      CONFIG_FILE: join(dir, 'config.json.yaml'),
      OS_LAB_PASSWORD: PASSWORD,
      no_proxy: '127.0.0.1,localhost',
      NO_PROXY: '127.0.0.1,localhost',
    });
    services.push(service);
    return service;
  };

  it(`${CRASHES} crashes: every retry with the same key answers with the one server Nova made`, async () => {
    const counts: Array<{ crash: number; serversAfterCrash: number; serversAfterRetry: number; sameId: boolean }> = [];
    for (let crash = 1; crash <= CRASHES; crash++) {
      const name = `${PREFIX}${crash}`;
      const key = `"${randomUUID()}"`;
      const body = { name, image: imageId, size: '1' };
      const first = await start();
      const novaAccepted = new Promise<any>((resolve) => (accepted = resolve));
      const pending = call(first.url, 'POST', '/api/v1/clouds/lab/nodes', body, { 'idempotency-key': key }).then(
        (r) => r.status,
        () => 'no answer' as const,
      );
      const novaServer = (await novaAccepted).server;
      await first.stop('SIGKILL');
      expect(await pending).toBe('no answer');
      const serversAfterCrash = (await ours()).filter((s) => s.name === name).length;

      const second = await start();
      // The dead process's claim on the key lasts its lease (bounded by the cloud timeout): meanwhile 409.
      let retry = await call(second.url, 'POST', '/api/v1/clouds/lab/nodes', body, { 'idempotency-key': key });
      const deadline = Date.now() + 4 * TIMEOUT_MS + 10_000;
      while (retry.status === 409 && Date.now() < deadline) {
        expect(retry.body.type).toBe('urn:cloud-orchestrator:problem:idempotency-key-in-flight');
        await new Promise((r) => setTimeout(r, 1_000 * Math.min(Number(retry.headers.get('retry-after')) || 1, 3)));
        retry = await call(second.url, 'POST', '/api/v1/clouds/lab/nodes', body, { 'idempotency-key': key });
      }
      expect(retry.status).toBe(202);
      expect(retry.body.id).toBe(novaServer.id);
      const op = await call(second.url, 'GET', `${retry.headers.get('operation-location')}?wait=60`);
      expect(op.body).toMatchObject({ state: 'succeeded', target: novaServer.id });
      const again = await call(second.url, 'POST', '/api/v1/clouds/lab/nodes', body, { 'idempotency-key': key });
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      const serversAfterRetry = (await ours()).filter((s) => s.name === name).length;
      counts.push({ crash, serversAfterCrash, serversAfterRetry, sameId: retry.body.id === novaServer.id });
      await second.stop('SIGTERM');
    }
    process.stdout.write(`kill -9 test: ${JSON.stringify(counts)}\n`);
    expect(counts).toEqual(
      Array.from({ length: CRASHES }, (_, i) => ({
        crash: i + 1,
        serversAfterCrash: 1,
        serversAfterRetry: 1,
        sameId: true,
      })),
    );
  });
});
