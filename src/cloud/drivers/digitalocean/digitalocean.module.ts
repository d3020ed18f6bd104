import { Module } from '@nestjs/common';
import { z } from 'zod';
import { DriverDefinition } from '../../driver-definition';
import { driverRegistration } from '../../driver-factory';
import { DigitalOceanDriver, DigitalOceanOptions } from './digitalocean.driver';

const DEFAULT_ENDPOINT = 'https://api.digitalocean.com';

const options = z
  .object({
    password: z.string().min(1).optional(),
    extraParams: z
      .object({
        token: z.string().min(1).optional(),
        endpoint: z
          .string()
          .regex(
            /^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/,
            'must be an http(s) URL such as https://api.digitalocean.com (without /v2)',
          )
          .optional(),
      })
      .strict()
      .default({}),
  })
  .superRefine((s, ctx) => {
    const { password } = s;
    const token = s.extraParams.token;
    if (!password && !token) {
      ctx.addIssue({
        code: 'custom',
        path: ['password'],
        message: 'a DigitalOcean API token is required: set password or extraParams.token',
      });
    } else if (password && token && password !== token) {
      ctx.addIssue({
        code: 'custom',
        path: ['extraParams', 'token'],
        message: 'give the API token once: password and extraParams.token differ',
      });
    }
  })
  .transform((s): DigitalOceanOptions => ({
    token: (s.extraParams.token ?? s.password)!,
    endpoint: (s.extraParams.endpoint ?? DEFAULT_ENDPOINT).replace(/\/+$/, ''),
  }));

export const digitalOceanDefinition: DriverDefinition<DigitalOceanOptions> = {
  engine: 'digitalocean',
  provider: 'DigitalOcean (API v2)',
  options,
  create: ({ cloud, options, timeoutMs }) => new DigitalOceanDriver(options, { cloud, timeoutMs }),
};

/** DigitalOcean droplets, through pkgcloud's digitalocean client. */
@Module({ providers: [driverRegistration(digitalOceanDefinition)] })
export class DigitalOceanDriverModule {}
