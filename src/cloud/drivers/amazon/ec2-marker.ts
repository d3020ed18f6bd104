import { CloudError } from '../../driver/cloud-error';

/**
 * Where the next page of DescribeInstances starts: EC2's NextToken (absent for the first EC2 page)
 * and how many instances of that EC2 page were already handed out, since a v1 page can end inside
 * one EC2 page. `lastId` is set whenever a token is: EC2 forgets its tokens (InvalidPaginationToken),
 * and the listing then finds its place again by that id in a walk from the start.
 */
export interface Ec2Marker {
  token?: string;
  skip: number;
  /** Ids of the last instance handed out and of the one after it: where to resume in the re-read page. */
  lastId?: string;
  nextId?: string;
}

export function encodeMarker(marker: Ec2Marker): string {
  return JSON.stringify({
    ...(marker.token ? { t: marker.token } : {}),
    s: marker.skip,
    ...(marker.lastId ? { a: marker.lastId } : {}),
    ...(marker.nextId ? { n: marker.nextId } : {}),
  });
}

export function decodeMarker(text: string | undefined): Ec2Marker {
  if (!text) return { skip: 0 };
  let value: any;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const tokenOk = value?.t === undefined || (typeof value.t === 'string' && value.t.length > 0);
  const idOk = (v: unknown) => v === undefined || (typeof v === 'string' && v.length > 0);
  if (
    !value ||
    typeof value !== 'object' ||
    !tokenOk ||
    !Number.isInteger(value.s) ||
    value.s < 0 ||
    !idOk(value.a) ||
    !idOk(value.n)
  ) {
    throw new CloudError('invalid_cursor', "cursor does not point into this cloud's node list");
  }
  return { token: value.t, skip: value.s, lastId: value.a, nextId: value.n };
}
