import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp } from '../../src/app.factory';
import { ConfigError } from '../../src/config/config-error';
import { call, ONE_ANSWER_PER_CALL, startApp, TestApp, waitFor } from '../support/app';
import { Exchange, FixtureServer, RecordedRequest } from '../support/fixture-server';
import { opensshPublicKey } from '../support/keys';
import { expectProblem } from '../support/problem';

const KEY_ID = 'AKIEUCA0123456789ABC';
const SECRET = 'eucaSECRETkey0123456789abcdefghijklmnopq';
const SERVICE_PATH = '/services/Eucalyptus';
const NODE = 'i-5a3c0e21';

/**
 * The eucalyptus engine is the amazon driver built from host/port/secure/path: the requests must reach
 * the fixture server at that path, signed for the Eucalyptus region.
 */
describe('eucalyptus driver (EC2 Query API at host:port/path)', () => {
  let fx: FixtureServer;
  let t: TestApp;
  let bootRequests: RecordedRequest[] = [];

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await call(t.url, method, `/api/v1/clouds/euca${path}`, body);
    expect(JSON.stringify(res.body ?? '')).not.toContain(SECRET);
    return res;
  };

  /** An EC2 action at the Eucalyptus service path, checked for shape and signature. */
  const euca = (action: string, answer: Partial<Exchange> & { check?: (req: RecordedRequest) => void }): Exchange => {
    const { check, ...rest } = answer;
    return {
      name: action,
      method: 'POST',
      path: SERVICE_PATH,
      when: (req) => req.form?.get('Action') === action,
      expect: (req) => {
        expect(req.headers.host).toBe(`127.0.0.1:${fx.port}`);
        expect(req.form?.get('Version')).toBe('2016-11-15');
        expect(String(req.headers.authorization)).toMatch(
          new RegExp(`^AWS4-HMAC-SHA256 Credential=${KEY_ID}/\\d{8}/eucalyptus/ec2/aws4_request, `),
        );
        expect(String(req.headers['x-amz-date'])).toMatch(/^\d{8}T\d{6}Z$/);
        check?.(req);
      },
      ...rest,
    };
  };
  const file = (name: string) => `ec2/${name}`;
  const actions = () => fx.requests.map((r) => `${r.method} ${r.path} ${r.form?.get('Action')}`);

  beforeAll(async () => {
    fx = await FixtureServer.start();
    fx.on(euca('DescribeAvailabilityZones', { file: file('euca-describe-availability-zones.xml') }));
    t = await startApp({
      health: { cloudCheckIntervalMs: 3_600_000 },
      clouds: {
        default: { engine: 'dummy' },
        euca: {
          engine: 'eucalyptus',
          user: KEY_ID,
          password: SECRET,
          timeoutMs: 2000,
          resilience: ONE_ANSWER_PER_CALL,
          extraParams: { host: '127.0.0.1', port: fx.port, secure: false, path: SERVICE_PATH },
        },
      },
    });
    await waitFor(async () => fx.requests.length >= 1);
    fx.assertClean();
    bootRequests = [...fx.requests];
    fx.reset();
  });
  afterEach(() => {
    try {
      fx.assertClean();
      // Every request went to the configured path, nowhere else.
      expect(fx.requests.every((r) => r.method === 'POST' && r.path === SERVICE_PATH)).toBe(true);
    } finally {
      fx.reset();
    }
  });
  afterAll(async () => {
    await t?.close();
    await fx?.close();
  });

  it('describes the cloud as eucalyptus with the EC2 capabilities', async () => {
    const res = await api('GET', '');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      engine: 'eucalyptus',
      provider: expect.stringContaining('Eucalyptus'),
      capabilities: {
        reboot: true,
        start: true,
        stop: true,
        keyPairs: true,
        importKeyPair: true,
        locations: true,
        userData: true,
        metadata: true,
      },
    });
  });

  it('maps http + host:port + path onto the endpoint: the boot health check reached POST /services/Eucalyptus', () => {
    expect(bootRequests.map((r) => `${r.method} ${r.path} ${r.form?.get('Action')}`)).toEqual([
      `POST ${SERVICE_PATH} DescribeAvailabilityZones`,
    ]);
  });

  it('runs a node through its whole life, with a key pair, every call at the service path', async () => {
    const publicKey = opensshPublicKey('student@lab');
    fx.on(
      euca('ImportKeyPair', {
        file: file('import-key-pair.xml'),
        check: (r) => expect(Buffer.from(r.form!.get('PublicKeyMaterial')!, 'base64').toString('utf8')).toBe(publicKey),
      }),
    );
    const key = await api('POST', '/key-pairs', { name: 'laptop', publicKey });
    expect(key.status).toBe(201);
    expect(key.body.name).toBe('laptop');

    fx.on(
      euca('RunInstances', {
        file: file('euca-run-instances.xml'),
        check: (r) => {
          const f = r.form!;
          expect([
            f.get('ImageId'),
            f.get('InstanceType'),
            f.get('KeyName'),
            f.get('Placement.AvailabilityZone'),
          ]).toEqual(['emi-1b2c3d4e', 'm1.small', 'laptop', 'one']);
          expect(Buffer.from(f.get('UserData')!, 'base64').toString('utf8')).toBe('#!/bin/sh\necho hi\n');
          expect([f.get('TagSpecification.1.Tag.1.Key'), f.get('TagSpecification.1.Tag.1.Value')]).toEqual([
            'Name',
            'lab-1',
          ]);
          expect([f.get('TagSpecification.1.Tag.2.Key'), f.get('TagSpecification.1.Tag.2.Value')]).toEqual([
            'course',
            'os101',
          ]);
        },
      }),
    );
    const created = await api('POST', '/nodes', {
      name: 'lab-1',
      image: 'emi-1b2c3d4e',
      size: 'm1.small',
      location: 'one',
      keyName: 'laptop',
      userData: '#!/bin/sh\necho hi\n',
      metadata: { course: 'os101' },
    });
    expect(created.status).toBe(202);
    // Eucalyptus fills addresses it has not assigned yet with 0.0.0.0: not an address.
    expect(created.body).toMatchObject({
      id: NODE,
      name: 'lab-1',
      state: 'pending',
      publicIps: [],
      privateIps: [],
      locationId: 'one',
      metadata: { course: 'os101' },
    });

    fx.on(euca('DescribeInstances', { file: file('euca-describe-instance.xml') }));
    const got = await api('GET', `/nodes/${NODE}`);
    expect(got.body).toMatchObject({
      id: NODE,
      state: 'running',
      publicIps: ['192.0.2.121'],
      privateIps: ['172.16.10.21'],
      sizeId: 'm1.small',
    });

    const listed = await api('GET', '/nodes');
    expect(listed.body.items.map((n: any) => [n.id, n.name])).toEqual([[NODE, 'lab-1']]);
    expect(listed.body.nextCursor).toBeUndefined();

    fx.on(euca('StopInstances', { file: file('euca-stop-instances.xml') }));
    expect((await api('POST', `/nodes/${NODE}/actions/stop`)).body.state).toBe('stopping');
    fx.on(euca('StartInstances', { file: file('euca-start-instances.xml') }));
    expect((await api('POST', `/nodes/${NODE}/actions/start`)).body.state).toBe('starting');
    fx.on(euca('RebootInstances', { file: file('reboot-instances.xml') }));
    expect((await api('POST', `/nodes/${NODE}/actions/reboot`)).body.state).toBe('running');

    fx.on(
      euca('TerminateInstances', {
        file: file('euca-terminate-instances.xml'),
        check: (r) => expect(r.form?.get('InstanceId.1')).toBe(NODE),
      }),
    );
    expect((await api('DELETE', `/nodes/${NODE}`)).status).toBe(202);

    fx.on(
      euca('DescribeKeyPairs', {
        body: keyPairs('laptop'),
        check: (r) => expect(r.form?.get('KeyName.1')).toBe('laptop'),
      }),
      euca('DeleteKeyPair', {
        file: file('delete-key-pair.xml'),
        check: (r) => expect(r.form?.get('KeyName')).toBe('laptop'),
      }),
    );
    expect((await api('DELETE', '/key-pairs/laptop')).status).toBe(204);

    expect(actions().map((a) => a.split(' ')[2])).toEqual([
      'ImportKeyPair',
      'RunInstances',
      'DescribeInstances',
      'DescribeInstances',
      'StopInstances',
      'DescribeInstances',
      'StartInstances',
      'DescribeInstances',
      'RebootInstances',
      'DescribeInstances',
      'TerminateInstances',
      'DescribeKeyPairs',
      'DeleteKeyPair',
    ]);
  });

  it('lists every image the account may launch (no owner filter) and the cluster zones', async () => {
    fx.on(
      euca('DescribeImages', {
        file: file('euca-describe-images.xml'),
        check: (r) => expect(r.form?.has('Owner.1')).toBe(false),
      }),
      euca('DescribeAvailabilityZones', { file: file('euca-describe-availability-zones.xml') }),
    );
    const images = await api('GET', '/images');
    expect(images.body.items).toEqual([
      expect.objectContaining({
        id: 'emi-1b2c3d4e',
        name: 'centos-images/centos7.raw.manifest.xml',
        extra: expect.objectContaining({ public: true }),
      }),
    ]);
    const zones = await api('GET', '/locations');
    expect(zones.body.items).toEqual([
      { id: 'one', name: 'one', country: null, extra: { region: 'eucalyptus', state: 'available' } },
    ]);
  });

  it('maps Eucalyptus errors like EC2 ones: rejected credentials are a 502 naming the cloud', async () => {
    fx.on(euca('DescribeInstances', { status: 401, file: file('error-auth-failure.xml') }));
    const problem = expectProblem(await api('GET', '/nodes'), 502, /credentials rejected/);
    expect(problem.cloud).toBe('euca');
  });

  it('pages on like EC2 when the cloud refuses the NextToken a cursor holds: each instance once, no 400', async () => {
    const page2Token = 'eyJ2IjoiMiIsImMiOiJwYWdlLTIifQ==';
    const freshToken = 'ZnJlc2gtdG9rZW4=';
    const describe = (token: string | null, answer: Partial<Exchange>) =>
      euca('DescribeInstances', {
        when: (r) => r.form?.get('Action') === 'DescribeInstances' && (r.form?.get('NextToken') ?? null) === token,
        ...answer,
      });
    fx.on(describe(null, { file: file('describe-instances-page1.xml'), times: 1 }));
    const first = await api('GET', '/nodes?limit=2');
    expect(first.status).toBe(200);
    fx.on(
      describe(page2Token, { status: 400, file: file('error-invalid-pagination-token.xml') }),
      describe(null, {
        body: readFileSync(join(__dirname, '../fixtures/ec2/describe-instances-page1.xml'), 'utf8').replace(
          page2Token,
          freshToken,
        ),
      }),
      describe(freshToken, { file: file('describe-instances-page2.xml') }),
    );
    const second = await api('GET', `/nodes?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(second.status).toBe(200);
    expect([...first.body.items, ...second.body.items].map((n: any) => n.id)).toEqual([
      'i-0a1b2c3d4e5f60001',
      'i-0a1b2c3d4e5f60002',
      'i-0a1b2c3d4e5f60003',
    ]);
    expect(second.body.nextCursor).toBeUndefined();
  });

  it('refuses at boot a eucalyptus cloud without a host, naming the field', async () => {
    let error: unknown;
    try {
      const app = await createApp({
        settings: {
          clouds: {
            default: { engine: 'dummy' },
            lab: { engine: 'eucalyptus', user: KEY_ID, password: SECRET, extraParams: { port: 8773 } },
          },
        },
        logger: false,
      });
      await app.init();
      await app.close();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/clouds\.lab\.extraParams\.host: host is required/);
    expect((error as Error).message).not.toContain(SECRET);
  });
});

function keyPairs(name: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<DescribeKeyPairsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
    <requestId>3b0d0f5e-8c1a-4d2b-a7e4-euca00000005</requestId>
    <keySet>
        <item>
            <keyName>${name}</keyName>
            <keyFingerprint>3c:2b:9d:47:aa:10:5e:61:fe:28:91:0c:7d:b4:e3:52</keyFingerprint>
        </item>
    </keySet>
</DescribeKeyPairsResponse>
`;
}
