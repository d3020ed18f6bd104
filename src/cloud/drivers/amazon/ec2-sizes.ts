import type { CloudSize } from '../../driver/compute-driver';

/**
 * vCPUs of the instance types in pkgcloud's static flavor table (EC2 has no flavor API the old
 * library used; pkgcloud knows ram and instance-store disk only). From the EC2 instance type pages.
 */
const VCPUS: Record<string, number> = {
  't1.micro': 1,
  't2.micro': 1,
  't2.small': 1,
  't2.medium': 2,
  'm1.small': 1,
  'm1.medium': 1,
  'm1.large': 2,
  'm1.xlarge': 4,
  'm2.xlarge': 2,
  'm2.2xlarge': 4,
  'm2.4xlarge': 8,
  'm3.medium': 1,
  'm3.large': 2,
  'm3.xlarge': 4,
  'm3.2xlarge': 8,
  'c1.medium': 2,
  'c1.xlarge': 8,
  'c3.large': 2,
  'c3.xlarge': 4,
  'c3.2xlarge': 8,
  'c3.4xlarge': 16,
  'c3.8xlarge': 32,
  'cc2.8xlarge': 32,
  'cg1.4xlarge': 16,
  'cr1.8xlarge': 32,
  'g2.2xlarge': 8,
  'hi1.4xlarge': 16,
  'hs1.8xlarge': 16,
  'i2.xlarge': 4,
  'i2.2xlarge': 8,
  'i2.4xlarge': 16,
  'i2.8xlarge': 32,
  'r3.large': 2,
  'r3.xlarge': 4,
  'r3.2xlarge': 8,
  'r3.4xlarge': 16,
  'r3.8xlarge': 32,
};

/** One of pkgcloud's amazon Flavors ({id, name, ram in MiB, disk in GiB}) as a v1 size. */
export function ec2Size(flavor: { id?: unknown; name?: unknown; ram?: unknown; disk?: unknown }): CloudSize {
  const id = String(flavor.id ?? flavor.name);
  const ram = Number(flavor.ram);
  const disk = Number(flavor.disk);
  return {
    id,
    name: id,
    // pkgcloud derives some from GiB figures (1.7 * 1024).
    ram: Number.isFinite(ram) && ram > 0 ? Math.round(ram) : null,
    // Instance-store GiB; EBS-only types have none, and their root disk size comes from the image.
    disk: Number.isFinite(disk) && disk > 0 ? disk : null,
    vcpus: VCPUS[id] ?? null,
    price: null,
    extra: { storage: Number.isFinite(disk) && disk > 0 ? 'instance-store' : 'ebs-only' },
  };
}
