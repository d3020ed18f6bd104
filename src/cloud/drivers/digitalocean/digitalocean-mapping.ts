import { CloudError } from '../../driver/cloud-error';
import type {
  CloudImage,
  CloudKeyPair,
  CloudLocation,
  CloudNode,
  CloudSize,
  NodeState,
} from '../../driver/compute-driver';
import { addAddress, NodeAddresses } from '../ip-addresses';
import { isoOrNull, numberOrNull } from '../provider-values';

/** Droplet status → v1 state. `archive` is a droplet DigitalOcean has retired: it cannot run again. */
const DROPLET_STATES: Record<string, NodeState> = {
  new: 'pending',
  active: 'running',
  off: 'stopped',
  archive: 'terminated',
};

/** While a droplet action is in progress the droplet keeps its old status; the action tells more. */
export const ACTION_STATES: Record<string, NodeState> = {
  reboot: 'rebooting',
  power_cycle: 'rebooting',
  power_on: 'starting',
  power_off: 'stopping',
  shutdown: 'stopping',
};

/** Region slug prefix → ISO country; DigitalOcean's region objects carry no country. */
const REGION_COUNTRIES: Record<string, string> = {
  nyc: 'US',
  sfo: 'US',
  atl: 'US',
  tor: 'CA',
  ams: 'NL',
  fra: 'DE',
  lon: 'GB',
  sgp: 'SG',
  blr: 'IN',
  syd: 'AU',
};

/**
 * v1 metadata travels as DigitalOcean tags `key:value` (the convention DigitalOcean's own docs use,
 * e.g. `env:prod`), because droplets have tags, not key/value metadata. Tag names allow letters,
 * digits, "-", "_" and ":" up to 255 characters, so keys must not contain ":" and values must fit.
 */
const TAG_KEY = /^[A-Za-z0-9_-]+$/;
const TAG_VALUE = /^[A-Za-z0-9_:-]*$/;
const TAG_MAX = 255;

export function metadataToTags(metadata: Record<string, string> | undefined): string[] {
  return Object.entries(metadata ?? {}).map(([key, value]) => {
    if (!TAG_KEY.test(key)) {
      throw new CloudError(
        'invalid_request',
        `metadata key "${key}" cannot be stored as a DigitalOcean tag: keys may hold only letters, digits, "-" and "_"`,
      );
    }
    if (!TAG_VALUE.test(value)) {
      throw new CloudError(
        'invalid_request',
        `metadata value of "${key}" cannot be stored as a DigitalOcean tag: values may hold only letters, digits, "-", "_" and ":"`,
      );
    }
    const tag = `${key}:${value}`;
    if (tag.length > TAG_MAX) {
      throw new CloudError(
        'invalid_request',
        `metadata "${key}" is too long for a DigitalOcean tag (at most ${TAG_MAX} characters as key:value)`,
      );
    }
    return tag;
  });
}

/** Tags of the form key:value become metadata; plain tags stay visible in `extra.tags` only. */
export function tagsToMetadata(tags: unknown): Record<string, string> {
  const entries: Array<[string, string]> = [];
  for (const tag of Array.isArray(tags) ? tags : []) {
    if (typeof tag !== 'string') continue;
    const colon = tag.indexOf(':');
    if (colon > 0) entries.push([tag.slice(0, colon), tag.slice(colon + 1)]);
  }
  // Defined, not assigned: a tag "__proto__:x" (a valid DigitalOcean tag) stays a key of the map.
  return Object.fromEntries(entries);
}

/** Public images are best named by slug (stable across image updates); private ones only have ids. */
export function imageRef(image: any): string | null {
  if (!image || typeof image !== 'object') return null;
  if (typeof image.slug === 'string' && image.slug) return image.slug;
  return image.id != null ? String(image.id) : null;
}

export function dropletState(droplet: any): NodeState {
  return DROPLET_STATES[String(droplet?.status ?? '').toLowerCase()] ?? 'unknown';
}

/** Droplet addresses by DigitalOcean's own type; an address of any other type by its range. */
function addresses(droplet: any): NodeAddresses {
  const networks = droplet?.networks ?? {};
  const found: NodeAddresses = { publicIps: [], privateIps: [] };
  for (const n of [
    ...(Array.isArray(networks.v4) ? networks.v4 : []),
    ...(Array.isArray(networks.v6) ? networks.v6 : []),
  ]) {
    addAddress(found, n?.ip_address, n?.type === 'public' || n?.type === 'private' ? n.type : undefined);
  }
  return found;
}

export function toNode(droplet: any): CloudNode {
  const tags = Array.isArray(droplet.tags) ? droplet.tags.filter((t: unknown) => typeof t === 'string') : [];
  return {
    id: String(droplet.id),
    name: String(droplet.name ?? ''),
    state: dropletState(droplet),
    ...addresses(droplet),
    imageId: imageRef(droplet.image),
    sizeId: droplet.size_slug != null ? String(droplet.size_slug) : (droplet.size?.slug ?? null),
    locationId: droplet.region?.slug != null ? String(droplet.region.slug) : null,
    createdAt: isoOrNull(droplet.created_at),
    metadata: tagsToMetadata(tags),
    extra: {
      status: droplet.status ?? null,
      tags,
      locked: droplet.locked ?? null,
      memory: numberOrNull(droplet.memory),
      vcpus: numberOrNull(droplet.vcpus),
      disk: numberOrNull(droplet.disk),
      vpcUuid: droplet.vpc_uuid ?? null,
    },
  };
}

export function toImage(image: any): CloudImage {
  return {
    id: imageRef(image) ?? '',
    name: [image.distribution, image.name].filter(Boolean).join(' ') || String(image.id),
    extra: {
      numericId: image.id ?? null,
      slug: image.slug ?? null,
      distribution: image.distribution ?? null,
      type: image.type ?? null,
      public: image.public ?? null,
      status: image.status ?? null,
      regions: Array.isArray(image.regions) ? image.regions : [],
      minDiskSize: numberOrNull(image.min_disk_size),
    },
  };
}

export function toSize(size: any): CloudSize {
  return {
    id: String(size.slug),
    name: String(size.description || size.slug),
    ram: numberOrNull(size.memory),
    disk: numberOrNull(size.disk),
    vcpus: numberOrNull(size.vcpus),
    price: numberOrNull(size.price_hourly),
    extra: {
      priceMonthly: numberOrNull(size.price_monthly),
      transferTb: numberOrNull(size.transfer),
      available: size.available ?? null,
      regions: Array.isArray(size.regions) ? size.regions : [],
    },
  };
}

export function toLocation(region: any): CloudLocation {
  const slug = String(region.slug);
  return {
    id: slug,
    name: String(region.name ?? slug),
    country: REGION_COUNTRIES[slug.slice(0, 3)] ?? null,
    extra: { available: region.available ?? null, features: Array.isArray(region.features) ? region.features : [] },
  };
}

export function toKeyPair(key: any): CloudKeyPair {
  return { name: String(key.name), fingerprint: key.fingerprint ?? null, publicKey: key.public_key ?? null };
}
