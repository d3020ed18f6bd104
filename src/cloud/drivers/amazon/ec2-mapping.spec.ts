import { ec2Node, instanceTags } from './ec2-mapping';
import { decodeMarker, encodeMarker } from './ec2-marker';
import { ec2Size } from './ec2-sizes';
import { ec2State, stateAfterAction } from './ec2-states';

describe('EC2 states', () => {
  it.each([
    ['pending', 'pending'],
    ['running', 'running'],
    ['shutting-down', 'terminated'],
    ['terminated', 'terminated'],
    ['stopping', 'stopping'],
    ['stopped', 'stopped'],
    ['hibernating', 'unknown'],
    [undefined, 'unknown'],
  ])('maps %s to %s', (ec2, v1) => {
    expect(ec2State(ec2)).toBe(v1);
  });

  it('reads the state after start and stop from the state-change answer', () => {
    expect(stateAfterAction('start', 'pending')).toBe('starting');
    expect(stateAfterAction('start', 'running')).toBe('running');
    expect(stateAfterAction('stop', 'stopping')).toBe('stopping');
    expect(stateAfterAction('stop', undefined)).toBeUndefined();
  });
});

describe('EC2 instances as nodes', () => {
  it('keeps tags named like Object.prototype members as metadata keys, "__proto__" included, polluting nothing', () => {
    const names = ['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__'];
    const node = ec2Node({
      InstanceId: 'i-1',
      State: { Name: 'running' },
      Tags: names.map((Key, i) => ({ Key, Value: `v${i}` })),
    });
    expect(Object.keys(node.metadata)).toEqual(names);
    expect(names.map((n) => Object.getOwnPropertyDescriptor(node.metadata, n)?.value)).toEqual([
      'v0',
      'v1',
      'v2',
      'v3',
      'v4',
    ]);
    expect(Object.getPrototypeOf(node.metadata)).toBe(Object.prototype);
    expect(instanceTags('web', node.metadata)[0].Tags.map((t) => t.Key)).toEqual(['Name', ...names]);
  });

  it('names a node from the Name tag, keeps the other tags as metadata, and drops 0.0.0.0', () => {
    const node = ec2Node({
      InstanceId: 'i-1',
      State: { Name: 'running' },
      Tags: [
        { Key: 'Name', Value: 'web' },
        { Key: 'team', Value: 'a' },
      ],
      PublicIpAddress: '0.0.0.0',
      PrivateIpAddress: '10.0.0.5',
      NetworkInterfaces: [
        { Ipv6Addresses: [{ Ipv6Address: '2001:db8::5' }], PrivateIpAddresses: [{ PrivateIpAddress: '10.0.0.5' }] },
      ],
      LaunchTime: new Date('2024-01-02T03:04:05Z'),
    });
    expect(node).toMatchObject({
      id: 'i-1',
      name: 'web',
      state: 'running',
      metadata: { team: 'a' },
      publicIps: ['2001:db8::5'],
      privateIps: ['10.0.0.5'],
      createdAt: '2024-01-02T03:04:05.000Z',
      imageId: null,
      locationId: null,
    });
  });

  it("shows an Elastic IP NAT'd to a secondary private address, which EC2 names nowhere else (fault kind: addresses dropped)", () => {
    const node = ec2Node({
      InstanceId: 'i-1',
      State: { Name: 'running' },
      PrivateIpAddress: '10.0.0.5',
      NetworkInterfaces: [
        {
          PrivateIpAddresses: [
            { PrivateIpAddress: '10.0.0.5', Primary: true },
            { PrivateIpAddress: '10.0.0.6', Primary: false, Association: { PublicIp: '203.0.113.66' } },
          ],
        },
      ],
    });
    expect([node.publicIps, node.privateIps]).toEqual([['203.0.113.66'], ['10.0.0.5', '10.0.0.6']]);
  });

  it('tags a new instance with its name first, then its metadata', () => {
    expect(instanceTags('web', { team: 'a' })).toEqual([
      {
        ResourceType: 'instance',
        Tags: [
          { Key: 'Name', Value: 'web' },
          { Key: 'team', Value: 'a' },
        ],
      },
    ]);
  });
});

describe('DescribeInstances markers', () => {
  it('round-trips a position', () => {
    expect(decodeMarker(encodeMarker({ token: 'abc==', skip: 3 }))).toEqual({ token: 'abc==', skip: 3 });
    expect(decodeMarker(encodeMarker({ skip: 1 }))).toEqual({ token: undefined, skip: 1 });
    expect(decodeMarker(undefined)).toEqual({ skip: 0 });
  });

  it.each(['nope', '{}', '{"s":-1}', '{"s":1.5}', '{"t":"","s":0}', '{"t":5,"s":0}', 'null'])(
    'refuses %s as a cursor this service did not issue',
    (text) => {
      expect(() => decodeMarker(text)).toThrow(expect.objectContaining({ kind: 'invalid_cursor' }));
    },
  );
});

describe('EC2 sizes', () => {
  it('rounds RAM, treats no instance store as unknown disk, and knows the vCPUs', () => {
    expect(ec2Size({ id: 'm1.small', name: 'm1.small', ram: 1.7 * 1024, disk: 160 })).toMatchObject({
      ram: 1741,
      disk: 160,
      vcpus: 1,
    });
    expect(ec2Size({ id: 't2.micro', name: 't2.micro', ram: 1024, disk: 0 })).toMatchObject({
      disk: null,
      extra: { storage: 'ebs-only' },
    });
    expect(ec2Size({ id: 'x9.future', name: 'x9.future', ram: 2048, disk: 0 }).vcpus).toBeNull();
  });
});
