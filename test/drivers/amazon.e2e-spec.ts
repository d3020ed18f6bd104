import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeCursor } from '../../src/compute/cursor';
import { CursorSeal } from '../../src/cursors/cursor-seal';
import { call, ONE_ANSWER_PER_CALL, startApp, TestApp, waitFor } from '../support/app';
import { Exchange, FixtureServer, RecordedRequest } from '../support/fixture-server';
import { opensshPublicKey } from '../support/keys';
import { expectProblem } from '../support/problem';

// Documentation-style credentials: the fixture server never checks the signature, only its shape.
const KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = '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';
const REGION = 'eu-west-1';
const EC2_VERSION = '2016-11-15';

const I1 = 'i-0a1b2c3d4e5f60001';
const I2 = 'i-0a1b2c3d4e5f60002';
const I3 = 'i-0a1b2c3d4e5f60003';
const PAGE2_TOKEN = 'eyJ2IjoiMiIsImMiOiJwYWdlLTIifQ==';

/** Every EC2 request: a form POST to the endpoint with Action and Version, signed with SigV4 for our key id. */
function expectSignedEc2(req: RecordedRequest, action: string): void {
  expect(req.method).toBe('POST');
  expect(req.path).toBe('/');
  expect(req.form?.get('Action')).toBe(action);
  expect(req.form?.get('Version')).toBe(EC2_VERSION);
  expect(String(req.headers['authorization'])).toMatch(
    new RegExp(
      `^AWS4-HMAC-SHA256 Credential=${KEY_ID}/\\d{8}/${REGION}/ec2/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*x-amz-date[a-z0-9;-]*, Signature=[0-9a-f]{64}$`,
    ),
  );
  expect(String(req.headers['x-amz-date'])).toMatch(/^\d{8}T\d{6}Z$/);
}

/** A route for one EC2 action (they all POST to the same path), checking the common request shape. */
function ec2(action: string, answer: Partial<Exchange> & { check?: (req: RecordedRequest) => void }): Exchange {
  const { check, when, ...rest } = answer;
  return {
    name: action,
    method: 'POST',
    path: '/',
    when: (req) => req.form?.get('Action') === action && (!when || when(req)),
    expect: (req) => {
      expectSignedEc2(req, action);
      check?.(req);
    },
    ...rest,
  };
}

const file = (name: string) => `ec2/${name}`;
const actions = (fx: FixtureServer) => fx.requests.map((r) => r.form?.get('Action'));

