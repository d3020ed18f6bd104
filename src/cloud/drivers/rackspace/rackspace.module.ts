import { Module } from '@nestjs/common';
import { z } from 'zod';
import { DriverDefinition } from '../../driver-definition';
import { driverRegistration } from '../../driver-factory';
import { RackspaceDriver, RackspaceOptions } from './rackspace.driver';

const DEFAULT_AUTH_URL = 'https://identity.api.rackspacecloud.com';

const options = z
  .object({
    user: z.string({ error: 'the Rackspace username is required' }).min(1, 'the Rackspace username is required'),
    password: z.string().min(1).optional(),
    extraParams: z
      .object({
        region: z
          .string({ error: 'the Rackspace region is required, e.g. IAD, DFW, ORD, LON, SYD or HKG' })
          .regex(/^[A-Za-z]{3}$/, 'must be a Rackspace region code such as IAD, DFW, ORD, LON, SYD or HKG'),
        apiKey: z.string().min(1).optional(),
        authUrl: z
          .string()
          .regex(
            /^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/,
            'must be an http(s) URL such as https://identity.api.rackspacecloud.com',
          )
          .optional(),
      })
      .strict(),
  })
  .superRefine((s, ctx) => {
    const apiKey = s.extraParams.apiKey;
    if (!s.password && !apiKey) {
      ctx.addIssue({
        code: 'custom',
        path: ['password'],
        message: 'a Rackspace API key is required: set password or extraParams.apiKey',
      });
    } else if (s.password && apiKey && s.password !== apiKey) {
      ctx.addIssue({
        code: 'custom',
        path: ['extraParams', 'apiKey'],
        message: 'give the API key once: password and extraParams.apiKey differ',
      });
    }
  })
  .transform((s): RackspaceOptions => ({
    username: s.user,
    apiKey: (s.extraParams.apiKey ?? s.password)!,
    region: s.extraParams.region.toUpperCase(),
    // pkgcloud appends /v2.0/tokens itself.
    authUrl: (s.extraParams.authUrl ?? DEFAULT_AUTH_URL).replace(/\/+$/, '').replace(/\/v2\.0$/, ''),
  }));

export const rackspaceDefinition: DriverDefinition<RackspaceOptions> = {
  engine: 'rackspace',
  provider: 'Rackspace Cloud Servers',
  options,
  create: ({ cloud, options, timeoutMs }) => new RackspaceDriver(options, { cloud, timeoutMs }),
};

/** Rackspace Cloud Servers, through pkgcloud's rackspace client. */
@Module({ providers: [driverRegistration(rackspaceDefinition)] })
export class RackspaceDriverModule {}
