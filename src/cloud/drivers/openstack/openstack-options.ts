import { z } from 'zod';

/** What the OpenStack driver needs, validated from one cloud's settings. */
export interface OpenstackOptions {
  user: string;
  password: string;
  /** Keystone's base URL, without the version path (pkgcloud appends /v3/auth/tokens). */
  authUrl: string;
  region: string;
  projectName?: string;
  projectId?: string;
  userDomainName: string;
  projectDomainName: string;
  keystoneVersion: 'v3' | 'v2.0';
  /** Which of the catalog's compute endpoints to use (Keystone's interface): public unless set. */
  interface: 'public' | 'internal' | 'admin';
  strictSSL?: boolean;
}

const required = (what: string) => (issue: { input: unknown }) =>
  issue.input === undefined ? `is required: ${what}` : `must be a string: ${what}`;

/** A key people copy from pkgcloud or clouds.yaml that this driver spells differently. */
const renamed = (instead: string) => z.never({ error: `is not read here: use ${instead}` }).optional();

const extraParams = z
  .object({
    authUrl: z
      .string({ error: required('the Keystone URL, e.g. "https://keystone.example.com:5000"') })
      .regex(/^https?:\/\/[^\s/]+/i, 'must be an http(s) URL, e.g. "https://keystone.example.com:5000"')
      .refine((url) => !/\/v(3|2\.0)(\/.*)?$/i.test(url.replace(/\/+$/, '')), {
        message:
          'must not end in the Keystone version: drop the trailing "/v3" (or "/v2.0"), pkgcloud appends "/v3/auth/tokens" itself',
      }),
    region: z
      .string({ error: required('the region of the compute endpoint in the Keystone catalog, e.g. "RegionOne"') })
      .min(1, 'must not be empty'),
    projectName: z.string().min(1, 'must not be empty').optional(),
    projectId: z.string().min(1, 'must not be empty').optional(),
    userDomainName: z.string().min(1, 'must not be empty').default('Default'),
    projectDomainName: z.string().min(1, 'must not be empty').default('Default'),
    keystoneVersion: z.enum(['v3', 'v2.0'], { error: 'must be "v3" (the default) or "v2.0"' }).default('v3'),
    interface: z
      .enum(['public', 'internal', 'admin'], { error: 'must be "public" (the default), "internal" or "admin"' })
      .default('public'),
    strictSSL: z.boolean({ error: 'must be true or false' }).optional(),
    // pkgcloud's own names, which would otherwise be dropped without a word.
    tenantName: renamed('projectName'),
    tenantId: renamed('projectId'),
    domainName: renamed('userDomainName'),
    username: renamed('the cloud\'s "user" setting'),
    password: renamed('the cloud\'s "password" setting'),
  })
  .strict()
  .refine((p) => p?.projectName !== undefined || p?.projectId !== undefined, {
    message: 'is required (or projectId): without a project Keystone issues an unscoped token with no compute endpoint',
    path: ['projectName'],
    // Reported together with any other mistake, not only once the rest is right.
    when: (payload) => typeof payload.value === 'object' && payload.value !== null,
  });

export const openstackOptionsSchema = z
  .object({
    user: z.string({ error: required('the Keystone user name') }).min(1, 'must not be empty'),
    password: z
      .string({ error: required('the Keystone password (e.g. "${OS_PASSWORD}")') })
      .min(1, 'must not be empty'),
    extraParams,
  })
  .transform(({ user, password, extraParams: p }): OpenstackOptions => ({
    user,
    password,
    authUrl: p.authUrl.replace(/\/+$/, ''),
    region: p.region,
    ...(p.projectName !== undefined ? { projectName: p.projectName } : {}),
    ...(p.projectId !== undefined ? { projectId: p.projectId } : {}),
    userDomainName: p.userDomainName,
    projectDomainName: p.projectDomainName,
    keystoneVersion: p.keystoneVersion,
    interface: p.interface,
    ...(p.strictSSL !== undefined ? { strictSSL: p.strictSSL } : {}),
  }));

/** pkgcloud's createClient options for these settings (it reads tenantName, not projectName). */
export function pkgcloudOptions(o: OpenstackOptions): Record<string, unknown> {
  return {
    provider: 'openstack',
    keystoneAuthVersion: o.keystoneVersion,
    authUrl: o.authUrl,
    username: o.user,
    password: o.password,
    region: o.region,
    domainName: o.userDomainName,
    // A project id is unique on its own; a project name needs its domain (else Keystone answers 400).
    ...(o.projectId !== undefined
      ? { tenantId: o.projectId }
      : { tenantName: o.projectName, projectDomainName: o.projectDomainName }),
    ...(o.strictSSL !== undefined ? { strictSSL: o.strictSSL } : {}),
    // pkgcloud picks the catalog's endpoint by interface from these two flags.
    ...(o.interface === 'internal' ? { useInternal: true } : {}),
    ...(o.interface === 'admin' ? { useAdmin: true } : {}),
  };
}
