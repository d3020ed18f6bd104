import type { CloudImage, CloudKeyPair, CloudNode, CloudSize } from '../../driver/compute-driver';
import { compact, isoOrNull, numberOrNull, stringRecord } from '../provider-values';
import { novaAddresses } from './nova-addresses';
import { novaAwaiting, novaNodeState } from './nova-state';

/**
 * Nova v2.1 documents as the contract's shapes, for every Nova-family cloud. `location` is where the
 * server runs when Nova names no availability zone (Rackspace: the endpoint's region).
 */
export function novaNode(server: any, location: string | null = null): CloudNode {
  const { publicIps, privateIps } = novaAddresses(server);
  const taskState = server['OS-EXT-STS:task_state'];
  const zone = server['OS-EXT-AZ:availability_zone'];
  return {
    id: String(server.id),
    name: String(server.name ?? ''),
    state: novaNodeState(server.status, taskState),
    publicIps,
    privateIps,
    // Boot-from-volume servers have image "" instead of an object.
    imageId: server.image?.id != null ? String(server.image.id) : null,
    sizeId: server.flavor?.id != null ? String(server.flavor.id) : null,
    locationId: zone ? String(zone) : location,
    createdAt: isoOrNull(server.created),
    metadata: stringRecord(server.metadata),
    extra: compact({
      status: server.status,
      taskState,
      awaiting: novaAwaiting(server.status, taskState),
      vmState: server['OS-EXT-STS:vm_state'],
      powerState: server['OS-EXT-STS:power_state'],
      keyName: server.key_name,
      hostId: server.hostId || undefined,
      projectId: server.tenant_id,
      updatedAt: isoOrNull(server.updated) ?? undefined,
      progress: numberOrNull(server.progress) ?? undefined,
      diskConfig: server['OS-DCF:diskConfig'],
      fault: server.fault?.message,
    }),
  };
}

/** A Nova image (through Nova's image proxy): sizes in the units their keys name. */
export function novaImage(image: any): CloudImage {
  return {
    id: String(image.id),
    name: String(image.name ?? image.id),
    extra: compact({
      status: image.status,
      minDiskGiB: numberOrNull(image.minDisk) ?? undefined,
      minRamMiB: numberOrNull(image.minRam) ?? undefined,
      sizeBytes: numberOrNull(image['OS-EXT-IMG-SIZE:size']) ?? undefined,
      createdAt: isoOrNull(image.created) ?? undefined,
      osDistro: image.metadata?.os_distro,
      imageType: image.metadata?.image_type,
    }),
  };
}

/** A Nova flavor as a size (ram MiB, disk GiB); Nova publishes no prices. */
export function novaSize(flavor: any): CloudSize {
  return {
    id: String(flavor.id),
    name: String(flavor.name ?? flavor.id),
    ram: numberOrNull(flavor.ram),
    disk: numberOrNull(flavor.disk),
    vcpus: numberOrNull(flavor.vcpus),
    price: null,
    extra: compact({
      ephemeralGiB: numberOrNull(flavor['OS-FLV-EXT-DATA:ephemeral']) ?? undefined,
      // Nova sends swap as "" when there is none.
      swapMiB: numberOrNull(flavor.swap) ?? undefined,
      public: flavor['os-flavor-access:is_public'],
      disabled: flavor['OS-FLV-DISABLED:disabled'],
      class: flavor['OS-FLV-WITH-EXT-SPECS:extra_specs']?.class,
    }),
  };
}

/** A Nova key pair: listed as {keypair: {...}}, created as the bare object. */
export function novaKeyPair(entry: any): CloudKeyPair {
  const key = entry?.keypair ?? entry;
  return { name: String(key.name), fingerprint: key.fingerprint ?? null, publicKey: key.public_key ?? null };
}

/** The marker of a `next` link in Nova's `<collection>_links`, if there is one. */
export function nextMarker(links: unknown): string | undefined {
  if (!Array.isArray(links)) return undefined;
  const next = links.find((l) => l?.rel === 'next' && typeof l.href === 'string');
  if (!next) return undefined;
  try {
    return new URL(next.href, 'http://nova.invalid').searchParams.get('marker') ?? undefined;
  } catch {
    return undefined;
  }
}
