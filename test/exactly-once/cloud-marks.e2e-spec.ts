/**
 * The Idempotency-Key's mark in the cloud, on recorded provider answers over loopback (EC2 Query API,
 * DigitalOcean v2, Rackspace Cloud Servers): what a keyed create sends, how a retry after a create whose answer was lost finds
 * the node by its mark instead of creating another, and operations decided from the cloud's listing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENT_TOKEN_KEY } from '../../src/cloud/drivers/nova/nova.driver';
import { clientToken } from '../../src/idempotency/idempotency.service';
import { call, ONE_ANSWER_PER_CALL, startApp, TestApp } from '../support/app';
import { FIXTURES_DIR, FixtureServer } from '../support/fixture-server';
import { expectProblem } from '../support/problem';
import { rackspaceTokens } from '../support/rackspace-tokens';

jest.setTimeout(60_000);

const ec2Xml = (name: string) => readFileSync(join(FIXTURES_DIR, 'ec2', name), 'utf8');
/** Where the recorded catalog's IAD endpoint lands on the Rackspace fixture server. */
const RAX = '/iad/v2/123456';
const isAction = (action: string) => (req: { form?: URLSearchParams }) => req.form?.get('Action') === action;

describe('the Idempotency-Key mark in fixture clouds (EC2, DigitalOcean, Rackspace)', () => {
  let ec2: FixtureServer;
  let digitalocean: FixtureServer;
  let rackspace: FixtureServer;
  let t: TestApp;
  const post = (cloud: string, body: unknown, key: string) =>
    call(t.url, 'POST', `/api/v1/clouds/${cloud}/nodes`, body, { 'idempotency-key': key });

  beforeAll(async () => {
    ec2 = await FixtureServer.start();
    digitalocean = await FixtureServer.start();
    rackspace = await FixtureServer.start();
    rackspace.on(
      {
        method: 'POST',
        path: '/v2.0/tokens',
        // The recorded catalog, its Cloud Servers endpoints moved onto the fixture server.
        body: () => rackspaceTokens(rackspace.url),
      },
      { method: 'GET', path: `${RAX}/servers/detail`, body: { servers: [] } },
    );
    ec2.on({
      method: 'POST',
      path: '/',
      when: isAction('DescribeAvailabilityZones'),
      file: 'ec2/describe-availability-zones.xml',
    });
    digitalocean.on({ method: 'GET', path: '/v2/account', file: 'digitalocean/account.json' });
    const common = { catalogTtlMs: 0, resilience: ONE_ANSWER_PER_CALL, waitTimeoutMs: 5_000 };
    t = await startApp({
      health: { cloudCheckIntervalMs: 3_600_000 },
      rateLimit: { enabled: false },
      operations: { pollIntervalMs: 100 },
      clouds: {
        aws: {
          engine: 'amazon',
          default: true,
          user: 'AKIAEXAMPLE000000000',
          password: 'secret-key-example-0000000000000000000000',
          timeoutMs: 600,
          ...common,
          extraParams: { region: 'eu-west-1', endpoint: ec2.url },
        },
        do: {
          engine: 'digitalocean',
          password: 'do-token-example-000000000000000000000000',
          timeoutMs: 600,
          ...common,
          extraParams: { endpoint: digitalocean.url },
        },
        rax: {
          engine: 'rackspace',
          user: 'jdoe',
          password: 'rax-apikey-example-0000000000000000',
          timeoutMs: 600,
          ...common,
          extraParams: { region: 'IAD', authUrl: rackspace.url },
        },
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await ec2?.close();
    await digitalocean?.close();
    await rackspace?.close();
  });

  it('EC2: the mark is the ClientToken; a launch whose answer was lost is found by the client-token filter', async () => {
    const key = '"ec2-lost-answer"';
    const mark = clientToken('anonymous', 'ec2-lost-answer');
    ec2.on({ method: 'POST', path: '/', when: isAction('RunInstances'), hang: true });
    ec2.on({
      method: 'POST',
      path: '/',
      when: (r) => isAction('DescribeInstances')(r) && r.form?.get('Filter.1.Name') === 'client-token',
      file: 'ec2/describe-instance-running.xml',
    });
    // The watcher's listing: the instance is running.
    ec2.on({
      method: 'POST',
      path: '/',
      when: (r) => isAction('DescribeInstances')(r) && !r.form?.has('Filter.1.Name'),
      file: 'ec2/describe-instance-running.xml',
    });
    const body = { name: 'web-1', image: 'ami-0abcdef1234567890', size: 't2.small' };
    const first = await post('aws', body, key);
    expectProblem(first, 504);
    const launches = ec2.requests.filter(isAction('RunInstances'));
    expect(launches).toHaveLength(1);
    expect(launches[0].form?.get('ClientToken')).toBe(mark);

    const retry = await post('aws', body, key);
    expect(retry.status).toBe(202);
    expect(retry.body.id).toBe('i-0a1b2c3d4e5f60001');
    expect(ec2.requests.filter(isAction('RunInstances'))).toHaveLength(1); // no second launch
    const lookup = ec2.requests.filter((r) => r.form?.get('Filter.1.Name') === 'client-token');
    expect(lookup.map((r) => r.form?.get('Filter.1.Value.1'))).toEqual([mark]);
    const op = await call(t.url, 'GET', `${retry.headers.get('operation-location')}?wait=20`);
    expect(op.body).toMatchObject({
      state: 'succeeded',
      cloud: 'aws',
      target: 'i-0a1b2c3d4e5f60001',
      nodeState: 'running',
    });
  });

  it('EC2: an operation fails when the listing shows the instance terminated', async () => {
    ec2.on({ method: 'POST', path: '/', when: isAction('RunInstances'), file: 'ec2/run-instances.xml' });
    const terminated = ec2Xml('describe-instance-running.xml')
      .replace(/i-0a1b2c3d4e5f60001/g, 'i-0d4e5f6a7b8c90004')
      .replace(/<code>16<\/code>\s*<name>running<\/name>/, '<code>48</code><name>terminated</name>');
    ec2.on({
      method: 'POST',
      path: '/',
      when: (r) => isAction('DescribeInstances')(r) && !r.form?.has('Filter.1.Name'),
      body: terminated,
      headers: { 'content-type': 'text/xml' },
    });
    const created = await post(
      'aws',
      { name: 'web-2', image: 'ami-0abcdef1234567890', size: 't2.small' },
      '"ec2-terminated"',
    );
    expect(created.status).toBe(202);
    const op = await call(t.url, 'GET', `${created.headers.get('operation-location')}?wait=20`);
    expect(op.body).toMatchObject({
      state: 'failed',
      nodeState: 'terminated',
      error: { type: 'urn:cloud-orchestrator:problem:node-failed' },
    });
  });

  it('DigitalOcean: the mark is a plain tag; a create whose answer was lost is found by tag_name', async () => {
    const key = '"do-lost-answer"';
    const mark = clientToken('anonymous', 'do-lost-answer');
    digitalocean.on({ method: 'POST', path: '/v2/droplets', hang: true });
    const created = JSON.parse(readFileSync(join(FIXTURES_DIR, 'digitalocean/droplet-created.json'), 'utf8')).droplet;
    digitalocean.on({
      method: 'GET',
      path: '/v2/droplets',
      when: (r) => r.query.get('tag_name') === mark,
      body: { droplets: [{ ...created, tags: [mark] }], links: {}, meta: { total: 1 } },
    });
    const body = { name: 'web-2', image: 'ubuntu-24-04-x64', size: 's-1vcpu-1gb', metadata: { team: 'web' } };
    expectProblem(await post('do', body, key), 504);
    const creates = digitalocean.received('POST', '/v2/droplets');
    expect(creates).toHaveLength(1);
    expect(creates[0].json.tags).toEqual(['team:web', mark]);

    const retry = await post('do', body, key);
    expect(retry.status).toBe(202);
    expect(retry.body.id).toBe(String(created.id));
    expect(retry.body.metadata).toEqual({}); // the mark is not metadata
    expect(digitalocean.received('POST', '/v2/droplets')).toHaveLength(1);
  });

  it('Rackspace: the mark is server metadata; a create whose answer was lost is found by it among servers of that name, and no second server is created', async () => {
    const key = '"rax-lost-answer"';
    const mark = clientToken('anonymous', 'rax-lost-answer');
    const recorded = JSON.parse(readFileSync(join(FIXTURES_DIR, 'rackspace/server.json'), 'utf8')).server;
    const ours = {
      ...recorded,
      id: '7d0c9a61-5b2e-4f1a-8c3d-9e8f7a6b5c01',
      name: 'web-3',
      metadata: { team: 'web', [CLIENT_TOKEN_KEY]: mark },
    };
    // Another create of the same name (another key): the lookup must not take it for ours.
    const theirs = {
      ...recorded,
      id: '7d0c9a61-5b2e-4f1a-8c3d-9e8f7a6b5c02',
      name: 'web-3',
      metadata: { [CLIENT_TOKEN_KEY]: clientToken('anonymous', 'someone-else') },
    };
    // Rackspace takes the create and its answer is lost; from then on the server exists.
    rackspace.on({ method: 'POST', path: `${RAX}/servers`, hang: true });
    const created = () => rackspace.received('POST', `${RAX}/servers`).length > 0;
    rackspace.on({
      method: 'GET',
      path: `${RAX}/servers/detail`,
      body: () => ({ servers: created() ? [theirs, ours] : [theirs] }),
    });
    const body = { name: 'web-3', image: recorded.image.id, size: 'general1-1', metadata: { team: 'web' } };
    const first = await post('rax', body, key);
    expectProblem(first, 504, /may or may not have taken effect/);
    const creates = rackspace.received('POST', `${RAX}/servers`);
    expect(creates).toHaveLength(1);
    expect(creates[0].json.server.metadata).toEqual({ team: 'web', [CLIENT_TOKEN_KEY]: mark });

    const retry = await post('rax', body, key);
    expect(retry.status).toBe(202);
    expect(retry.body.id).toBe(ours.id);
    expect(retry.body.metadata).toMatchObject({ team: 'web' });
    expect(rackspace.received('POST', `${RAX}/servers`)).toHaveLength(1); // no second server
    // The lookup asked for the servers of that name (Nova's name filter is a regular expression).
    const lookups = rackspace.received('GET', `${RAX}/servers/detail`).filter((r) => r.query.get('name'));
    expect(lookups.map((r) => r.query.get('name'))).toContain('^web-3$');
    const op = await call(t.url, 'GET', `${retry.headers.get('operation-location')}?wait=20`);
    expect(op.body).toMatchObject({ state: 'succeeded', cloud: 'rax', target: ours.id, nodeState: 'running' });
    rackspace.assertClean();
  });
});