describe('amazon (EC2) driver over the v1 API, against recorded EC2 Query API answers', () => {
  let fx: FixtureServer;
  let t: TestApp;
  const answers: string[] = [];
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await call(t.url, method, `/api/v1${path}`, body);
    answers.push(typeof res.body === 'string' ? res.body : JSON.stringify(res.body ?? ''));
    expect(answers[answers.length - 1]).not.toContain(SECRET);
    expect([...res.headers.values()].join('\n')).not.toContain(SECRET);
    return res;
  };

  let bootRequests: RecordedRequest[] = [];

  beforeAll(async () => {
    fx = await FixtureServer.start();
    // The service checks every cloud once at boot (then hourly here): let those checks land first.
    fx.on(ec2('DescribeAvailabilityZones', { file: file('describe-availability-zones.xml') }));
    const cloud = {
      engine: 'amazon',
      user: KEY_ID,
      password: SECRET,
      // Every test answers the catalogue its own way: nothing cached between them.
      catalogTtlMs: 0,
      resilience: ONE_ANSWER_PER_CALL,
      extraParams: { region: REGION, endpoint: fx.url },
    };
    t = await startApp({
      health: { cloudCheckIntervalMs: 3_600_000 },
      clouds: {
        aws: { ...cloud, default: true, timeoutMs: 3000 },
        // Long enough for its boot-time check to leave while the app is still starting: a request
        // whose deadline passed before it was sent is never sent.
        'aws-slow': { ...cloud, timeoutMs: 1500 },
      },
    });
    await waitFor(async () => fx.requests.length >= 2);
    fx.assertClean();
    bootRequests = [...fx.requests];
    fx.reset();
  });
  afterEach(() => {
    try {
      fx.assertClean();
    } finally {
      fx.reset();
    }
  });
  afterAll(async () => {
    await t?.close();
    await fx?.close();
  });

  it('describes the cloud with every capability EC2 has', async () => {
    const res = await api('GET', '/clouds/aws');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      name: 'aws',
      engine: 'amazon',
      provider: 'Amazon EC2',
      default: true,
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
    expect(fx.requests).toHaveLength(0);
  });

  it('health checks call DescribeAvailabilityZones, signed, once per cloud at boot', () => {
    expect(bootRequests.map((r) => r.form?.get('Action'))).toEqual([
      'DescribeAvailabilityZones',
      'DescribeAvailabilityZones',
    ]);
  });

  describe('nodes', () => {
    it('lists every node across EC2 pages, following NextToken, with names and metadata from tags', async () => {
      fx.on(
        ec2('DescribeInstances', {
          when: (r) => !r.form?.has('NextToken'),
          file: file('describe-instances-page1.xml'),
          check: (r) => expect(r.form?.get('MaxResults')).toBe('1000'),
        }),
        ec2('DescribeInstances', {
          when: (r) => r.form?.get('NextToken') === PAGE2_TOKEN,
          file: file('describe-instances-page2.xml'),
          check: (r) => expect(r.form?.get('MaxResults')).toBe('998'),
        }),
      );
      const res = await api('GET', '/clouds/aws/nodes');
      expect(res.status).toBe(200);
      expect(res.body.nextCursor).toBeUndefined();
      expect(res.body.items.map((n: any) => [n.id, n.name, n.state])).toEqual([
        [I1, 'web-1', 'running'],
        [I2, 'batch-1', 'stopped'],
        // EC2's shutting-down: termination is under way and cannot be undone.
        [I3, '', 'terminated'],
      ]);
      expect(res.body.items[0]).toEqual({
        id: I1,
        cloud: 'aws',
        name: 'web-1',
        state: 'running',
        publicIps: ['203.0.113.17'],
        privateIps: ['10.0.1.17', '10.0.1.18'],
        imageId: 'ami-0abcdef1234567890',
        sizeId: 't2.micro',
        locationId: 'eu-west-1a',
        createdAt: '2024-03-18T09:15:42.000Z',
        metadata: { team: 'web', tier: 'front' },
        extra: {
          ec2State: 'running',
          keyName: 'deploy',
          vpcId: 'vpc-0123456789abcdef0',
          subnetId: 'subnet-0123456789abcdef0',
          architecture: 'x86_64',
          publicDnsName: 'ec2-203-0-113-17.eu-west-1.compute.amazonaws.com',
          privateDnsName: 'ip-10-0-1-17.eu-west-1.compute.internal',
        },
      });
      expect(res.body.items[1]).toMatchObject({
        publicIps: [],
        privateIps: ['10.0.1.23'],
        metadata: {},
        extra: { ec2State: 'stopped' },
      });
      expect(res.body.items[2].extra.ec2State).toBe('shutting-down');
      expect(actions(fx)).toEqual(['DescribeInstances', 'DescribeInstances']);
    });

    it('passes filters to DescribeInstances as EC2 Filters, and still checks what comes back', async () => {
      const sent: Array<Record<string, string>> = [];
      fx.on(
        ec2('DescribeInstances', {
          when: (r) => !r.form?.has('NextToken'),
          // Answers unfiltered (page 1 has web-1 running with team=web and batch-1 stopped): the
          // service must keep only what matches.
          file: file('describe-instances-page1.xml'),
          check: (r) => sent.push(Object.fromEntries([...r.form!].filter(([k]) => k.startsWith('Filter.')))),
        }),
        ec2('DescribeInstances', {
          when: (r) => r.form?.get('NextToken') === PAGE2_TOKEN,
          file: file('describe-instances-page2.xml'),
        }),
      );
      const res = await api('GET', '/clouds/aws/nodes?name=web-*&metadata.team=web&state=running,terminated');
      expect(res.status).toBe(200);
      expect(res.body.items.map((n: any) => n.name)).toEqual(['web-1']);
      expect(sent[0]).toEqual({
        'Filter.1.Name': 'tag:Name',
        'Filter.1.Value.1': 'web-*',
        'Filter.2.Name': 'tag:team',
        'Filter.2.Value.1': 'web',
        'Filter.3.Name': 'instance-state-name',
        'Filter.3.Value.1': 'running',
        'Filter.3.Value.2': 'shutting-down',
        'Filter.3.Value.3': 'terminated',
      });
    });

    it('pages with the v1 cursor: a page ending on an EC2 page boundary carries NextToken on', async () => {
      fx.on(
        ec2('DescribeInstances', {
          when: (r) => !r.form?.has('NextToken'),
          file: file('describe-instances-page1.xml'),
          // EC2 takes 5 to 1000; smaller v1 pages ask for 5.
          check: (r) => expect(r.form?.get('MaxResults')).toBe('5'),
        }),
        ec2('DescribeInstances', {
          when: (r) => r.form?.get('NextToken') === PAGE2_TOKEN,
          file: file('describe-instances-page2.xml'),
        }),
      );
      const first = await api('GET', '/clouds/aws/nodes?limit=2');
      expect(first.status).toBe(200);
      expect(first.body.items.map((n: any) => n.id)).toEqual([I1, I2]);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      expect(fx.requests).toHaveLength(1);

      const second = await api('GET', `/clouds/aws/nodes?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`);
      expect(second.status).toBe(200);
      expect(second.body.items.map((n: any) => n.id)).toEqual([I3]);
      expect(second.body.nextCursor).toBeUndefined();
      expect(fx.requests[1].form?.get('NextToken')).toBe(PAGE2_TOKEN);
    });

    it('pages with the v1 cursor: a page ending inside an EC2 page resumes at the right instance', async () => {
      fx.on(
        ec2('DescribeInstances', {
          when: (r) => !r.form?.has('NextToken'),
          file: file('describe-instances-page1.xml'),
        }),
        ec2('DescribeInstances', {
          when: (r) => r.form?.get('NextToken') === PAGE2_TOKEN,
          file: file('describe-instances-page2.xml'),
        }),
      );
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 5; pages++) {
        const res = await api(
          'GET',
          `/clouds/aws/nodes?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        expect(res.status).toBe(200);
        expect(res.body.items).toHaveLength(1);
        seen.push(res.body.items[0].id);
        cursor = res.body.nextCursor;
        if (!cursor) break;
      }
      expect(seen).toEqual([I1, I2, I3]);
      expect(cursor).toBeUndefined();
      // The second v1 page asks EC2 for the first page again and skips what it already handed out.
      expect(fx.requests.map((r) => r.form?.get('NextToken') ?? null)).toEqual([null, null, PAGE2_TOKEN]);
    });

    it('pages with the v1 cursor: an instance gone from the re-read EC2 page before the cursor skips nobody', async () => {
      fx.on(
        ec2('DescribeInstances', {
          when: (r) => !r.form?.has('NextToken'),
          file: file('describe-instances-page1.xml'),
          times: 1,
        }),
        ec2('DescribeInstances', {
          when: (r) => r.form?.get('NextToken') === PAGE2_TOKEN,
          file: file('describe-instances-page2.xml'),
        }),
      );
      const first = await api('GET', '/clouds/aws/nodes?limit=1');
      expect(first.body.items.map((n: any) => n.id)).toEqual([I1]);
      // Between the two requests I1 is terminated and gone: EC2's first page now starts at I2.
      fx.on(
        ec2('DescribeInstances', {
          when: (r) => !r.form?.has('NextToken'),
          file: file('describe-instances-page1-after-terminate.xml'),
        }),
      );
      const seen: string[] = [I1];
      let cursor: string | undefined = first.body.nextCursor;
      while (cursor) {
        const res = await api('GET', `/clouds/aws/nodes?limit=1&cursor=${encodeURIComponent(cursor)}`);
        expect(res.status).toBe(200);
        seen.push(...res.body.items.map((n: any) => n.id));
        cursor = res.body.nextCursor;
      }
      expect(seen).toEqual([I1, I2, I3]);
    });

    describe.each([
      ['InvalidPaginationToken', 'error-invalid-pagination-token.xml'],
      ['InvalidParameterValue naming the NextToken', 'error-next-token-invalid-parameter.xml'],
    ])('EC2 refuses the NextToken a cursor holds (%s)', (_code, refusal) => {
      const FRESH_TOKEN = 'eyJ2IjoiMiIsImMiOiJmcmVzaCJ9';
      // EC2's first page as a walk started now gets it: the same instances, a new token.
      const freshPage1 = readFileSync(join(__dirname, '../fixtures/ec2/describe-instances-page1.xml'), 'utf8').replace(
        PAGE2_TOKEN,
        FRESH_TOKEN,
      );
      /** Pages through with `limit`; EC2 forgets PAGE2_TOKEN once `forgetAfter` pages were read. */
      const walk = async (limit: number, forgetAfter: number) => {
        const seen: string[] = [];
        let cursor: string | undefined;
        for (let pages = 0; pages < 6; pages++) {
          const res = await api(
            'GET',
            `/clouds/aws/nodes?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          );
          expect(res.status).toBe(200);
          seen.push(...res.body.items.map((n: any) => n.id));
          cursor = res.body.nextCursor;
          if (!cursor) break;
          if (pages + 1 !== forgetAfter) continue;
          // From now on EC2 has forgotten PAGE2_TOKEN; a walk from the start gets a fresh one.
          fx.on(
            ec2('DescribeInstances', {
              when: (r) => r.form?.get('NextToken') === PAGE2_TOKEN,
              status: 400,
              file: file(refusal),
            }),
            ec2('DescribeInstances', { when: (r) => !r.form?.has('NextToken'), body: freshPage1 }),
          );
        }
        return seen;
      };

      // limit=2 ends on EC2's page boundary after one page, limit=1 after two (the second ends inside it).
      it.each([
        [2, 1],
        [1, 2],
      ])(
        'resumes after the last instance handed out (limit=%i): each instance once, no 400',
        async (limit, forgetAfter) => {
          fx.on(
            ec2('DescribeInstances', {
              when: (r) => !r.form?.has('NextToken'),
              file: file('describe-instances-page1.xml'),
            }),
            ec2('DescribeInstances', {
              when: (r) => [PAGE2_TOKEN, FRESH_TOKEN].includes(r.form?.get('NextToken') ?? ''),
              file: file('describe-instances-page2.xml'),
            }),
          );
          expect(await walk(limit, forgetAfter)).toEqual([I1, I2, I3]);
          const tokens = fx.requests.map((r) => r.form?.get('NextToken') ?? null);
          // The refused token, then a walk from the start (largest pages) to the instance after I2.
          expect(tokens.slice(-3)).toEqual([PAGE2_TOKEN, null, FRESH_TOKEN]);
          expect(fx.requests[fx.requests.length - 2].form?.get('MaxResults')).toBe('1000');
        },
      );

      it('answers 410 cursor-expired, not a 400, when the instance the cursor ended at is gone too', async () => {
        fx.on(
          ec2('DescribeInstances', {
            when: (r) => !r.form?.has('NextToken'),
            file: file('describe-instances-page1.xml'),
            times: 1,
          }),
        );
        const first = await api('GET', '/clouds/aws/nodes?limit=2');
        expect(first.body.items.map((n: any) => n.id)).toEqual([I1, I2]);
        // EC2 forgot the token, and I1 and I2 are gone for good: nothing places the cursor any more.
        fx.on(
          ec2('DescribeInstances', {
            when: (r) => r.form?.get('NextToken') === PAGE2_TOKEN,
            status: 400,
            file: file(refusal),
          }),
          ec2('DescribeInstances', {
            when: (r) => !r.form?.has('NextToken'),
            file: file('describe-instances-page2.xml'),
          }),
        );
        const res = await api('GET', `/clouds/aws/nodes?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`);
        const body = expectProblem(res, 410, /no longer accepts the page token.*Restart the listing.*without `cursor`/);
        expect(body).toMatchObject({ type: 'urn:cloud-orchestrator:problem:cursor-expired', cloud: 'aws' });
        expect(body.errors).toEqual([{ field: 'cursor', message: expect.any(String) }]);
      });
    });

    it('refuses a cursor that does not hold an EC2 position, asking EC2 nothing', async () => {
      const res = await api(
        'GET',
        `/clouds/aws/nodes?cursor=${encodeCursor(t.app.get(CursorSeal), { kind: 'nodes', cloud: 'aws', filter: '' }, { cloud: 'aws', position: { marker: 'not-a-marker', pageSize: 1000 } })}`,
      );
      const body = expectProblem(res, 400, /cursor/);
      expect(body).toMatchObject({
        type: 'urn:cloud-orchestrator:problem:invalid-cursor',
        errors: [{ field: 'cursor' }],
      });
      expect(fx.requests).toHaveLength(0);
    });

    it('gets one node by id', async () => {
      fx.on(
        ec2('DescribeInstances', {
          file: file('describe-instance-running.xml'),
          check: (r) => {
            expect(r.form?.get('InstanceId.1')).toBe(I1);
            expect(r.form?.has('MaxResults')).toBe(false);
          },
        }),
      );
      const res = await api('GET', `/clouds/aws/nodes/${I1}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id: I1,
        name: 'web-1',
        state: 'running',
        metadata: { team: 'web' },
        locationId: 'eu-west-1a',
      });
    });

    it('answers 404 for an instance EC2 does not know (InvalidInstanceID.NotFound) or does not return', async () => {
      fx.on(ec2('DescribeInstances', { status: 400, file: file('error-instance-not-found.xml') }));
      const missing = expectProblem(
        await api('GET', '/clouds/aws/nodes/i-0000000000000dead'),
        404,
        /InvalidInstanceID\.NotFound/,
      );
      expect(missing.cloud).toBe('aws');
      fx.reset();
      fx.on(ec2('DescribeInstances', { file: file('describe-instances-empty.xml') }));
      expectProblem(await api('GET', '/clouds/aws/nodes/i-0000000000000beef'), 404, /not found/);
    });

    it('creates a node with RunInstances: image, type, one instance, key, base64 user data, zone, subnet and tags', async () => {
      const userData = '#cloud-config\npackages: [nginx]\nwrite_files:\n  - path: /etc/motd\n    content: "héllo"\n';
      fx.on(
        ec2('RunInstances', {
          file: file('run-instances.xml'),
          check: (r) => {
            const f = r.form!;
            expect(f.get('ImageId')).toBe('ami-0abcdef1234567890');
            expect(f.get('InstanceType')).toBe('t2.small');
            expect([f.get('MinCount'), f.get('MaxCount')]).toEqual(['1', '1']);
            expect(f.get('KeyName')).toBe('deploy');
            expect(f.get('UserData')).toBe(Buffer.from(userData, 'utf8').toString('base64'));
            expect(Buffer.from(f.get('UserData')!, 'base64').toString('utf8')).toBe(userData);
            expect(f.get('Placement.AvailabilityZone')).toBe('eu-west-1b');
            expect(f.get('SubnetId')).toBe('subnet-0fedcba9876543210');
            expect(f.get('TagSpecification.1.ResourceType')).toBe('instance');
            const tags: Record<string, string> = {};
            for (let i = 1; f.has(`TagSpecification.1.Tag.${i}.Key`); i++) {
              tags[f.get(`TagSpecification.1.Tag.${i}.Key`)!] = f.get(`TagSpecification.1.Tag.${i}.Value`)!;
            }
            expect(tags).toEqual({ Name: 'web-2', team: 'web', tier: 'front' });
            // Idempotency: a retried launch carries the same token.
            expect(f.get('ClientToken')).toMatch(/^[0-9a-f-]{36}$/);
          },
        }),
      );
      const res = await api('POST', '/clouds/aws/nodes', {
        name: 'web-2',
        image: 'ami-0abcdef1234567890',
        size: 't2.small',
        location: 'eu-west-1b',
        keyName: 'deploy',
        userData,
        metadata: { team: 'web', tier: 'front' },
        networks: ['subnet-0fedcba9876543210'],
      });
      expect(res.status).toBe(202);
      expect(res.headers.get('location')).toBe('/api/v1/clouds/aws/nodes/i-0d4e5f6a7b8c90004');
      expect(res.body).toMatchObject({
        id: 'i-0d4e5f6a7b8c90004',
        cloud: 'aws',
        name: 'web-2',
        state: 'pending',
        imageId: 'ami-0abcdef1234567890',
        sizeId: 't2.small',
        locationId: 'eu-west-1b',
        privateIps: ['10.0.2.40'],
        publicIps: [],
        createdAt: '2024-03-21T10:00:00.000Z',
        metadata: { team: 'web', tier: 'front' },
      });
      expect(actions(fx)).toEqual(['RunInstances']);
    });

    it('sends only what was asked: no key, user data, zone or subnet when absent', async () => {
      fx.on(
        ec2('RunInstances', {
          file: file('run-instances.xml'),
          check: (r) => {
            for (const field of ['KeyName', 'UserData', 'Placement.AvailabilityZone', 'SubnetId'])
              expect(r.form?.has(field)).toBe(false);
            expect(r.form?.get('TagSpecification.1.Tag.1.Key')).toBe('Name');
            expect(r.form?.has('TagSpecification.1.Tag.2.Key')).toBe(false);
          },
        }),
      );
      const res = await api('POST', '/clouds/aws/nodes', {
        name: 'bare',
        image: 'ami-0abcdef1234567890',
        size: 't2.small',
      });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ name: 'bare', metadata: {} });
    });

    it('refuses before calling EC2 what EC2 cannot take: reserved tag keys, oversized user data, two subnets', async () => {
      const base = { name: 'x', image: 'ami-0abcdef1234567890', size: 't2.small' };
      expectProblem(await api('POST', '/clouds/aws/nodes', { ...base, metadata: { Name: 'other' } }), 400, /reserved/);
      expectProblem(
        await api('POST', '/clouds/aws/nodes', { ...base, metadata: { 'aws:owner': 'me' } }),
        400,
        /reserved/,
      );
      expectProblem(
        await api('POST', '/clouds/aws/nodes', { ...base, userData: 'x'.repeat(16 * 1024 + 1) }),
        400,
        /16384 bytes/,
      );
      expectProblem(
        await api('POST', '/clouds/aws/nodes', { ...base, networks: ['subnet-a', 'subnet-b'] }),
        400,
        /one subnet/,
      );
      expect(fx.requests).toHaveLength(0);
    });

    it.each([
      [
        'an unknown AMI',
        'error-ami-not-found.xml',
        { image: 'ami-0000000000000dead' },
        /InvalidAMIID\.NotFound/,
        'image',
      ],
      ['an unknown instance type', 'error-invalid-instance-type.xml', { size: 'm9.colossal' }, /InstanceType/, 'size'],
      [
        'an unknown availability zone',
        'error-invalid-availability-zone.xml',
        { location: 'eu-west-1z' },
        /availability zone/,
        'location',
      ],
      [
        'an unknown key pair',
        'error-key-pair-not-found.xml',
        { keyName: 'nosuchkey' },
        /InvalidKeyPair\.NotFound/,
        'keyName',
      ],
    ])(
      'answers 422 for %s on create, naming the field, and sends nothing after the failed RunInstances',
      async (_what, fixture, change, detail, field) => {
        fx.on(ec2('RunInstances', { status: 400, file: file(fixture) }));
        const res = await api('POST', '/clouds/aws/nodes', {
          name: 'web-3',
          image: 'ami-0abcdef1234567890',
          size: 't2.small',
          ...change,
        });
        const problem = expectProblem(res, 422, detail);
        expect(problem.cloud).toBe('aws');
        expect(problem.errors).toEqual([{ field, message: expect.stringMatching(detail) }]);
        expect(actions(fx)).toEqual(['RunInstances']);
      },
    );

    it('answers 409 quota exceeded when EC2 reports InstanceLimitExceeded', async () => {
      fx.on(ec2('RunInstances', { status: 400, file: file('error-instance-limit-exceeded.xml') }));
      const problem = expectProblem(
        await api('POST', '/clouds/aws/nodes', { name: 'many', image: 'ami-0abcdef1234567890', size: 't2.small' }),
        409,
      );
      expect(problem.type).toMatch(/quota-exceeded/);
      expect(actions(fx)).toEqual(['RunInstances']);
    });

    it('reboots a node: RebootInstances, then the node as EC2 reports it (EC2 has no rebooting state)', async () => {
      fx.on(
        ec2('RebootInstances', {
          file: file('reboot-instances.xml'),
          check: (r) => expect(r.form?.get('InstanceId.1')).toBe(I1),
        }),
        ec2('DescribeInstances', {
          file: file('describe-instance-running.xml'),
          check: (r) => expect(r.form?.get('InstanceId.1')).toBe(I1),
        }),
      );
      const res = await api('POST', `/clouds/aws/nodes/${I1}/actions/reboot`);
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ id: I1, name: 'web-1', state: 'running' });
      expect(actions(fx)).toEqual(['RebootInstances', 'DescribeInstances']);
    });

    it('stops a node: StopInstances, answering with the state-change state even while DescribeInstances lags', async () => {
      fx.on(
        ec2('StopInstances', {
          file: file('stop-instances.xml'),
          check: (r) => expect(r.form?.get('InstanceId.1')).toBe(I1),
        }),
        ec2('DescribeInstances', { file: file('describe-instance-running.xml') }),
      );
      const res = await api('POST', `/clouds/aws/nodes/${I1}/actions/stop`);
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ id: I1, state: 'stopping', extra: { ec2State: 'stopping' } });
      expect(actions(fx)).toEqual(['StopInstances', 'DescribeInstances']);
    });

    it('starts a node: StartInstances; EC2 pending after a start is reported as starting', async () => {
      fx.on(
        ec2('StartInstances', {
          file: file('start-instances.xml'),
          check: (r) => expect(r.form?.get('InstanceId.1')).toBe(I1),
        }),
        ec2('DescribeInstances', { file: file('describe-instance-stopped.xml') }),
      );
      const res = await api('POST', `/clouds/aws/nodes/${I1}/actions/start`);
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ id: I1, state: 'starting', extra: { ec2State: 'pending' } });
      expect(actions(fx)).toEqual(['StartInstances', 'DescribeInstances']);
    });

    it('answers 409 when EC2 says IncorrectInstanceState, without describing the node', async () => {
      fx.on(ec2('StartInstances', { status: 400, file: file('error-incorrect-instance-state.xml') }));
      const problem = expectProblem(
        await api('POST', `/clouds/aws/nodes/${I1}/actions/start`),
        409,
        /IncorrectInstanceState/,
      );
      expect(problem.cloud).toBe('aws');
      expect(actions(fx)).toEqual(['StartInstances']);
    });

    it('answers 404 for an action on an unknown instance', async () => {
      fx.on(ec2('StopInstances', { status: 400, file: file('error-instance-not-found.xml') }));
      expectProblem(await api('POST', '/clouds/aws/nodes/i-0000000000000dead/actions/stop'), 404);
    });

    it('destroys a node with TerminateInstances (202), and answers 404 for an unknown one', async () => {
      fx.on(
        ec2('TerminateInstances', {
          file: file('terminate-instances.xml'),
          check: (r) => expect(r.form?.get('InstanceId.1')).toBe(I1),
        }),
      );
      const res = await api('DELETE', `/clouds/aws/nodes/${I1}`);
      expect(res.status).toBe(202);
      expect(actions(fx)).toEqual(['TerminateInstances']);
      fx.reset();
      fx.on(ec2('TerminateInstances', { status: 400, file: file('error-instance-not-found.xml') }));
      expectProblem(await api('DELETE', '/clouds/aws/nodes/i-0000000000000dead'), 404, /does not exist/);
    });
  });

  describe('catalog', () => {
    it("lists the account's own images (Owner=self)", async () => {
      fx.on(
        ec2('DescribeImages', {
          file: file('describe-images.xml'),
          check: (r) => {
            expect(r.form?.get('Owner.1')).toBe('self');
            expect(r.form?.has('Owner.2')).toBe(false);
          },
        }),
      );
      const res = await api('GET', '/clouds/aws/images');
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual([
        {
          id: 'ami-0abcdef1234567890',
          name: 'web-base-2024-03',
          extra: {
            description: 'Debian 12 with nginx',
            state: 'available',
            architecture: 'x86_64',
            ownerId: '123456789012',
            public: false,
            platform: 'Linux/UNIX',
            rootDeviceType: 'ebs',
            virtualizationType: 'hvm',
            createdAt: '2024-03-01T12:00:00.000Z',
          },
        },
        // No Name: the image location names it.
        expect.objectContaining({ id: 'ami-0fedcba0987654321', name: '123456789012/batch-worker' }),
      ]);
    });

    it("lists sizes from pkgcloud's static instance-type table, without asking EC2", async () => {
      const res = await api('GET', '/clouds/aws/sizes');
      expect(res.status).toBe(200);
      const byId = Object.fromEntries(res.body.items.map((s: any) => [s.id, s]));
      expect(byId['t2.micro']).toEqual({
        id: 't2.micro',
        name: 't2.micro',
        ram: 1024,
        disk: null,
        vcpus: 1,
        price: null,
        extra: { storage: 'ebs-only' },
      });
      expect(byId['m1.small']).toMatchObject({ ram: 1741, disk: 160, vcpus: 1, extra: { storage: 'instance-store' } });
      expect(byId['c3.8xlarge']).toMatchObject({ ram: 61440, disk: 640, vcpus: 32 });
      expect(res.body.items.length).toBeGreaterThan(30);
      expect(res.body.items.every((s: any) => Number.isInteger(s.ram) && Number.isInteger(s.vcpus))).toBe(true);
      expect(fx.requests).toHaveLength(0);
    });

    it('lists availability zones as locations', async () => {
      fx.on(ec2('DescribeAvailabilityZones', { file: file('describe-availability-zones.xml') }));
      const res = await api('GET', '/clouds/aws/locations');
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual([
        {
          id: 'eu-west-1a',
          name: 'eu-west-1a',
          country: null,
          extra: { region: 'eu-west-1', state: 'available', zoneId: 'euw1-az3' },
        },
        {
          id: 'eu-west-1b',
          name: 'eu-west-1b',
          country: null,
          extra: { region: 'eu-west-1', state: 'available', zoneId: 'euw1-az1' },
        },
        {
          id: 'eu-west-1c',
          name: 'eu-west-1c',
          country: null,
          extra: { region: 'eu-west-1', state: 'impaired', zoneId: 'euw1-az2' },
        },
      ]);
    });
  });

  describe('key pairs', () => {
    it('lists key pairs', async () => {
      fx.on(ec2('DescribeKeyPairs', { file: file('describe-key-pairs.xml') }));
      const res = await api('GET', '/clouds/aws/key-pairs');
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual([
        { name: 'deploy', fingerprint: '1f:51:ae:28:bf:89:e9:d8:1f:25:5d:37:2d:7d:b8:ca:9f:f5:f1:6f', publicKey: null },
        { name: 'ops', fingerprint: 'd2:4e:9c:1f:0b:73:35:8a:61:5c:2e:94:0d:7f:a3:b8', publicKey: null },
      ]);
    });

    it('imports a public key: ImportKeyPair with the key line base64-encoded once', async () => {
      const publicKey = opensshPublicKey('me@laptop');
      fx.on(
        ec2('ImportKeyPair', {
          file: file('import-key-pair.xml'),
          check: (r) => {
            expect(r.form?.get('KeyName')).toBe('laptop');
            expect(Buffer.from(r.form!.get('PublicKeyMaterial')!, 'base64').toString('utf8')).toBe(publicKey);
          },
        }),
      );
      const res = await api('POST', '/clouds/aws/key-pairs', { name: 'laptop', publicKey });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        name: 'laptop',
        fingerprint: 'Q2hlY2tTdW0tYmFzZTY0LXNoYTI1Ni1leGFtcGxlLWZw=',
        publicKey,
      });
    });

    it('answers 409 for a duplicate name (InvalidKeyPair.Duplicate), and 400 for what is not a public key', async () => {
      fx.on(ec2('ImportKeyPair', { status: 400, file: file('error-key-pair-duplicate.xml') }));
      expectProblem(
        await api('POST', '/clouds/aws/key-pairs', { name: 'laptop', publicKey: opensshPublicKey() }),
        409,
        /already exists/,
      );
      fx.reset();
      const bad = await api('POST', '/clouds/aws/key-pairs', { name: 'laptop', publicKey: 'ssh-ed25519 bm90IGEga2V5' });
      expect(bad.status).toBe(400);
      expect(fx.requests).toHaveLength(0);
    });

    it('deletes a key pair after checking EC2 knows it (EC2 deletes unknown names silently)', async () => {
      fx.on(
        ec2('DescribeKeyPairs', {
          file: file('describe-key-pairs-ops.xml'),
          check: (r) => expect(r.form?.get('KeyName.1')).toBe('ops'),
        }),
        ec2('DeleteKeyPair', {
          file: file('delete-key-pair.xml'),
          check: (r) => expect(r.form?.get('KeyName')).toBe('ops'),
        }),
      );
      const res = await api('DELETE', '/clouds/aws/key-pairs/ops');
      expect(res.status).toBe(204);
      expect(actions(fx)).toEqual(['DescribeKeyPairs', 'DeleteKeyPair']);
    });

    it('answers 404 for deleting an unknown key pair, and deletes nothing', async () => {
      fx.on(ec2('DescribeKeyPairs', { status: 400, file: file('error-key-pair-not-found.xml') }));
      expectProblem(await api('DELETE', '/clouds/aws/key-pairs/nosuchkey'), 404, /InvalidKeyPair\.NotFound/);
      expect(actions(fx)).toEqual(['DescribeKeyPairs']);
    });
  });

  describe('read-after-write: EC2 answers NotFound for moments after a write (eventual consistency)', () => {
    const LAUNCHED = 'i-0d4e5f6a7b8c90004';
    const notFound = (action: string, times: number, fixture = 'error-instance-not-found.xml') =>
      ec2(action, { status: 400, file: file(fixture), times });
    const launch = async (body: Record<string, unknown> = {}) => {
      fx.on(ec2('RunInstances', { file: file('run-instances.xml') }));
      const res = await api('POST', '/clouds/aws/nodes', {
        name: 'web-2',
        image: 'ami-0abcdef1234567890',
        size: 't2.small',
        ...body,
      });
      expect(res.status).toBe(202);
      return res;
    };

    it('answers 200 pending for the Location just handed out while DescribeInstances still says NotFound', async () => {
      const created = await launch();
      const location = created.headers.get('location')!;
      expect(location).toBe(`/api/v1/clouds/aws/nodes/${LAUNCHED}`);
      // Later routes win: NotFound twice, then EC2 has caught up.
      fx.on(
        ec2('DescribeInstances', {
          file: file('describe-instance-launched.xml'),
          check: (r) => expect(r.form?.get('InstanceId.1')).toBe(LAUNCHED),
        }),
        notFound('DescribeInstances', 2),
      );
      const res = await call(t.url, 'GET', location);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: LAUNCHED, name: 'web-2', state: 'pending' });
      expect(actions(fx)).toEqual(['RunInstances', 'DescribeInstances', 'DescribeInstances', 'DescribeInstances']);
    });

    it('reboots a node launched moments ago although RebootInstances and DescribeInstances first say NotFound', async () => {
      await launch();
      fx.on(
        ec2('RebootInstances', { file: file('reboot-instances.xml') }),
        ec2('DescribeInstances', { file: file('describe-instance-launched.xml') }),
        notFound('RebootInstances', 1),
        notFound('DescribeInstances', 1),
      );
      const res = await api('POST', `/clouds/aws/nodes/${LAUNCHED}/actions/reboot`);
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ id: LAUNCHED, state: 'pending' });
      expect(actions(fx)).toEqual([
        'RunInstances',
        'RebootInstances',
        'RebootInstances',
        'DescribeInstances',
        'DescribeInstances',
      ]);
    });

    it('describes a node terminated moments ago as terminated, not 404, while EC2 still says NotFound', async () => {
      await launch();
      fx.on(ec2('TerminateInstances', { file: file('terminate-instances.xml') }));
      expect((await api('DELETE', `/clouds/aws/nodes/${LAUNCHED}`)).status).toBe(202);
      fx.on(
        ec2('DescribeInstances', { file: file('describe-instance-terminated.xml') }),
        notFound('DescribeInstances', 2),
      );
      const res = await api('GET', `/clouds/aws/nodes/${LAUNCHED}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: LAUNCHED, state: 'terminated' });
      expect(actions(fx).filter((a) => a === 'DescribeInstances')).toHaveLength(3);
    });

    it('uses a key pair imported moments ago: RunInstances and DescribeKeyPairs first say InvalidKeyPair.NotFound', async () => {
      fx.on(ec2('ImportKeyPair', { file: file('import-key-pair.xml') }));
      const imported = await api('POST', '/clouds/aws/key-pairs', { name: 'laptop', publicKey: opensshPublicKey() });
      expect(imported.status).toBe(201);
      fx.on(
        ec2('RunInstances', {
          file: file('run-instances.xml'),
          check: (r) => expect(r.form?.get('KeyName')).toBe('laptop'),
        }),
        notFound('RunInstances', 1, 'error-key-pair-not-found.xml'),
      );
      const created = await api('POST', '/clouds/aws/nodes', {
        name: 'web-2',
        image: 'ami-0abcdef1234567890',
        size: 't2.small',
        keyName: 'laptop',
      });
      expect(created.status).toBe(202);
      fx.on(
        ec2('DescribeKeyPairs', { file: file('describe-key-pairs-laptop.xml') }),
        notFound('DescribeKeyPairs', 2, 'error-key-pair-not-found.xml'),
        ec2('DeleteKeyPair', { file: file('delete-key-pair.xml') }),
      );
      expect((await api('DELETE', '/clouds/aws/key-pairs/laptop')).status).toBe(204);
      expect(actions(fx)).toEqual([
        'ImportKeyPair',
        'RunInstances',
        'RunInstances',
        'DescribeKeyPairs',
        'DescribeKeyPairs',
        'DescribeKeyPairs',
        'DeleteKeyPair',
      ]);
    });

    it('answers 404 / 422 at once, asking EC2 once, for ids and key names this cloud did not just write', async () => {
      fx.on(notFound('DescribeInstances', 5), notFound('RebootInstances', 5), notFound('TerminateInstances', 5));
      for (const [method, path] of [
        ['GET', '/clouds/aws/nodes/i-0000000000000dead'],
        ['POST', '/clouds/aws/nodes/i-0000000000000dead/actions/reboot'],
        ['DELETE', '/clouds/aws/nodes/i-0000000000000dead'],
      ]) {
        fx.requests.length = 0;
        expectProblem(await api(method, path), 404, /InvalidInstanceID\.NotFound/);
        expect(fx.requests).toHaveLength(1);
      }
      fx.reset();
      fx.on(
        notFound('RunInstances', 5, 'error-key-pair-not-found.xml'),
        notFound('DescribeKeyPairs', 5, 'error-key-pair-not-found.xml'),
      );
      const bad = expectProblem(
        await api('POST', '/clouds/aws/nodes', {
          name: 'x',
          image: 'ami-0abcdef1234567890',
          size: 't2.small',
          keyName: 'nosuchkey',
        }),
        422,
      );
      expect(JSON.stringify(bad)).toContain('keyName');
      expectProblem(await api('DELETE', '/clouds/aws/key-pairs/nosuchkey'), 404);
      expect(actions(fx)).toEqual(['RunInstances', 'DescribeKeyPairs']);
    });
  });

  describe('failures', () => {
    it.each([
      [401, 'error-auth-failure.xml', 'AuthFailure'],
      [403, 'error-signature-does-not-match.xml', 'SignatureDoesNotMatch'],
    ])('answers 502 "credentials rejected" when EC2 answers %i %s', async (status, fixture, code) => {
      fx.on(ec2('DescribeInstances', { status, file: file(fixture) }));
      const problem = expectProblem(await api('GET', '/clouds/aws/nodes'), 502, /credentials rejected/);
      expect(problem.cloud).toBe('aws');
      expect(problem.detail).toContain(code);
      expect(problem.detail).not.toMatch(/signature we calculated/);
      // Not retried: the credentials will not get better.
      expect(fx.requests).toHaveLength(1);
    });

    it('answers 503 with Retry-After when EC2 answers 503 RequestLimitExceeded', async () => {
      fx.on(
        ec2('DescribeImages', {
          status: 503,
          headers: { 'retry-after': '7' },
          file: file('error-request-limit-exceeded.xml'),
        }),
      );
      const res = await api('GET', '/clouds/aws/images');
      const problem = expectProblem(res, 503, /RequestLimitExceeded/);
      expect(problem.cloud).toBe('aws');
      expect(res.headers.get('retry-after')).toBe('7');
      // The SDK backs off and retries a little before giving up.
      expect(fx.requests.length).toBeGreaterThanOrEqual(2);
    });

    it('answers 502 when EC2 fails with a 500', async () => {
      fx.on(ec2('DescribeAvailabilityZones', { status: 500, file: file('error-internal.xml') }));
      const problem = expectProblem(await api('GET', '/clouds/aws/locations'), 502, /InternalError/);
      expect(problem.cloud).toBe('aws');
    });

    it('answers 502 when EC2 sends XML that cannot be read', async () => {
      fx.on(ec2('DescribeInstances', { file: file('malformed-describe-instances.xml') }));
      const problem = expectProblem(await api('GET', '/clouds/aws/nodes'), 502, /not readable/);
      expect(problem.cloud).toBe('aws');
    });

    it("answers 504 when EC2 hangs past the cloud's timeoutMs", async () => {
      fx.on(ec2('DescribeInstances', { hang: true }));
      const started = Date.now();
      const problem = expectProblem(await api('GET', '/clouds/aws-slow/nodes'), 504);
      expect(problem.cloud).toBe('aws-slow');
      expect(Date.now() - started).toBeLessThan(4000); // the hang is endless: any bound shows the timeout worked
      // The socket timeout used the call's whole budget: the SDK does not retry into a hung cloud.
      await new Promise((r) => setTimeout(r, 300));
      expect(actions(fx)).toEqual(['DescribeInstances']);
    });
  });

  it('never shows the secret key in any answer', () => {
    expect(answers.length).toBeGreaterThan(30);
    for (const body of answers) expect(body).not.toContain(SECRET);
  });
});
