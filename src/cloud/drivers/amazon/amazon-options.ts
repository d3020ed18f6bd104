import { z } from 'zod';
import type { AmazonOptions } from './amazon.driver';

const required = (what: string) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? `${what} is required` : `${what} must be a string`) })
    .min(1, `${what} must not be empty`);

/** The EC2 credentials every EC2-compatible cloud takes from the common settings fields. */
export const ec2Credentials = {
  user: required('user (the access key id)'),
  password: required('password (the secret access key)'),
};

export const ec2Region = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'region must be a region name such as "eu-west-1"');

export const ec2ImageOwners = z
  .array(z.string().min(1, 'image owners must not be empty strings'))
  .max(20, 'at most 20 image owners');

export const amazonOptionsSchema = z
  .object({
    ...ec2Credentials,
    extraParams: z
      .object({
        region: z
          .string({
            error: (i) => (i.input === undefined ? 'region is required (e.g. "eu-west-1")' : 'region must be a string'),
          })
          .pipe(ec2Region),
        endpoint: z
          .string()
          .regex(
            /^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/,
            'endpoint must be an http(s) URL such as https://ec2.eu-west-1.amazonaws.com',
          )
          .optional(),
        // AWS lists every public AMI without an owner filter: by default only the account's own images.
        imageOwners: ec2ImageOwners.default(['self']),
      })
      .strict(),
  })
  .transform((s): AmazonOptions => ({
    accessKeyId: s.user,
    secretAccessKey: s.password,
    region: s.extraParams.region,
    ...(s.extraParams.endpoint ? { endpoint: s.extraParams.endpoint } : {}),
    imageOwners: s.extraParams.imageOwners,
  }));
