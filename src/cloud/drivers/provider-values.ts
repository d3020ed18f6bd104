/** Reading loosely typed provider JSON into the contract's shapes: the helpers every mapping uses. */

/** An ISO 8601 time, or null for an absent or unreadable one. */
export function isoOrNull(value: unknown): string | null {
  if (value == null || value === '') return null;
  const d = new Date(value as string);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** A finite number, or null (providers send "" or null for "none"). */
export function numberOrNull(value: unknown): number | null {
  const n = Number(value);
  return value == null || value === '' || !Number.isFinite(n) ? null : n;
}

/** An object's entries as strings (metadata); {} for anything else. */
export function stringRecord(value: unknown): Record<string, string> {
  if (!value || typeof value !== 'object') return {};
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
}

/** The record without its undefined, null and empty-string values. */
export function compact(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined && v !== null && v !== ''));
}
