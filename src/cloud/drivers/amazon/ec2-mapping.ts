import type { CloudImage, CloudKeyPair, CloudLocation, CloudNode } from '../../driver/compute-driver';
import { compact, isoOrNull } from '../provider-values';
import { ec2State } from './ec2-states';

/** The tag EC2 consoles show as an instance's name; the other tags are the node's metadata. */
export const NAME_TAG = 'Name';

type Tag = { Key?: string; Value?: string };

/** An aws-sdk EC2 Instance (DescribeInstances / RunInstances) as a v1 node. */
export function ec2Node(instance: any): CloudNode {
  const tags: Tag[] = Array.isArray(instance.Tags) ? instance.Tags : [];
  const entries: Array<[string, string]> = [];
  let name = '';
  for (const tag of tags) {
    if (typeof tag.Key !== 'string') continue;
    if (tag.Key === NAME_TAG) name = tag.Value ?? '';
    else entries.push([tag.Key, tag.Value ?? '']);
  }
  // Defined, not assigned: a tag named "__proto__" (EC2 takes any key) stays a key of the map.
  const metadata: Record<string, string> = Object.fromEntries(entries);
  const interfaces: any[] = Array.isArray(instance.NetworkInterfaces) ? instance.NetworkInterfaces : [];
  const publicIps = unique([
    instance.PublicIpAddress,
    ...interfaces.map((i) => i?.Association?.PublicIp),
    // An Elastic IP on a secondary private address is NAT'd to it and shows nowhere else.
    ...interfaces.flatMap((i) =>
      Array.isArray(i?.PrivateIpAddresses) ? i.PrivateIpAddresses.map((a: any) => a?.Association?.PublicIp) : [],
    ),
    ...interfaces.flatMap((i) =>
      Array.isArray(i?.Ipv6Addresses) ? i.Ipv6Addresses.map((a: any) => a?.Ipv6Address) : [],
    ),
  ]);
  const privateIps = unique([
    instance.PrivateIpAddress,
    ...interfaces.flatMap((i) =>
      Array.isArray(i?.PrivateIpAddresses) ? i.PrivateIpAddresses.map((a: any) => a?.PrivateIpAddress) : [],
    ),
  ]);
  return {
    id: String(instance.InstanceId),
    name,
    state: ec2State(instance.State?.Name),
    publicIps,
    privateIps,
    imageId: instance.ImageId ?? null,
    sizeId: instance.InstanceType ?? null,
    locationId: instance.Placement?.AvailabilityZone || null,
    createdAt: isoOrNull(instance.LaunchTime),
    metadata,
    extra: compact({
      ec2State: instance.State?.Name,
      keyName: instance.KeyName,
      vpcId: instance.VpcId,
      subnetId: instance.SubnetId,
      architecture: instance.Architecture,
      publicDnsName: instance.PublicDnsName,
      privateDnsName: instance.PrivateDnsName,
      stateReason: instance.StateReason?.Message,
    }),
  };
}

/** The TagSpecifications that give a new instance its name and metadata at launch. */
export function instanceTags(
  name: string,
  metadata: Record<string, string> | undefined,
): Array<{ ResourceType: string; Tags: Tag[] }> {
  const tags: Tag[] = [
    { Key: NAME_TAG, Value: name },
    ...Object.entries(metadata ?? {}).map(([Key, Value]) => ({ Key, Value })),
  ];
  return [{ ResourceType: 'instance', Tags: tags }];
}

export function ec2Image(image: any): CloudImage {
  return {
    id: String(image.ImageId),
    name: String(image.Name || image.ImageLocation || image.ImageId),
    extra: compact({
      description: image.Description,
      state: image.State,
      architecture: image.Architecture,
      ownerId: image.OwnerId,
      public: image.Public,
      platform: image.PlatformDetails ?? image.Platform,
      rootDeviceType: image.RootDeviceType,
      virtualizationType: image.VirtualizationType,
      createdAt: isoOrNull(image.CreationDate) ?? undefined,
    }),
  };
}

export function ec2Location(zone: any): CloudLocation {
  return {
    id: String(zone.ZoneName),
    name: String(zone.ZoneName),
    country: null,
    extra: compact({ region: zone.RegionName, state: zone.State, zoneId: zone.ZoneId }),
  };
}

export function ec2KeyPair(key: any, publicKey: string | null = null): CloudKeyPair {
  return { name: String(key.KeyName), fingerprint: key.KeyFingerprint ?? null, publicKey };
}

/** Distinct addresses; Eucalyptus fills unassigned ones with 0.0.0.0. */
function unique(values: unknown[]): string[] {
  return [...new Set(values.filter((v): v is string => typeof v === 'string' && v.length > 0 && v !== '0.0.0.0'))];
}
