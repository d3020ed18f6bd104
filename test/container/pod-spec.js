#!/usr/bin/env node
// Turns deploy/kubernetes into what check.sh needs to run the image as the Deployment would:
// writes OUT/config/<key> (the ConfigMap's files) and OUT/pod.env (the container's literal env plus
// the example Secret), and prints KEY=VALUE lines for the shell. Usage: node pod-spec.js OUT
'use strict';
const { mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { parseAllDocuments } = require('yaml');

const dir = join(__dirname, '..', '..', 'deploy', 'kubernetes');
const out = process.argv[2];
if (!out) throw new Error('usage: pod-spec.js OUTDIR');

const docs = ['deployment.yaml', 'configmap.yaml', 'secret.example.yaml'].flatMap((file) =>
  parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((doc) => doc.toJS()),
);
const find = (kind) => {
  const found = docs.find((d) => d && d.kind === kind);
  if (!found) throw new Error(`no ${kind} in ${dir}`);
  return found;
};
const deployment = find('Deployment');
const configMap = find('ConfigMap');
const secret = find('Secret');
const pod = deployment.spec.template.spec;
const container = pod.containers[0];

const port = container.ports[0];
const configVolume = pod.volumes.find((v) => v.configMap && v.configMap.name === configMap.metadata.name);
const configMount = container.volumeMounts.find((m) => m.name === configVolume.name);
const literalEnv = Object.fromEntries(
  (container.env || []).filter((e) => e.value !== undefined).map((e) => [e.name, String(e.value)]),
);
const secretEnv = { ...secret.stringData };
const env = { ...secretEnv, ...literalEnv };

mkdirSync(join(out, 'config'), { recursive: true, mode: 0o755 });
for (const [key, text] of Object.entries(configMap.data))
  writeFileSync(join(out, 'config', key), text, { mode: 0o644 });
writeFileSync(
  join(out, 'pod.env'),
  Object.entries(env)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n') + '\n',
  { mode: 0o600 },
);

// The API key the checks use: the first key in the mounted config, with ${VAR} filled from the env.
const configFile = literalEnv.CONFIG_FILE;
const configText = configMap.data[configFile.slice(configMount.mountPath.length + 1)];
const settings = require('yaml').parse(configText);
const keyRef = settings.auth.apiKeys[0].key;
const apiKey = keyRef.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name) => env[name]);

const bytes = (quantity) => {
  const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(String(quantity));
  if (!m) throw new Error(`unsupported quantity ${quantity}`);
  return Number(m[1]) * { undefined: 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 }[m[2]];
};
const sc = pod.securityContext || {};
const lines = {
  CONTAINER_PORT: port.containerPort,
  CONFIG_MOUNT: configMount.mountPath,
  RUN_USER: `${sc.runAsUser}:${sc.runAsGroup}`,
  MEMORY_REQUEST: bytes(container.resources.requests.memory),
  MEMORY_LIMIT: bytes(container.resources.limits.memory),
  LIVE_PATH: container.livenessProbe.httpGet.path,
  READY_PATH: container.readinessProbe.httpGet.path,
  GRACE_SECONDS: pod.terminationGracePeriodSeconds,
  SHUTDOWN_DELAY_MS: (settings.http && settings.http.shutdownDelayMs) || 0,
  API_KEY: apiKey,
};
for (const [k, v] of Object.entries(lines)) process.stdout.write(`${k}=${v}\n`);
