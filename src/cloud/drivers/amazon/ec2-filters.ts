import type { NodeFilter, NodeState } from '../../driver/compute-driver';

/** The EC2 instance states each v1 state comes from (the inverse of ec2State). */
const EC2_STATE_NAMES: Partial<Record<NodeState, string[]>> = {
  pending: ['pending'],
  running: ['running'],
  stopping: ['stopping'],
  stopped: ['stopped'],
  terminated: ['shutting-down', 'terminated'],
};

export interface Ec2Filter {
  Name: string;
  Values: string[];
}

/**
 * DescribeInstances `Filters` for a node filter: `tag:Name` for the name (a trailing `*` wildcard
 * for a prefix), `tag:<key>` per metadata entry, `instance-state-name` for states. EC2 applies
 * them before paging, so a filtered listing reads only matching instances. Literal `*`, `?` and
 * `\` are escaped, as EC2 reads them as wildcards. States EC2 never reports as such (`rebooting`,
 * `starting`, `error`, `unknown`) make the state part unsent: the service checks every node anyway.
 */
export function ec2Filters(filter: NodeFilter | undefined): Ec2Filter[] {
  if (!filter) return [];
  const filters: Ec2Filter[] = [];
  if (filter.name) {
    filters.push({
      Name: 'tag:Name',
      Values: ['exact' in filter.name ? escape(filter.name.exact) : `${escape(filter.name.prefix)}*`],
    });
  }
  for (const [key, value] of Object.entries(filter.metadata ?? {}))
    filters.push({ Name: `tag:${key}`, Values: [escape(value)] });
  const states = filter.states ?? [];
  if (states.length && states.every((s) => EC2_STATE_NAMES[s])) {
    filters.push({ Name: 'instance-state-name', Values: states.flatMap((s) => EC2_STATE_NAMES[s]!) });
  }
  return filters;
}

function escape(value: string): string {
  return value.replace(/[\\*?]/g, (c) => `\\${c}`);
}
