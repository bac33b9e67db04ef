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
  /** Issuers whose OIDC ID tokens are accepted as credentials (README, "Claude Code setup"); none: keys only. */
  GATEHOUSE_OIDC_ISSUERS: OidcIssuers,
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
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
