import type { BudgetAlertRecord } from '../budget/alert';
import type { Budget, BudgetStatus } from '../budget/entity';
import type { ApiKey, AuditEntry, Provider, StoredConfig, StoredGuardrail, Workspace } from '../entities';
import { GatewayError } from '../errors';
import { grantLease, leaseDocId, type RateLimit } from '../rate-limit/entity';
import type { Identity, IdentityMapping } from '../identity/entity';
import type { UsageEvent } from '../usage-event';
import type { RequestLog } from '../request-log';
import { addDelta, type CounterDoc, emptyCounters, totalsDeltas, usageTotalsOf } from './counters';
import { compareLogs, matchesSearch } from './log-search';
import { type Collection, DEDUP_TTL_MS, type Store, totalsId } from './port';

/**
 * The in-process Store: local mode (`npm start`) and tests. It behaves like the Firestore adapter
 * (the contract suite runs against both): documents are copied in and out so callers cannot mutate
 * stored state, undefined fields are dropped as Firestore's `ignoreUndefinedProperties` does, lists
 * are ordered by id, and watchers are called back asynchronously like snapshot listeners.
 */
export interface MemoryStoreOptions {
  /** How long an applied event id is remembered (Firestore keeps it until its TTL). Default 32 days. */
  dedupTtlMs?: number;
  /**
   * At most this many applied event ids are remembered, the oldest forgotten first: ~100 bytes each,
   * so a long-running local gateway stays bounded (~2 MB by default) instead of growing for 32 days.
   * The in-process bus redelivers 100 ms after a failure; 20,000 ids are 10 s of traffic at 2,000
   * requests/s. Default 20 000.
   */
  dedupMaxEntries?: number;
  /**
   * At most this many request logs are kept, the oldest dropped first: a log is ~1–2 KB, so a local
   * gateway under steady traffic would otherwise hold every request of the last 30 days (the log
   * retention) in its heap. Default 2 000 (~3 MB): what a developer's dashboard shows. Every log held
   * here is marked by each full collection: 20,000 cost the local gateway ~20% more CPU per answer at
   * saturation (README, Performance: "Where the memory goes").
   */
  logMaxEntries?: number;
  now?: () => number;
}

