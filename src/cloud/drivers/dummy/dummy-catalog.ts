import type { CloudImage, CloudLocation, CloudSize } from '../../driver/compute-driver';

/** The dummy cloud's fixed catalogue: enough variety to demo and to test references against. */
export const DUMMY_IMAGES: CloudImage[] = [
  { id: 'img-ubuntu-2404', name: 'Ubuntu 24.04 LTS', extra: { os: 'linux', architecture: 'x86_64' } },
  { id: 'img-debian-12', name: 'Debian 12', extra: { os: 'linux', architecture: 'x86_64' } },
  { id: 'img-fedora-41', name: 'Fedora 41', extra: { os: 'linux', architecture: 'x86_64' } },
  { id: 'img-windows-2022', name: 'Windows Server 2022', extra: { os: 'windows', architecture: 'x86_64' } },
];

export const DUMMY_SIZES: CloudSize[] = [
  { id: 'small', name: 'Small (1 vCPU, 1 GiB)', ram: 1024, disk: 20, vcpus: 1, price: 0.0075, extra: {} },
  { id: 'medium', name: 'Medium (2 vCPU, 4 GiB)', ram: 4096, disk: 40, vcpus: 2, price: 0.03, extra: {} },
  { id: 'large', name: 'Large (4 vCPU, 16 GiB)', ram: 16384, disk: 80, vcpus: 4, price: 0.12, extra: {} },
];

export const DUMMY_LOCATIONS: CloudLocation[] = [
  { id: 'dc-ams', name: 'Amsterdam 1', country: 'NL', extra: {} },
  { id: 'dc-nyc', name: 'New York 1', country: 'US', extra: {} },
  { id: 'dc-sgp', name: 'Singapore 1', country: 'SG', extra: {} },
];
