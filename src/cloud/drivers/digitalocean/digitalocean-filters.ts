import type { NodeFilter } from '../../driver/compute-driver';
import { metadataToTags } from './digitalocean-mapping';

/**
 * The `tag_name` query for a metadata filter: DigitalOcean lists only droplets with that tag, and
 * v1 metadata is `key:value` tags, so every matching droplet has it. DigitalOcean takes one tag per
 * listing: the first entry (by key) is sent, the service checks the rest (and name and state). An
 * entry that could not be a tag is not sent (no droplet can match it; the service finds none).
 */
export function dropletTagQuery(filter: NodeFilter | undefined): string | undefined {
  const entries = Object.entries(filter?.metadata ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (!entries.length) return undefined;
  const [key, value] = entries[0];
  try {
    return metadataToTags({ [key]: value })[0];
  } catch {
    return undefined;
  }
}
