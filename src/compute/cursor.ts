import { CloudError } from '../cloud/driver/cloud-error';

/**
 * The v1 cursor: opaque to callers, it wraps the driver's marker with the cloud it belongs to, so a
 * cursor from one cloud cannot be replayed against another.
 */
export function encodeCursor(cloud: string, marker: string): string {
  return Buffer.from(JSON.stringify({ c: cloud, m: marker })).toString('base64url');
}

export function decodeCursor(cloud: string, cursor: string): string {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  const value = decoded as { c?: unknown; m?: unknown } | undefined;
  if (!value || typeof value.m !== 'string' || typeof value.c !== 'string') {
    throw new CloudError('invalid_request', 'cursor is not a cursor this service issued');
  }
  if (value.c !== cloud)
    throw new CloudError('invalid_request', `cursor belongs to cloud "${value.c}", not "${cloud}"`);
  return value.m;
}
