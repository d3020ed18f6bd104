import type { ComputeService } from '../compute/compute.service';
import type { NodeSetMemberSpec } from './node-sets.service';

/** Hours in a month for monthly estimates: 365 × 24 / 12, the convention of the public clouds' price pages. */
export const HOURS_PER_MONTH = 730;

export interface PlannedMember {
  index: number;
  name: string;
  cloud: string;
  image: string;
  size: string;
  /** The size's published hourly price in USD; null when the cloud publishes none. */
  hourlyPrice: number | null;
}

export interface NodeSetPlan {
  name: string;
  /** Always true: an invalid set is a 422 problem instead. */
  valid: true;
  members: PlannedMember[];
  /** Members per cloud. */
  counts: Record<string, number>;
  cost: {
    currency: 'USD';
    /** Sum of the priced members' hourly prices. */
    hourly: number;
    /** hourly × HOURS_PER_MONTH. */
    monthly: number;
    hoursPerMonth: number;
    /** Members whose size has no published price (not in the sums). */
    unpricedMembers: string[];
  };
}

type Problem = { field: string; message: string };
type Member = NodeSetMemberSpec & { field: string };

/**
 * Checks every reference of every member on its cloud (image, size, location, key pair exist),
 * reading each cloud's catalogue once (through the catalogue cache), and prices the set from the
 * sizes' published prices. Returns the plan, or every problem found (never just the first). A cloud
 * whose catalogue cannot be read is no problem of the request: its members are left unchecked and
 * the cloud's error is returned in `unreadable`, for the caller to answer as that cloud's failure
 * (502/503/504) when the request has no problem of its own.
 */
export async function previewNodeSet(
  compute: ComputeService,
  name: string,
  members: Member[],
  problems: Problem[],
): Promise<{ plan?: NodeSetPlan; problems: Problem[]; unreadable?: unknown }> {
  const known = new Set(compute.listClouds().map((c) => c.name));
  const clouds = [...new Set(members.map((m) => m.cloud).filter((c) => known.has(c)))];
  const catalogues = new Map(await Promise.all(clouds.map(async (c) => [c, await catalogue(compute, c)] as const)));
  const seen = new Set(problems.map((p) => `${p.field}\u0000${p.message}`));
  const add = (p: Problem) => {
    const key = `${p.field}\u0000${p.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      problems.push(p);
    }
  };
  const planned: PlannedMember[] = [];
  let unreadable: unknown;
  members.forEach((m, index) => {
    const cat = catalogues.get(m.cloud);
    if (!cat) return; // unknown cloud: already a problem
    if ('error' in cat) {
      unreadable ??= cat.error;
      return;
    }
    const size = cat.sizes.get(m.size);
    if (!cat.images.has(m.image))
      add({ field: `${m.field}.image`, message: `image "${m.image}" does not exist in cloud "${m.cloud}"` });
    if (!size) add({ field: `${m.field}.size`, message: `size "${m.size}" does not exist in cloud "${m.cloud}"` });
    if (m.location !== undefined && cat.locations && !cat.locations.has(m.location))
      add({ field: `${m.field}.location`, message: `location "${m.location}" does not exist in cloud "${m.cloud}"` });
    if (m.keyName !== undefined && cat.keyPairs && !cat.keyPairs.has(m.keyName))
      add({ field: `${m.field}.keyName`, message: `key pair "${m.keyName}" does not exist in cloud "${m.cloud}"` });
    planned.push({
      index,
      name: m.name,
      cloud: m.cloud,
      image: m.image,
      size: m.size,
      hourlyPrice: size?.price ?? null,
    });
  });
  if (problems.length || unreadable !== undefined) return { problems, unreadable };
  const counts: Record<string, number> = {};
  for (const m of planned) counts[m.cloud] = (counts[m.cloud] ?? 0) + 1;
  const hourly = round(planned.reduce((sum, m) => sum + (m.hourlyPrice ?? 0), 0));
  return {
    problems,
    plan: {
      name,
      valid: true,
      members: planned,
      counts,
      cost: {
        currency: 'USD',
        hourly,
        monthly: round(hourly * HOURS_PER_MONTH),
        hoursPerMonth: HOURS_PER_MONTH,
        unpricedMembers: planned.filter((m) => m.hourlyPrice === null).map((m) => m.name),
      },
    },
  };
}

interface Catalogue {
  images: Set<string>;
  sizes: Map<string, { price: number | null }>;
  /** Absent where the cloud has no locations / key pairs (already a capability problem). */
  locations?: Set<string>;
  keyPairs?: Set<string>;
}

async function catalogue(compute: ComputeService, cloud: string): Promise<Catalogue | { error: unknown }> {
  const can = compute.getCloud(cloud).capabilities;
  try {
    const [images, sizes, locations, keyPairs] = await Promise.all([
      compute.listImages(cloud),
      compute.listSizes(cloud),
      can.locations ? compute.listLocations(cloud) : undefined,
      can.keyPairs ? compute.listKeyPairs(cloud) : undefined,
    ]);
    return {
      images: new Set(images.items.map((i) => i.id)),
      sizes: new Map(sizes.items.map((s) => [s.id, { price: s.price }])),
      locations: locations && new Set(locations.items.map((l) => l.id)),
      keyPairs: keyPairs && new Set(keyPairs.items.map((k) => k.name)),
    };
  } catch (error) {
    return { error };
  }
}

/** Prices to a hundredth of a cent, so sums of binary fractions read as the prices do. */
function round(usd: number): number {
  return Math.round(usd * 10_000) / 10_000;
}
