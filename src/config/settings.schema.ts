import { z } from 'zod';

/** Cloud names appear in URLs and metrics labels, so keep them simple. */
export const CLOUD_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** Fields common to every cloud; engine-specific checks live with each driver (see DriverDefinition). */
export const cloudSettingsSchema = z
  .object({
    engine: z.string().min(1, 'must name the engine (for example "dummy" or "openstack")'),
    default: z.boolean().optional(),
    user: z.string().optional(),
    password: z.string().optional(),
    /** Bound on every call to this cloud, connecting included. */
    timeoutMs: z.number().int().min(50).max(600_000).default(30_000),
    extraParams: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export const settingsSchema = z
  .object({
    clouds: z
      .record(z.string(), cloudSettingsSchema)
      .refine((clouds) => Object.keys(clouds).length > 0, 'at least one cloud must be configured')
      .superRefine((clouds, ctx) => {
        for (const name of Object.keys(clouds)) {
          if (!CLOUD_NAME.test(name)) {
            ctx.addIssue({
              code: 'custom',
              path: [name],
              message: 'cloud names are 1-63 characters of a-z, 0-9, "-" and "_", starting with a letter or digit',
            });
          }
        }
      }),
  })
  .strict();

export type CloudSettings = z.infer<typeof cloudSettingsSchema>;
export type Settings = z.infer<typeof settingsSchema>;
