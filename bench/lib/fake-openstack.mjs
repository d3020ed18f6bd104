// A fake OpenStack (Keystone v3 + Nova) on loopback for the benchmark: answers after a fixed delay (a
// slow cloud), or never (a hung one), and counts what a real cloud's operator would see: logins, TCP
// connections and requests by route. Enough of the API for the OpenStack driver's reads.
import { createServer } from 'node:http';

/** The flavors and images it lists; fixed, so answers can be compared. */
const FLAVORS = [
  { id: '1', name: 'm1.tiny', ram: 512, disk: 1, vcpus: 1 },
  { id: '2', name: 'm1.small', ram: 2048, disk: 20, vcpus: 1 },
  { id: '3', name: 'm1.medium', ram: 4096, disk: 40, vcpus: 2 },
];
const IMAGES = [
  {
    id: '6f1c3a2e-0000-4000-8000-000000000001',
    name: 'cirros-0.6',
    status: 'ACTIVE',
    minDisk: 0,
    minRam: 0,
    metadata: {},
  },
  {
    id: '6f1c3a2e-0000-4000-8000-000000000002',
    name: 'debian-12',
    status: 'ACTIVE',
    minDisk: 2,
    minRam: 256,
    metadata: {},
  },
];

function server(i, port) {
  const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  return {
    id,
    name: `fake-${i}`,
    status: 'ACTIVE',
    'OS-EXT-STS:vm_state': 'active',
    'OS-EXT-STS:task_state': null,
    'OS-EXT-STS:power_state': 1,
    addresses: { private: [{ addr: `10.0.0.${(i % 250) + 1}`, version: 4, 'OS-EXT-IPS:type': 'fixed' }] },
    image: { id: IMAGES[0].id },
    flavor: { id: FLAVORS[0].id },
    created: '2026-11-30T12:00:00Z',
    updated: '2026-11-30T12:00:00Z',
    metadata: {},
    key_name: null,
    'OS-EXT-AZ:availability_zone': 'nova',
    links: [{ rel: 'self', href: `http://127.0.0.1:${port}/v2.1/servers/${id}` }],
  };
}

/**
 * Starts one fake cloud. options: delayMs (every answer), hang (never answer Nova), nodes (servers
 * listed), tokenSeconds (token lifetime). Returns { url, port, counts, reset(), close() }.
 */
export async function startFakeOpenstack({ delayMs = 0, hang = false, nodes = 10, tokenSeconds = 3600 } = {}) {
  const counts = { logins: 0, connections: 0, requests: 0, byRoute: {} };
  const hung = new Set();
  let port = 0;
  const count = (route) => {
    counts.requests++;
    counts.byRoute[route] = (counts.byRoute[route] ?? 0) + 1;
  };
  const http = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const send = (status, body, headers = {}) => {
      const text = JSON.stringify(body);
      const write = () =>
        res
          .writeHead(status, {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(text),
            ...headers,
          })
          .end(text);
      if (delayMs > 0) setTimeout(write, delayMs);
      else write();
    };
    req.resume();
    req.on('end', () => {
      if (req.method === 'POST' && url.pathname === '/v3/auth/tokens') {
        counts.logins++;
        count('login');
        const now = Date.now();
        return send(
          201,
          {
            token: {
              methods: ['password'],
              expires_at: new Date(now + tokenSeconds * 1000).toISOString(),
              issued_at: new Date(now).toISOString(),
              user: { id: 'u1', name: 'bench', domain: { id: 'default', name: 'Default' } },
              project: { id: 'p1', name: 'bench', domain: { id: 'default', name: 'Default' } },
              catalog: [
                {
                  type: 'compute',
                  name: 'nova',
                  id: 'c1',
                  endpoints: [
                    {
                      id: 'e1',
                      interface: 'public',
                      region: 'RegionOne',
                      region_id: 'RegionOne',
                      url: `http://127.0.0.1:${port}/v2.1`,
                    },
                  ],
                },
              ],
            },
          },
          { 'x-subject-token': `tok-${counts.logins}` },
        );
      }
      if (hang) {
        count('hung');
        hung.add(res);
        return;
      }
      const path = url.pathname.replace(/^\/v2\.1/, '');
      if (req.method === 'GET' && path === '/servers/detail') {
        count('servers');
        return send(200, { servers: Array.from({ length: nodes }, (_, i) => server(i + 1, port)) });
      }
      const one = /^\/servers\/([^/]+)$/.exec(path);
      if (req.method === 'GET' && one) {
        count('server');
        const i = Number(one[1].slice(-12));
        return i >= 1 && i <= nodes
          ? send(200, { server: server(i, port) })
          : send(404, { itemNotFound: { code: 404, message: 'not found' } });
      }
      if (req.method === 'GET' && path === '/flavors/detail') {
        count('flavors');
        return send(200, { flavors: FLAVORS.map((f) => ({ ...f, 'OS-FLV-EXT-DATA:ephemeral': 0, swap: '' })) });
      }
      if (req.method === 'GET' && path === '/images/detail') {
        count('images');
        return send(200, { images: IMAGES });
      }
      count('other');
      send(404, { itemNotFound: { code: 404, message: `no route ${req.method} ${path}` } });
    });
  });
  http.on('connection', () => counts.connections++);
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  port = http.address().port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    counts,
    reset() {
      Object.assign(counts, { logins: 0, connections: 0, requests: 0, byRoute: {} });
    },
    close() {
      for (const res of hung) res.destroy();
      http.closeAllConnections();
      return new Promise((resolve) => http.close(resolve));
    },
  };
}

/** The settings block of a service cloud pointing at a fake. */
export function fakeCloudSettings(fake, timeoutMs = 30000) {
  return {
    engine: 'openstack',
    user: 'bench',
    password: 'bench-password',
    timeoutMs,
    extraParams: { authUrl: fake.url, region: 'RegionOne', projectName: 'bench' },
  };
}
