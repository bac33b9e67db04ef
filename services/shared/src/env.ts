import { z } from 'zod';
import { DEFAULT_PREFIX, TOPICS } from './bus/topics';
import { OidcIssuer } from './identity/entity';

/**
 * GATEHOUSE_OIDC_ISSUERS: a JSON array of trusted identity-token issuers. Deployment config (Terraform's
 * `oidc_issuers`), not stored config: whoever may add an issuer may mint any identity, so that stays
 * with whoever deploys the gateway, not with admin-key holders.
 */
const OidcIssuers = z
  .string()
  .transform((raw, ctx) => {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array such as [{"issuer":"https://accounts.google.com","audience":"https://…"}]' });
      return z.NEVER;
    }
  })
  .pipe(z.array(OidcIssuer))
  .default([]);

/** Environment of the gateway process (also the local all-in-one mode). Parsed once at boot. */
export const GatewayEnv = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  GOOGLE_CLOUD_PROJECT: z.string().min(1).optional(),
  /** Firestore / Pub/Sub emulators switch the local mode to the real adapters. */
  FIRESTORE_EMULATOR_HOST: z.string().optional(),
  PUBSUB_EMULATOR_HOST: z.string().optional(),
  /** `memory` (local default) or `firestore` (Cloud Run, or when the emulator host is set). */
  GATEHOUSE_STORE: z.enum(['memory', 'firestore']).optional(),
  GATEHOUSE_BUS: z.enum(['memory', 'pubsub']).optional(),
  GATEHOUSE_COLLECTION_PREFIX: z.string().default(''),
  GATEHOUSE_USAGE_TOPIC: z.string().default(DEFAULT_PREFIX + TOPICS.usage),
  GATEHOUSE_SEED: z.string().optional(),
  GATEHOUSE_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(32 * 1024 * 1024),
  /** Size bound of the in-memory response cache (configs with `cache: {mode: "simple"}`). */
  GATEHOUSE_CACHE_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(64 * 1024 * 1024),
  UPSTREAM_TIMEOUT_MS: z.coerce.number().int().positive().default(600_000),
  /**
   * Usage events an instance holds while Pub/Sub does not accept them, in number and in JSON bytes;
   * past either, an event is dropped with an ERROR line and its `request done` log line is its only
   * record (README, "Outages").
   */
  GATEHOUSE_USAGE_BACKLOG_EVENTS: z.coerce.number().int().positive().default(10_000),
  GATEHOUSE_USAGE_BACKLOG_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(16 * 1024 * 1024),
  /**
   * Deadline of every store call made while a client waits (a key the mirror does not hold, admin
   * reads and writes): past it the client gets a 503 that Claude Code retries (docs/claude-code.md §4).
   */
  GATEHOUSE_STORE_DEADLINE_MS: z.coerce.number().int().positive().default(5_000),
  /**
   * SHA-256 hex of the first organisation admin key (Terraform: a random secret in Secret Manager,
   * its hash here). At boot, when the store holds no organisation key, one is created with this hash.
   */
  GATEHOUSE_BOOTSTRAP_KEY_HASH: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'must be the SHA-256 hex digest (64 lowercase hex characters) of the bootstrap key')
    .optional(),
  /** How long admin audit entries are kept (their `expires_at`, enforced by a Firestore TTL policy). */
  GATEHOUSE_AUDIT_RETENTION_DAYS: z.coerce.number().int().positive().default(400),
  /** How long request logs are kept (local mode's worker; their `expires_at`, a Firestore TTL policy). */
  GATEHOUSE_LOG_RETENTION_DAYS: z.coerce.number().int().positive().default(30),
  /** Where the bodies of workspaces with `capture_bodies` go: a Cloud Storage bucket, or a local folder. */
  GATEHOUSE_BODY_BUCKET: z.string().min(1).optional(),
  GATEHOUSE_BODY_DIR: z.string().min(1).optional(),
  /** Each captured body is cut at this many bytes. */
  GATEHOUSE_BODY_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  /** Issuers whose OIDC ID tokens are accepted as credentials (README, "Claude Code setup"); none: keys only. */
  GATEHOUSE_OIDC_ISSUERS: OidcIssuers,
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /**
   * Key of the HMAC in guardrail redaction placeholders: set it (a random secret, the same on every
   * instance) so that one secret gets one placeholder on every instance and a session's prompt cache
   * keeps hitting. Unset, each process draws its own.
   */
  GATEHOUSE_REDACTION_KEY: z.string().min(16, 'at least 16 characters (a random secret)').optional(),
  /** Model Armor's root for every location (tests: a fake on loopback); unset, each template's regional endpoint. */
  GATEHOUSE_MODEL_ARMOR_URL: z.url().optional(),
});
export type GatewayEnv = z.infer<typeof GatewayEnv>;

/**
 * The gateway on Cloud Run (main.ts): Firestore and Pub/Sub unless told otherwise, and a project,
 * which Cloud Run does not set: without it the adapters would talk to a project named "gatehouse-local".
 */
export const CloudRunGatewayEnv = GatewayEnv.extend({
  GOOGLE_CLOUD_PROJECT: z.string({ error: 'required (the project of Firestore and Pub/Sub)' }).min(1),
  GATEHOUSE_STORE: GatewayEnv.shape.GATEHOUSE_STORE.unwrap().default('firestore'),
  GATEHOUSE_BUS: GatewayEnv.shape.GATEHOUSE_BUS.unwrap().default('pubsub'),
});

export const WorkerEnv = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    HOST: z.string().default('0.0.0.0'),
    GOOGLE_CLOUD_PROJECT: z.string().min(1),
    GATEHOUSE_COLLECTION_PREFIX: z.string().default(''),
    DEAD_LETTER_TOPIC: z.string().default(DEFAULT_PREFIX + TOPICS.usageDeadLetter),
    /** Budget threshold alerts are published here. */
    ALERTS_TOPIC: z.string().default(DEFAULT_PREFIX + TOPICS.alerts),
    /**
     * How long a group commit waits for more events after its first (it commits sooner at 200). Every
     * push waits this long for its ack, so a sender with few pushes in flight (the Pub/Sub emulator)
     * gets about that many events per wait; each commit writes each touched counter once, so a shorter
     * wait means more writes per counter document (README, "Usage events").
     */
    GATEHOUSE_COMMIT_WAIT_MS: z.coerce.number().int().min(0).max(10_000).default(250),
    /** How long request logs are kept (their `expires_at`, a Firestore TTL policy). */
    GATEHOUSE_LOG_RETENTION_DAYS: z.coerce.number().int().positive().default(30),
    /** Audience and service account of the Pub/Sub push subscription's OIDC token. */
    PUSH_AUDIENCE: z.string().optional(),
    PUSH_SERVICE_ACCOUNT: z.string().optional(),
    /** Emulator / local runs only: accept pushes without an OIDC token (the emulator sends none). */
    PUSH_AUTH_DISABLED: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  })
  .superRefine((env, ctx) => {
    // Pushes are verified unless the emulator, which sends no token, is the sender.
    if (env.PUSH_AUTH_DISABLED) return;
    for (const name of ['PUSH_AUDIENCE', 'PUSH_SERVICE_ACCOUNT'] as const) {
      if (!env[name]) ctx.addIssue({ code: 'custom', path: [name], message: 'required unless PUSH_AUTH_DISABLED=true (emulator only)' });
    }
  });
export type WorkerEnv = z.infer<typeof WorkerEnv>;

export class EnvError extends Error {}

/** Parses env with a schema; a bad variable stops boot with one line per problem. */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`);
  throw new EnvError(`Invalid environment:\n${lines.join('\n')}`);
}
