import type {
  CloudImage,
  CloudKeyPair,
  CloudLocation,
  CloudNode,
  CloudSize,
  NodeState,
} from '../../driver/compute-driver';
import { flavorSize, isoOrNull, numberOrNull, stringRecord } from '../pkgcloud/pkgcloud.driver';

/** Nova server status → v1 state (Rackspace Cloud Servers speaks Nova's v2 API). */
const SERVER_STATES: Record<string, NodeState> = {
  ACTIVE: 'running',
  BUILD: 'pending',
  REBUILD: 'pending',
  PASSWORD: 'pending',
  RESIZE: 'pending',
  VERIFY_RESIZE: 'pending',
  REVERT_RESIZE: 'pending',
  MIGRATING: 'pending',
  REBOOT: 'rebooting',
  HARD_REBOOT: 'rebooting',
  SHUTOFF: 'stopped',
  STOPPED: 'stopped',
  SUSPENDED: 'stopped',
  PAUSED: 'stopped',
  SHELVED: 'stopped',
  SHELVED_OFFLOADED: 'stopped',
  DELETED: 'terminated',
  SOFT_DELETED: 'terminated',
  ERROR: 'error',
};

/** A task in flight says more than the status it has not left yet. */
function taskState(task: unknown): NodeState | undefined {
  if (typeof task !== 'string') return undefined;
  if (task.startsWith('reboot')) return 'rebooting';
  if (task === 'powering-off') return 'stopping';
  if (task === 'powering-on') return 'starting';
  return undefined;
}

export function serverState(server: any): NodeState {
  return (
    taskState(server?.['OS-EXT-STS:task_state']) ??
    SERVER_STATES[String(server?.status ?? '').toUpperCase()] ??
    'unknown'
  );
}

/** Rackspace names two networks `public` and `private` (ServiceNet); any other label is a private network. */
function addresses(server: any, publicOnes: boolean): string[] {
  const networks = server?.addresses && typeof server.addresses === 'object' ? server.addresses : {};
  return Object.entries(networks)
    .filter(([label]) => (label === 'public') === publicOnes)
    .flatMap(([, list]) => (Array.isArray(list) ? list : []))
    .map((a: any) => a?.addr)
    .filter((a): a is string => typeof a === 'string');
}

export function toNode(server: any, region: string): CloudNode {
  return {
    id: String(server.id),
    name: String(server.name ?? ''),
    state: serverState(server),
    publicIps: addresses(server, true),
    privateIps: addresses(server, false),
    // Servers booted from a volume have image "" rather than an object.
    imageId: server.image?.id != null ? String(server.image.id) : null,
    sizeId: server.flavor?.id != null ? String(server.flavor.id) : null,
    locationId: region,
    createdAt: isoOrNull(server.created),
    metadata: stringRecord(server.metadata),
    extra: {
      status: server.status ?? null,
      taskState: server['OS-EXT-STS:task_state'] ?? null,
      keyName: server.key_name ?? null,
      progress: numberOrNull(server.progress),
      diskConfig: server['OS-DCF:diskConfig'] ?? null,
    },
  };
}

export function toImage(image: any): CloudImage {
  return {
    id: String(image.id),
    name: String(image.name ?? image.id),
    extra: {
      status: image.status ?? null,
      minDisk: numberOrNull(image.minDisk),
      minRam: numberOrNull(image.minRam),
      created: isoOrNull(image.created),
      osDistro: image.metadata?.os_distro ?? null,
      imageType: image.metadata?.image_type ?? null,
    },
  };
}

/** Rackspace publishes no prices through the API, so price stays null. */
export function toSize(flavor: any): CloudSize {
  return {
    ...flavorSize(flavor),
    extra: {
      ephemeralDisk: numberOrNull(flavor['OS-FLV-EXT-DATA:ephemeral']),
      class: flavor['OS-FLV-WITH-EXT-SPECS:extra_specs']?.class ?? null,
    },
  };
}

export function toKeyPair(entry: any): CloudKeyPair {
  const key = entry?.keypair ?? entry;
  return { name: String(key.name), fingerprint: key.fingerprint ?? null, publicKey: key.public_key ?? null };
}

const REGIONS: Record<string, { name: string; country: string }> = {
  IAD: { name: 'Northern Virginia', country: 'US' },
  DFW: { name: 'Dallas-Fort Worth', country: 'US' },
  ORD: { name: 'Chicago', country: 'US' },
  LON: { name: 'London', country: 'GB' },
  SYD: { name: 'Sydney', country: 'AU' },
  HKG: { name: 'Hong Kong', country: 'HK' },
};

export function toLocation(region: string): CloudLocation {
  const known = REGIONS[region];
  return { id: region, name: known?.name ?? region, country: known?.country ?? null, extra: {} };
}