export function createMemoryStore(opts: MemoryStoreOptions = {}): Store {
  const ttl = opts.dedupTtlMs ?? DEDUP_TTL_MS;
  const maxEntries = opts.dedupMaxEntries ?? 20_000;
  const logMaxEntries = opts.logMaxEntries ?? 2_000;
  const now = opts.now ?? Date.now;
  const counters = emptyCounters();
  // Insertion-ordered, so expired ids are pruned from the front.
  const processed = new Map<string, number>();
  const logs = new Map<string, RequestLog>();
  const alerts = new Map<string, BudgetAlertRecord>();
  /** A log past its `expires_at` is gone, as Firestore's TTL policy deletes it (there, within a day). */
  const live = (log: RequestLog | undefined) => (log && Date.parse(log.expires_at) > now() ? log : undefined);

  const idExpired = (at: number) => (expiresAt: number) => expiresAt <= at;
  // Logs arrive about in time order, so the expired ones (and the oldest) are at the front too.
  const logExpired = (at: number) => (log: RequestLog) => Date.parse(log.expires_at) <= at;
  const prune = (at: number) => {
    trimFront(processed, maxEntries, idExpired(at));
    trimFront(logs, logMaxEntries, logExpired(at));
  };

  const workspaces = memoryCollection<Workspace>();
  const apiKeys = memoryCollection<ApiKey>();
  const providers = memoryCollection<Provider>();
  const configs = memoryCollection<StoredConfig>();
  const guardrails = memoryCollection<StoredGuardrail>();
  const audit = memoryCollection<AuditEntry>();
  const budgets = memoryCollection<Budget>();
  const budgetStatus = memoryCollection<BudgetStatus>();
  const rateLimits = memoryCollection<RateLimit>();
  const identities = memoryCollection<Identity>();
  const identityMappings = memoryCollection<IdentityMapping>();
  /** Handed out per limit and window; dropped an hour after the window ends, as the TTL policy does in Firestore. */
  const leases = new Map<string, { total: number; windowEnd: number }>();

  const applyCounted: Store['applyCounted'] = async (events) => {
    // Synchronous from here on: the markers and the counters change together, as in a transaction.
    const at = now();
    prune(at);
    const applied = new Set<string>();
    for (const e of events) {
      if (e.log) {
        if (logs.size >= logMaxEntries) trimFront(logs, roomIn(logMaxEntries), logExpired(at));
        logs.set(e.log.id, plainCopy(e.log)); // every delivery's, applied or not (port.ts)
      }
      if (processed.has(e.event_id)) continue;
      if (processed.size >= maxEntries) trimFront(processed, roomIn(maxEntries), idExpired(at));
      processed.set(e.event_id, at + ttl);
      applied.add(e.event_id);
      // In place: spreading each delta into a new object first cost ~0.9 ms per event (41 counters).
      for (const d of e.deltas) addDelta(counters[d.collection], d);
    }
    return applied;
  };

  return {
    workspaces,
    apiKeys,
    providers,
    configs,
    guardrails,
    audit,
    budgets,
    budgetStatus,
    rateLimits,
    identities,
    identityMappings,

    async leaseRateLimit(req) {
      for (const [id, l] of leases) if (l.windowEnd + 3_600_000 <= req.window_start) leases.delete(id);
      const id = leaseDocId(req);
      const grant = grantLease(req, leases.get(id)?.total ?? 0);
      leases.set(id, { total: grant.total, windowEnd: req.window_end });
      return grant;
    },

    async applyUsage(event: UsageEvent): Promise<boolean> {
      return (await applyCounted([{ event_id: event.event_id, deltas: totalsDeltas(event) }])).size > 0;
    },

    applyCounted,

    async counter(collection, id) {
      const doc = counters[collection].get(id);
      return doc ? { ...doc } : undefined;
    },

    async counters(collection, ids) {
      return [...new Set(ids)].flatMap((id) => {
        const doc = counters[collection].get(id);
        return doc ? [{ ...doc }] : [];
      });
    },

    requestLogs: {
      async get(id) {
        const log = live(logs.get(id));
        return log && structuredClone(log);
      },
      async search(q) {
        const found = [...logs.values()].filter((l) => live(l) && matchesSearch(l, q));
        return structuredClone(found.sort(compareLogs).slice(0, q.limit));
      },
    },

    async queryCounters(collection, q) {
      const out: CounterDoc[] = [];
      for (const doc of counters[collection].values()) {
        if (!Object.entries(q.where).every(([k, v]) => doc[k] === v)) continue;
        const r = q.range;
        if (r && !(typeof doc[r.field] === 'string' && (doc[r.field] as string) >= r.from && (doc[r.field] as string) <= r.to)) continue;
        out.push({ ...doc });
      }
      return out.sort((a, b) => compareIds(a.id, b.id));
    },

    async updateBudgetStatus(budgetId, counterId, next) {
      // No await between the reads and the write: atomic, as the Firestore transaction is.
      const doc = counters.budget_counters.get(counterId);
      const update = next(doc ? { ...doc } : undefined, budgetStatus.peek(budgetId));
      if (!update) return undefined;
      budgetStatus.putNow(budgetId, update.status);
      for (const a of update.alerts ?? []) alerts.set(a.alert_id, plainCopy(a));
      return update.status;
    },

    budgetAlerts: {
      async list(q) {
        const at = now();
        for (const [id, a] of alerts) if (Date.parse(a.expires_at) <= at) alerts.delete(id);
        return [...alerts.values()]
          .filter((a) => (q.budget_id === undefined || a.budget_id === q.budget_id) && (q.workspace_id === undefined || a.workspace_id === q.workspace_id))
          .sort((a, b) => (a.time !== b.time ? (a.time < b.time ? 1 : -1) : a.alert_id < b.alert_id ? 1 : -1))
          .slice(0, q.limit)
          .map(plainCopy);
      },
    },

    async usageTotals(scope, scopeId, period) {
      return usageTotalsOf(counters.usage_totals.get(totalsId(scope, scopeId, period)));
    },

    async close() {
      for (const c of [workspaces, apiKeys, providers, configs, guardrails, audit, budgets, budgetStatus, rateLimits, identities, identityMappings])
        c.closeWatchers();
    },
  };
}

interface MemoryCollection<T> extends Collection<T> {
  closeWatchers(): void;
  /** Synchronous get and put, for the store's own atomic read-modify-writes. */
  peek(id: string): T | undefined;
  putNow(id: string, doc: T): void;
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
      this.putNow(id, doc);
    },
    putNow(id, doc) {
      docs.set(id, plainCopy(doc));
      changed();
    },
    peek(id) {
      const doc = docs.get(id);
      return doc === undefined ? undefined : structuredClone(doc);
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

/**
 * Deletes a map's entries from the front (its oldest) while they are expired or it holds more than
 * `keep`.
 */
function trimFront<V>(map: Map<string, V>, keep: number, expired: (v: V) => boolean): void {
  for (const [id, v] of map) {
    if (map.size <= keep && !expired(v)) break;
    map.delete(id);
  }
}

/**
 * What a full map of `max` entries is trimmed to: its oldest tenth goes at once. Deleting in bulk
 * matters: a Map keeps a hole for each deleted entry until it next grows, and every iteration from
 * the front walks those holes, so trimming one entry per insert cost ~0.2 ms per request once a local
 * gateway's logs were full.
 */
const roomIn = (max: number): number => Math.floor(max * 0.9);
