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
    /** Circuit breaker, read retries and login backoff (CloudCallPolicy; its defaults suit most clouds). */
    resilience: z
      .object({
        consecutiveFailures: z.number().int().min(1).max(1000).optional(),
        halfOpenAfterMs: z.number().int().min(100).max(3_600_000).optional(),
        readRetries: z.number().int().min(0).max(5).optional(),
        retryDelayMs: z.number().int().min(1).max(60_000).optional(),
        loginBackoffMs: z.number().int().min(1).max(600_000).optional(),
      })
      .strict()
      .optional(),
    /**
     * How long images, sizes, locations and key pairs are served from memory before the cloud is
     * asked again (0 = always ask; default 60000). The service's own key pair writes refresh the list
     * at once.
     */
    catalogTtlMs: z.number().int().min(0).max(86_400_000).optional(),
    /**
     * How long an operation on this cloud (a create until `running`, a stop until `stopped`) may take
     * before it fails; absent means DEFAULT_WAIT_TIMEOUT_MS (10 minutes).
     */
    waitTimeoutMs: z.number().int().min(1000).max(86_400_000).optional(),
    /**
     * Most node creates a node set sends to this cloud at once (the rest wait their turn), so a large set
     * does not trip the provider's rate limit. Absent: DEFAULT_MAX_CONCURRENT_CREATES.
     */
    maxConcurrentCreates: z.number().int().min(1).max(1000).optional(),
    extraParams: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export const DEFAULT_WAIT_TIMEOUT_MS = 600_000;
export const DEFAULT_MAX_CONCURRENT_CREATES = 5;

