import type { Dispatcher } from 'undici';
import type { Catalog } from '../../shared/src/catalog';
import type { Provider, ProviderKind, StoredConfig, Workspace } from '../../shared/src/entities';
import type { EventBus } from '../../shared/src/bus/port';
import type { GatewayEnv } from '../../shared/src/env';
import type { Logger } from '../../shared/src/log';
import type { Store } from '../../shared/src/store/port';
import type { KeyCache } from './auth/key-cache';
import type { ResponseCache } from './cache/response-cache';
import type { BudgetGuard } from './policy/budget-guard';
import type { ProviderAdapter } from './providers/types';
import type { BreakerRegistry } from './routing/breaker';
import type { ParseConfigResult } from './routing/config-schema';
import type { LiveMap } from './state/live-map';
import type { UsageOutbox } from './usage/emit';

/** Everything the gateway's request path needs, built once at boot (STYLE §1). */
export interface GatewayDeps {
  env: GatewayEnv;
  log: Logger;
  store: Store;
  bus: EventBus;
  /** Usage events of finished requests, sent shortly after their response (usage/emit.ts). */
  usage: UsageOutbox;
  catalog: Catalog;
  keys: KeyCache;
  workspaces: LiveMap<Workspace>;
  providers: LiveMap<Provider>;
  /** Stored configs, validated once per change. */
  configs: LiveMap<StoredConfig, ParseConfigResult>;
  /** Budgets and their statuses, mirrored; refuses requests an exhausted budget covers. */
  budgets: BudgetGuard;
  adapters: { [K in ProviderKind]: ProviderAdapter<Extract<Provider, { kind: K }>> };
  dispatcher: Dispatcher;
  breakers: BreakerRegistry;
  /** The simple cache of configs with `cache: {mode: "simple"}`: in memory, per instance. */
  responseCache: ResponseCache;
  /** Injected so tests and routing stay deterministic. */
  random: () => number;
  now: () => number;
  newId: () => string;
}
