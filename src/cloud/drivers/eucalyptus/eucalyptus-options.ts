import { z } from 'zod';
import type { AmazonOptions } from '../amazon/amazon.driver';
import { ec2Credentials, ec2ImageOwners, ec2Region } from '../amazon/amazon-options';

/** Libcloud's Eucalyptus defaults: TLS on, the cloud controller's port and its EC2 service path. */
export const EUCALYPTUS_DEFAULTS = {
  port: 8773,
  secure: true,
  path: '/services/Eucalyptus',
  region: 'eucalyptus',
} as const;

export const eucalyptusOptionsSchema = z
  .object({
    ...ec2Credentials,
    extraParams: z
      .object({
        host: z
          .string({
            error: (i) =>
              i.input === undefined
                ? 'host is required (the cloud controller, e.g. "euca.example.org")'
                : 'host must be a string',
          })
          .regex(
            /^(?:[A-Za-z0-9.-]+|\[?[0-9A-Fa-f:.]+\]?)$/,
            'host must be a host name or IP address, without scheme, port or path',
          ),
        port: z.number().int().min(1).max(65535).default(EUCALYPTUS_DEFAULTS.port),
        secure: z.boolean().default(EUCALYPTUS_DEFAULTS.secure),
        path: z
          .string()
          .regex(/^\/[^?#\s]*$/, 'path must start with "/", e.g. "/services/Eucalyptus"')
          .default(EUCALYPTUS_DEFAULTS.path),
        region: ec2Region.default(EUCALYPTUS_DEFAULTS.region),
        // A private cloud's catalogue is small and mostly registered by its administrators: list it all.
        imageOwners: ec2ImageOwners.default([]),
      })
      .strict(),
  })
  .transform((s): AmazonOptions => ({
    accessKeyId: s.user,
    secretAccessKey: s.password,
    region: s.extraParams.region,
    endpoint: eucalyptusEndpoint(s.extraParams),
    imageOwners: s.extraParams.imageOwners,
  }));

/** `${secure ? 'https' : 'http'}://host:port${path}`, bracketing IPv6 literals. */
export function eucalyptusEndpoint(p: { host: string; port: number; secure: boolean; path: string }): string {
  const host = p.host.includes(':') && !p.host.startsWith('[') ? `[${p.host}]` : p.host;
  return `${p.secure ? 'https' : 'http'}://${host}:${p.port}${p.path}`;
}
