import type { ApiKey, AuditEntry, Provider, StoredConfig, UsageTotals, Workspace } from '../entities';
import { GatewayError } from '../errors';
import type { UsageEvent } from '../usage-event';
import { type Collection, DEDUP_TTL_MS, type Store, TOKEN_KINDS, totalsId, usageScopes, usagePeriod } from './port';

/**
 * The in-process Store: local mode (`npm start`) and tests. It behaves like the Firestore adapter
 * (the contract suite runs against both): documents are copied in and out so callers cannot mutate
 * stored state, undefined fields are dropped as Firestore's `ignoreUndefinedProperties` does, lists
 * are ordered by id, and watchers are called back asynchronously like snapshot listeners.
 */
export interface MemoryStoreOptions {
  /** How long an applied event id is remembered (Firestore keeps it until its TTL). Default 32 days. */
  dedupTtlMs?: number;
  now?: () => number;
}

export function createMemoryStore(opts: MemoryStoreOptions = {}): Store {
  const ttl = opts.dedupTtlMs ?? DEDUP_TTL_MS;
  const now = opts.now ?? Date.now;
  const totals = new Map<string, UsageTotals>();
  // Insertion-ordered, so expired ids are pruned from the front.
  const processed = new Map<string, number>();

  const prune = (at: number) => {
    for (const [id, expiresAt] of processed) {
      if (expiresAt > at) break;
      processed.delete(id);
    }
  };

  const workspaces = memoryCollection<Workspace>();
  const apiKeys = memoryCollection<ApiKey>();
  const providers = memoryCollection<Provider>();
  const configs = memoryCollection<StoredConfig>();
  const audit = memoryCollection<AuditEntry>();

  return {
    workspaces,
    apiKeys,
    providers,
    configs,
    audit,

    async applyUsage(event: UsageEvent): Promise<boolean> {
      // Synchronous from here on: the marker and the counters change together, as in a transaction.
      const at = now();
      prune(at);
      if (processed.has(event.event_id)) return false;
      processed.set(event.event_id, at + ttl);
      const period = usagePeriod(event.timestamp);
      for (const [scope, scopeId] of usageScopes(event)) {
        const id = totalsId(scope, scopeId, period);
        const t = totals.get(id) ?? emptyTotals(scope, scopeId, period);
        t.requests += 1;
        if (event.priced === false) t.unpriced_requests += 1;
        t.cost_micros += event.cost_micros;
        for (const kind of TOKEN_KINDS) t[kind] += event.usage[kind];
        t.last_used_at = event.timestamp;
        totals.set(id, t);
      }
      return true;
    },

    async usageTotals(scope, scopeId, period) {
      const t = totals.get(totalsId(scope, scopeId, period));
      return t ? structuredClone(t) : undefined;
    },

    async close() {
      for (const c of [workspaces, apiKeys, providers, configs, audit]) c.closeWatchers();
    },
  };
}

function emptyTotals(scope: UsageTotals['scope'], scopeId: string, period: string): UsageTotals {
  return {
    id: totalsId(scope, scopeId, period),
    scope,
    scope_id: scopeId,
    period,
    requests: 0,
    unpriced_requests: 0,
    cost_micros: 0,
    input: 0,
    output: 0,
    cache_write_5m: 0,
    cache_write_1h: 0,
    cache_read: 0,
  };
}

interface MemoryCollection<T> extends Collection<T> {
  closeWatchers(): void;
}

interface Watcher<T> {
  onChange: (docs: T[]) => void;
  onError?: (err: Error) => void;
  active: boolean;
}

function memoryCollection<T>(): MemoryCollection<T> {
  const docs = new Map<string, T>();
  const watchers = new Set<Watcher<T>>();

  // Stored documents are replaced, never mutated, so a snapshot holds the state of its moment.
  const snapshot = (): T[] => [...docs.keys()].sort(compareIds).map((id) => docs.get(id) as T);

  // Each watcher gets its own copy of the state at the time of the change, delivered in a later
  // microtask: Firestore never calls a snapshot listener synchronously, so callers must not rely on it.
  const deliver = (w: Watcher<T>, state: T[]) => {
    queueMicrotask(() => {
      if (!w.active) return;
      try {
        w.onChange(structuredClone(state));
      } catch (err) {
        // Firestore's default for listener errors is console.error too.
        (w.onError ?? console.error)(err instanceof Error ? err : new Error(String(err)));
      }
    });
  };
  const changed = () => {
    if (watchers.size === 0) return;
    const state = snapshot();
    for (const w of watchers) deliver(w, state);
  };

  return {
    async get(id) {
      const doc = docs.get(id);
      return doc === undefined ? undefined : structuredClone(doc);
    },
    async list() {
      return structuredClone(snapshot());
    },
    async put(id, doc) {
      docs.set(id, plainCopy(doc));
      changed();
    },
    async create(id, doc) {
      if (docs.has(id)) throw new GatewayError('conflict_error', `A document with id "${id}" already exists.`);
      docs.set(id, plainCopy(doc));
      changed();
    },
    async delete(id) {
      if (docs.delete(id)) changed();
    },
    watch(onChange, onError) {
      const w: Watcher<T> = { onChange, onError, active: true };
      watchers.add(w);
      deliver(w, snapshot());
      return () => {
        w.active = false;
        watchers.delete(w);
      };
    },
    closeWatchers() {
      for (const w of watchers) w.active = false;
      watchers.clear();
    },
  };
}

/** Firestore orders documents by id, comparing UTF-8 bytes; code-unit order agrees for the ids we use. */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A deep copy without undefined fields: what a Firestore round trip returns for a JSON document. */
function plainCopy<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : plainCopy(v))) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = plainCopy(v);
    return out as T;
  }
  return value;
}
