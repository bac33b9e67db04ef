import type { Dispatcher } from 'undici';
import type { Catalog } from '../../shared/src/catalog';
import type { Provider, ProviderKind, StoredConfig, StoredGuardrail, Workspace } from '../../shared/src/entities';
import type { EventBus } from '../../shared/src/bus/port';
import type { GatewayEnv } from '../../shared/src/env';
import type { Logger } from '../../shared/src/log';
import type { StoreOutage } from '../../shared/src/store/deadline';
import type { Store } from '../../shared/src/store/port';
import type { IdentityCache } from './auth/identity-cache';
import type { KeyCache } from './auth/key-cache';
import type { BodyCapture } from './bodies/body-capture';
import type { ResponseCache } from './cache/response-cache';
import type { StoredGuardrailState } from './guardrails/active';
import type { ModelArmor } from './guardrails/model-armor';
import type { BudgetGuard } from './policy/budget-guard';
import type { RateLimiter } from './policy/rate-limiter';
import type { ProviderAdapter } from './providers/types';
import type { BreakerRegistry } from './routing/breaker';
import type { ParseConfigResult } from './routing/config-schema';
import type { ListenerState, LiveMap } from './mirrors/live-map';
import type { UsageOutbox } from './usage/emit';

/** Everything the gateway's request path needs, built once at boot (docs/style.md §1). */
export interface GatewayDeps {
  env: GatewayEnv;
  log: Logger;
  /** The store with a deadline on every call (store/deadline.ts): a client never waits longer. */
  store: Store;
  /** Whether calls through `store` are failing now; logs once per outage. */
  storeOutage: StoreOutage;
  bus: EventBus;
  /** Usage events of finished requests, sent shortly after their response (usage/emit.ts). */
  usage: UsageOutbox;
  catalog: Catalog;
  keys: KeyCache;
  /** Identity tokens (OIDC ID tokens) as credentials, with the mappings and identity records they need. */
  identities: IdentityCache;
  workspaces: LiveMap<Workspace>;
  providers: LiveMap<Provider>;
  /** Stored configs, validated once per change, with their owning workspace. */
  configs: LiveMap<StoredConfig, ParseConfigResult & Pick<StoredConfig, 'workspace_id'>>;
  /** Stored guardrails, compiled once per change. */
  guardrails: LiveMap<StoredGuardrail, StoredGuardrailState>;
  /** Budgets and their statuses, mirrored; refuses requests an exhausted budget covers. */
  budgets: BudgetGuard;
  /** Rate limits shared by all instances through leases from the store; refuses with 429. */
  rateLimits: RateLimiter;
  adapters: { [K in ProviderKind]: ProviderAdapter<Extract<Provider, { kind: K }>> };
  dispatcher: Dispatcher;
  breakers: BreakerRegistry;
  /** The simple cache of configs with `cache: {mode: "simple"}`: in memory, per instance. */
  responseCache: ResponseCache;
  /**
   * Every store listener, by collection: started at boot, reported by the readiness view, closed at
   * shutdown. The instance is ready once each has delivered its first snapshot.
   */
  listeners: Record<string, Listener>;
  /** Resolves once the instance can serve: every listener's first snapshot, the bootstrap key. */
  started: Promise<void>;
  /** Whether `started` has resolved. Until then every key is refused with a 503 (auth/key-cache.ts). */
  isReady(): boolean;
  /** Injected so tests and routing stay deterministic. */
  random: () => number;
  now: () => number;
  /** Wall-clock milliseconds (`now` is monotonic): the date model retirements are checked against. */
  wallClock: () => number;
  newId: () => string;
  /** Captures the bodies of workspaces with `capture_bodies` (bodies/); unset: no body store configured. */
  bodies?: BodyCapture;
  /** Google Cloud Model Armor, for guardrails with a `model_armor` check; its client loads on first use. */
  modelArmor: ModelArmor;
}

/** A store listener mirroring a collection in memory (mirrors/live-map.ts). */
export interface Listener {
  start(): Promise<void>;
  state(now?: number): ListenerState;
  close(): void;
}