export const API_KEY_SCOPES = ['read', 'write'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

const apiKeySchema = z
  .object({
    /** Shown in logs and metrics instead of the key. */
    name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 characters of letters, digits, ".", "_" and "-"'),
    /** Normally ${SOME_ENV}; never committed. */
    key: z.string().min(16, 'must be at least 16 characters').max(512).optional(),
    /** Or a mounted file holding the key (e.g. a Kubernetes Secret volume). */
    keyFile: z.string().min(1).optional(),
    scopes: z.array(z.enum(API_KEY_SCOPES)).min(1, 'must list read and/or write').default(['read']),
  })
  .strict()
  .refine((k) => (k.key === undefined) !== (k.keyFile === undefined), 'give exactly one of key or keyFile');

const authSchema = z
  .object({
    /** Run with no API keys on a non-loopback address; the service warns at boot. */
    disabled: z.boolean().default(false),
    apiKeys: z.array(apiKeySchema).default([]),
    /** Serve /docs and /docs-json without a key. */
    openDocs: z.boolean().default(false),
    /** Serve /metrics without a key. */
    openMetrics: z.boolean().default(false),
  })
  .strict();

const httpSchema = z
  .object({
    /** Larger request bodies are refused with 413. */
    bodyLimitBytes: z
      .number()
      .int()
      .min(1024)
      .max(10 * 1024 * 1024)
      .default(256 * 1024),
    /**
     * Every client reaches the service through a TLS-terminating proxy or ingress: browsers are then
     * told to upgrade to https (CSP upgrade-insecure-requests) and to stay there (HSTS). Off by
     * default, because over plain HTTP on any host name but localhost that upgrade blanks Swagger UI.
     */
    tlsTerminated: z.boolean().default(false),
    /** Origins allowed by CORS; empty (the default) turns CORS off. */
    corsOrigins: z.array(z.string().min(1)).default([]),
    /** After SIGTERM: how long readiness says 503 while still serving, so load balancers stop sending. */
    shutdownDelayMs: z.number().int().min(0).max(120_000).default(0),
    /** After that: how long in-flight requests get to finish before the process exits anyway. */
    shutdownTimeoutMs: z.number().int().min(100).max(300_000).default(10_000),
  })
  .strict();

const healthSchema = z
  .object({
    /** How often each cloud is checked in the background for /health/clouds. */
    cloudCheckIntervalMs: z.number().int().min(1000).max(3_600_000).default(30_000),
    /** Bound on one cloud check (also capped by the cloud's own timeoutMs). */
    cloudCheckTimeoutMs: z.number().int().min(50).max(120_000).default(5_000),
    /**
     * How often the state store is asked a trivial query in the background for /health/ready, which
     * answers from the last verdict: the store going away turns readiness 503 within
     * storeCheckIntervalMs + storeCheckTimeoutMs (3 s by default).
     */
    storeCheckIntervalMs: z.number().int().min(100).max(60_000).default(1_000),
    /** Bound on one store check: no answer within it is a failed check. */
    storeCheckTimeoutMs: z.number().int().min(50).max(60_000).default(2_000),
  })
  .strict();

const rateLimitSchema = z
  .object({
    /** Caller rate limits on (the default) or off. */
    enabled: z.boolean().default(true),
    /** Requests one caller (an API key, or a client IP when the service runs open) may make per window. */
    max: z.number().int().min(1).max(1_000_000).default(100),
    /** The fixed window, in milliseconds. */
    windowMs: z.number().int().min(100).max(3_600_000).default(10_000),
    /** Per-key overrides of max, by API key name (auth.apiKeys[].name). */
    perKey: z.record(z.string(), z.number().int().min(1).max(1_000_000)).default({}),
  })
  .strict();

const tracingSchema = z
  .object({
    /** OpenTelemetry tracing: spans per request and per cloud call, W3C traceparent, trace ids in logs. */
    enabled: z.boolean().default(true),
    /** resource attribute service.name */
    serviceName: z.string().min(1).max(128).default('cloud-orchestrator'),
    /** OTLP/HTTP traces endpoint (e.g. http://collector:4318/v1/traces). Absent: nothing is exported. */
    otlpEndpoint: z.url({ protocol: /^https?$/ }).optional(),
    /** Extra headers for the OTLP endpoint (e.g. an authorization token from ${ENV}). */
    otlpHeaders: z.record(z.string(), z.string()).default({}),
    /** Share of new traces recorded while exporting, 0-1; a caller's sampled traceparent is always followed. */
    sampleRatio: z.number().min(0).max(1).default(1),
  })
  .strict();

const stateSchema = z
  .object({
    /** The embedded SQLite file (created with its folder if missing); ":memory:" keeps nothing across restarts. */
    path: z.string().min(1).default('./data/state.db'),
    /** A PostgreSQL URL (postgres://user:pass@host:port/db or ?host=/socket/dir); when set, `path` is not used. */
    url: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
  })
  .strict();

const idempotencySchema = z
  .object({
    /** How long an Idempotency-Key is remembered after its first use (IETF httpapi idempotency-key draft). */
    ttlSeconds: z
      .number()
      .int()
      .min(1)
      .max(30 * 86_400)
      .default(86_400),
  })
  .strict();

const operationsSchema = z
  .object({
    /** How often the watcher lists each cloud that has running operations (one listing per cloud per interval). */
    pollIntervalMs: z.number().int().min(50).max(600_000).default(2_000),
    /** Upper bound of the interval while a cloud keeps failing (the interval doubles on each failure). */
    maxPollIntervalMs: z.number().int().min(50).max(3_600_000).default(30_000),
    /** How long a replica's claim on a running operation lasts without renewal; another replica takes over after it. */
    leaseMs: z.number().int().min(200).max(600_000).default(30_000),
    /**
     * Listings of its cloud an operation's node may be missing from before the watcher asks the cloud
     * for it by id (a node the cloud no longer has fails the operation at once, 409 node-gone). A grace
     * for clouds that list a new node late (EC2 is eventually consistent for a few seconds): 5 passes,
     * 10 s at the default pollIntervalMs.
     */
    goneAfterPasses: z.number().int().min(1).max(1_000).default(5),
  })
  .strict();

const nodeSetsSchema = z
  .object({
    /** How often the runner advances each active set (creates, state checks, rollback steps). */
    pollIntervalMs: z.number().int().min(50).max(600_000).default(1_000),
    /** How long a replica's claim on an active set lasts without renewal; another replica (or a restart) takes over after it. */
    leaseMs: z.number().int().min(200).max(600_000).default(15_000),
    /** A set's timeout when the request gives none (seconds until every member must be running). */
    defaultTimeoutSeconds: z.number().int().min(1).max(86_400).default(600),
    /** First and longest pause between attempts on a cloud that fails during rollback or delete (doubling). */
    retryBackoffMs: z.number().int().min(10).max(600_000).default(1_000),
    maxRetryBackoffMs: z.number().int().min(10).max(3_600_000).default(60_000),
    /**
     * Nodes carrying this service's set mark but belonging to no live set (GET /api/v1/node-sets/orphans):
     * destroyed once seen for destroyAfterSeconds (0, the default: only listed, never destroyed),
     * looked for every sweepIntervalMs.
     */
    orphans: z
      .object({
        destroyAfterSeconds: z
          .number()
          .int()
          .min(0)
          .max(30 * 86_400)
          .default(0),
        sweepIntervalMs: z.number().int().min(100).max(86_400_000).default(300_000),
      })
      .strict()
      .default({ destroyAfterSeconds: 0, sweepIntervalMs: 300_000 }),
  })
  .strict();

const cursorsSchema = z
  .object({
    /**
     * Key of the HMAC-SHA256 that seals cursors (at least 32 characters; normally ${SOME_ENV}, never
     * committed). Every replica needs the same one. Absent: a key the service makes once and keeps in
     * its state store, shared by every replica on that store and kept across restarts.
     */
    secret: z.string().min(32).optional(),
  })
  .strict();

export const settingsSchema = z
  .object({
    cursors: cursorsSchema.default(cursorsSchema.parse({})),
    auth: authSchema.default(authSchema.parse({})),
    http: httpSchema.default(httpSchema.parse({})),
    health: healthSchema.default(healthSchema.parse({})),
    rateLimit: rateLimitSchema.default(rateLimitSchema.parse({})),
    tracing: tracingSchema.default(tracingSchema.parse({})),
    state: stateSchema.default(stateSchema.parse({})),
    idempotency: idempotencySchema.default(idempotencySchema.parse({})),
    operations: operationsSchema.default(operationsSchema.parse({})),
    nodeSets: nodeSetsSchema.default(nodeSetsSchema.parse({})),
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
  .strict()
  .superRefine((settings, ctx) => {
    // A per-key limit for a key that does not exist is a typo that would silently not apply.
    const keys = new Set(settings.auth.apiKeys.map((k) => k.name));
    for (const name of Object.keys(settings.rateLimit.perKey)) {
      if (!keys.has(name))
        ctx.addIssue({ code: 'custom', path: ['rateLimit', 'perKey', name], message: 'names no key of auth.apiKeys' });
    }
  });

export type CloudSettings = z.infer<typeof cloudSettingsSchema>;
export type Settings = z.infer<typeof settingsSchema>;
export type AuthSettings = z.infer<typeof authSchema>;
export type HttpSettings = z.infer<typeof httpSchema>;
export type HealthSettings = z.infer<typeof healthSchema>;
export type RateLimitSettings = z.infer<typeof rateLimitSchema>;
export type TracingSettings = z.infer<typeof tracingSchema>;
export type StateSettings = z.infer<typeof stateSchema>;
export type IdempotencySettings = z.infer<typeof idempotencySchema>;
export type OperationsSettings = z.infer<typeof operationsSchema>;
export type NodeSetsSettings = z.infer<typeof nodeSetsSchema>;
