import { randomUUID } from 'node:crypto';
import { Agent } from 'undici';
import { createMemoryBus } from '../../shared/src/bus/memory';
import type { EventBus } from '../../shared/src/bus/port';
import { createPubSubBus } from '../../shared/src/bus/pubsub';
import { type Catalog, createCatalog } from '../../shared/src/catalog';
import type { GatewayEnv } from '../../shared/src/env';
import type { Logger } from '../../shared/src/log';
import { isStoreUnavailable, StoreOutage, withDeadline } from '../../shared/src/store/deadline';
import { createFirestoreStore } from '../../shared/src/store/firestore';
import { createMemoryStore } from '../../shared/src/store/memory';
import type { Store } from '../../shared/src/store/port';
import { ensureBootstrapKey } from './admin/bootstrap';
import { TokenVerifier, type VerifierOptions } from './auth/id-token';
import { IdentityCache } from './auth/identity-cache';
import { KeyCache } from './auth/key-cache';
import { MemoryResponseCache } from './cache/response-cache';
import { deriveStoredGuardrail } from './guardrails/active';
import { modelArmorClient } from './guardrails/model-armor';
import { BudgetGuard } from './policy/budget-guard';
import { RateLimiter } from './policy/rate-limiter';
import type { GatewayDeps } from './deps';
import { anthropicAdapter } from './providers/anthropic';
import { bedrockAdapter } from './providers/bedrock';
import { Credentials } from './providers/credentials';
import { vertexAdapter } from './providers/vertex';
import { BreakerRegistry } from './routing/breaker';
import { parseConfig } from './routing/config-schema';
import { LiveMap } from './mirrors/live-map';
import { createUsageOutbox } from './usage/emit';
import { type BodyCapture, createBodyCapture } from './bodies/body-capture';
import { folderBodyStore } from './bodies/folder-bodies';
import { gcsBodyStore } from './bodies/gcs-bodies';

export interface BuildOptions {
  env: GatewayEnv;
  log: Logger;
  /** The process environment, for credentials given as `{"env": NAME}`. */
  processEnv: NodeJS.ProcessEnv;
  store?: Store;
  bus?: EventBus;
  catalog?: Catalog;
  secretManagerUrl?: string;
  googleTokenUrl?: string;
  /** Where Google's ID-token signing certs are fetched, and the JWKS refetch cooldown (tests: a fake on 127.0.0.1, 0). */
  verifier?: VerifierOptions;
  random?: () => number;
  /** Wall-clock milliseconds; the real clock unless a test pins the date. */
  wallClock?: () => number;
}

/** Which bus the environment asks for: Pub/Sub on Cloud Run or with the emulator, in-process otherwise. */
export function busKind(env: GatewayEnv): 'memory' | 'pubsub' {
  return env.GATEHOUSE_BUS ?? (env.PUBSUB_EMULATOR_HOST ? 'pubsub' : 'memory');
}

/** The store the environment asks for: Firestore on Cloud Run or with the emulator, memory otherwise. */
export function storeFromEnv(env: GatewayEnv): Store {
  const kind = env.GATEHOUSE_STORE ?? (env.FIRESTORE_EMULATOR_HOST ? 'firestore' : 'memory');
  if (kind === 'memory') return createMemoryStore();
  return createFirestoreStore({ projectId: env.GOOGLE_CLOUD_PROJECT ?? 'gatehouse-local', prefix: env.GATEHOUSE_COLLECTION_PREFIX });
}

export function busFromEnv(env: GatewayEnv, log: Logger): EventBus {
  if (busKind(env) === 'memory')
    return createMemoryBus({ onError: (err, e) => log.error('usage event delivery failed; will retry', { eventId: e.event_id, err: String(err) }) });
  return createPubSubBus({
    projectId: env.GOOGLE_CLOUD_PROJECT ?? 'gatehouse-local',
    topic: env.GATEHOUSE_USAGE_TOPIC,
    maxPending: env.GATEHOUSE_USAGE_BACKLOG_EVENTS,
    maxPendingBytes: env.GATEHOUSE_USAGE_BACKLOG_BYTES,
    log: (message, fields) => log.error(message, fields),
  });
}

/** Wires the request path and waits until it can serve (every listener's first snapshot). */
export async function buildDeps(opts: BuildOptions): Promise<GatewayDeps> {
  const deps = createDeps(opts);
  await deps.started;
  return deps;
}

/**
 * Wires the request path without waiting for the store, so that the instance can listen (and answer
 * its readiness probe, not ready) while the store is away: `started` resolves once the listeners have
 * their first snapshots, the bootstrap key exists and the bus is warm, and rejects when a listener
 * fails for good.
 */
export function createDeps(opts: BuildOptions): GatewayDeps {
  const { env, log } = opts;
  const storeOutage = new StoreOutage(log);
  const store = withDeadline(opts.store ?? storeFromEnv(env), env.GATEHOUSE_STORE_DEADLINE_MS, storeOutage);
  const credentials = new Credentials({ env: opts.processEnv, secretManagerUrl: opts.secretManagerUrl, googleTokenUrl: opts.googleTokenUrl });
  const bus = opts.bus ?? busFromEnv(env, log);
  const catalog = opts.catalog ?? createCatalog();
  let ready = false;
  const keys = new KeyCache(store, log, () => ready);
  const verifier = new TokenVerifier(env.GATEHOUSE_OIDC_ISSUERS, opts.verifier);
  const identities = new IdentityCache(store, log, verifier, env.GATEHOUSE_AUDIT_RETENTION_DAYS, () => ready);
  const workspaces = new LiveMap(
    store.workspaces,
    (w) => w.id,
    (w) => w,
    log,
    'workspace',
  );
  const providers = new LiveMap(
    store.providers,
    (p) => p.slug,
    (p) => p,
    log,
    'provider',
  );
  const configs = new LiveMap(
    store.configs,
    (c) => c.id,
    // Kept even when invalid (written to the store directly, not through the admin API), so requests
    // naming it learn what is wrong with it instead of hearing that it does not exist.
    (c) => ({ ...parseConfig(c.config), workspace_id: c.workspace_id }),
    log,
    'config',
  );
  const guardrails = new LiveMap(store.guardrails, (g) => g.id, deriveStoredGuardrail, log, 'guardrail');
  const budgets = new BudgetGuard(store, log);
  const rateLimits = new RateLimiter(store, log, opts.wallClock);
  const listeners = {
    api_keys: keys,
    identities: identities.identities,
    identity_mappings: identities.mappings,
    workspaces,
    providers,
    configs,
    guardrails,
    ...budgets.listeners,
    rate_limits: rateLimits.listener,
  };
  const bootstrapHash = env.GATEHOUSE_BOOTSTRAP_KEY_HASH;
  const bootstrap = bootstrapHash
    ? retryWhileUnavailable(() => ensureBootstrapKey(store, bootstrapHash, log, env.GATEHOUSE_AUDIT_RETENTION_DAYS), log, 'bootstrap key')
    : undefined;
  const bootedAt = Date.now();
  const started = Promise.all([bootstrap, bus.warm(), ...Object.values(listeners).map((l) => l.start())]).then(() => {
    ready = true;
    log.info('gateway ready', { waitedMs: Date.now() - bootedAt });
  });
  return {
    env,
    log,
    store,
    storeOutage,
    bus,
    usage: createUsageOutbox(bus, catalog, (event) => {
      budgets.spent(event, Date.now());
      rateLimits.settle(event);
    }),
    catalog,
    keys,
    identities,
    workspaces,
    providers,
    configs,
    guardrails,
    listeners,
    started,
    isReady: () => ready,
    budgets,
    rateLimits,
    adapters: {
      vertex: vertexAdapter(credentials),
      anthropic: anthropicAdapter(credentials),
      bedrock: bedrockAdapter((ref) => credentials.secret(ref, 'Bedrock provider')),
    },
    // One keep-alive pool per upstream origin; the upstream's own timeouts are enforced per target.
    dispatcher: new Agent({ keepAliveTimeout: 60_000, connections: 256, headersTimeout: env.UPSTREAM_TIMEOUT_MS, bodyTimeout: env.UPSTREAM_TIMEOUT_MS }),
    breakers: new BreakerRegistry(),
    responseCache: new MemoryResponseCache({ maxBytes: env.GATEHOUSE_CACHE_MAX_BYTES }),
    random: opts.random ?? Math.random,
    now: () => performance.now(),
    wallClock: opts.wallClock ?? Date.now,
    newId: () => randomUUID().replaceAll('-', ''),
    bodies: bodyCaptureFromEnv(env, log),
    modelArmor: modelArmorClient(env.GATEHOUSE_MODEL_ARMOR_URL),
  };
}

/** Boot work off the request path: retried with backoff (1 s doubling to 30 s) while the store is away. */
async function retryWhileUnavailable<T>(call: () => Promise<T>, log: Logger, what: string): Promise<T> {
  for (let waitMs = 1000; ; waitMs = Math.min(waitMs * 2, 30_000)) {
    try {
      return await call();
    } catch (err) {
      if (!isStoreUnavailable(err)) throw err;
      log.warn(`${what}: store unavailable, retrying`, { retryMs: waitMs });
      await new Promise((r) => setTimeout(r, waitMs).unref());
    }
  }
}

/** Sends the usage events the outbox still holds, then waits until the bus has accepted every one. */
export async function flushUsage(deps: GatewayDeps): Promise<void> {
  deps.usage.flush();
  await deps.bus.flush();
}

/**
 * Stops listeners, sends usage events still queued, closes clients. Cloud Run allows ~10 s after
 * SIGTERM: the bus's close waits a bounded time for Pub/Sub, then logs each event it gives up on.
 */
export async function closeDeps(deps: GatewayDeps): Promise<void> {
  for (const l of Object.values(deps.listeners)) l.close();
  deps.usage.flush();
  await deps.bodies?.idle();
  await deps.bus.close();
  await deps.dispatcher.close();
  await deps.store.close();
}

/** Where captured bodies go: the bucket in production, a folder in local mode; nowhere when neither is set. */
function bodyCaptureFromEnv(env: GatewayEnv, log: Logger): BodyCapture | undefined {
  const store = env.GATEHOUSE_BODY_BUCKET
    ? gcsBodyStore({ bucket: env.GATEHOUSE_BODY_BUCKET })
    : env.GATEHOUSE_BODY_DIR
      ? folderBodyStore(env.GATEHOUSE_BODY_DIR)
      : undefined;
  return store && createBodyCapture(store, log, { maxBytes: env.GATEHOUSE_BODY_MAX_BYTES });
}
