import type { BudgetAlertQuery, BudgetAlertRecord } from '../budget/alert';
import type { Budget, BudgetStatus } from '../budget/entity';
import type { LeaseGrant, LeaseRequest, RateLimit } from '../rate-limit/entity';
import type { ApiKey, AuditEntry, StoredConfig, StoredGuardrail, Provider, UsageTotals, Workspace } from '../entities';
import type { Identity, IdentityMapping } from '../identity/entity';
import type { UsageEvent } from '../usage-event';
import type { RequestLog } from '../request-log';
import type { CountedEvent, CounterCollection, CounterDoc, CounterQuery } from './counters';
import type { LogSearch } from './log-search';

/** A keyed collection of documents. Adapters: memory (local mode, tests) and Firestore. */
export interface Collection<T> {
  get(id: string): Promise<T | undefined>;
  list(): Promise<T[]>;
  /** Insert or replace. */
  put(id: string, doc: T): Promise<void>;
  /** Insert; rejects with a `conflict_error` GatewayError when the id exists. */
  create(id: string, doc: T): Promise<void>;
  delete(id: string): Promise<void>;
  /**
   * Calls `onChange` with the whole collection now and after every change (Firestore snapshot
   * listeners in production). Returns an unsubscribe function.
   */
  watch(onChange: (docs: T[]) => void, onError?: (err: Error) => void): () => void;
}

/** A budget's new status and the alerts that change fired. */
export interface BudgetStatusUpdate {
  status: BudgetStatus;
  alerts?: BudgetAlertRecord[];
}

export interface Store {
  workspaces: Collection<Workspace>;
  /** Keyed by the SHA-256 hex of the secret. */
  apiKeys: Collection<ApiKey>;
  /** Keyed by slug. */
  providers: Collection<Provider>;
  /** Keyed by config id. */
  configs: Collection<StoredConfig>;
  /** Keyed by guardrail id; referenced from configs and workspace defaults. */
  guardrails: Collection<StoredGuardrail>;
  /** Admin audit log, keyed by entry id (time-ordered). Entries expire at `expires_at` (TTL policy). */
  audit: Collection<AuditEntry>;
  /**
   * Adds one usage event to the monthly totals of its key and workspace, exactly once per event id
   * (atomically with the dedup marker). Returns false when the event was already applied.
   */
  applyUsage(event: UsageEvent): Promise<boolean>;
  /**
   * Applies each event's counter deltas exactly once per event id, atomically with its dedup marker;
   * returns the ids applied by this call (the others were applied before). Each counter is written
   * once per call, however many of the events touch it.
   */
  applyCounted(events: CountedEvent[]): Promise<Set<string>>;
  counter(collection: CounterCollection, id: string): Promise<CounterDoc | undefined>;
  /**
   * The counters among `ids` that exist, in one round trip (a lookup by id: cheaper than a query for
   * counters whose ids are known, such as one rollup's hours).
   */
  counters(collection: CounterCollection, ids: readonly string[]): Promise<CounterDoc[]>;
  /**
   * Request logs, written by applyCounted (each event's `log`, keyed by its request id, on every
   * delivery: a repeat writes the same log again), deleted after their `expires_at` (TTL policy).
   */
  requestLogs: {
    get(id: string): Promise<RequestLog | undefined>;
    /** Up to `limit` logs matching the search, newest first (timestamp descending, then id). */
    search(q: LogSearch): Promise<RequestLog[]>;
  };
  queryCounters(collection: CounterCollection, q: CounterQuery): Promise<CounterDoc[]>;
  /** Keyed by budget id. */
  budgets: Collection<Budget>;
  /** Keyed by budget id; written by the worker, mirrored by every gateway instance. */
  budgetStatus: Collection<BudgetStatus>;
  /**
   * Reads a budget counter, then reads the budget's status and writes the status `next` returns,
   * with the alerts it fired into the alert history (nothing when it returns undefined), the status
   * and alerts atomically: two workers cannot both record one threshold as alerted, and each alert is
   * recorded once. The counter may be older than the status another worker wrote from a later read
   * (counters only grow within a window: `next` keeps the larger usage).
   */
  updateBudgetStatus(
    budgetId: string,
    counterId: string,
    next: (counter: CounterDoc | undefined, prev: BudgetStatus | undefined) => BudgetStatusUpdate | undefined,
  ): Promise<BudgetStatus | undefined>;
  /** The alert history, written by updateBudgetStatus, deleted after each record's `expires_at` (TTL policy). */
  budgetAlerts: {
    /** Up to `limit` alerts, newest first (time, then alert id, descending). */
    list(q: BudgetAlertQuery): Promise<BudgetAlertRecord[]>;
  };
  /** Keyed by rate limit id; mirrored by every gateway instance. */
  rateLimits: Collection<RateLimit>;
  /**
   * Hands this instance part of a rate limit's window, atomically (a transaction on one document per
   * limit and window): across all callers the grants for a window never add up to more than its limit.
   */
  leaseRateLimit(req: LeaseRequest): Promise<LeaseGrant>;
  /** People signed in with an identity token, keyed by identity id; mirrored by every gateway instance. */
  identities: Collection<Identity>;
  /** Keyed by mapping id; mirrored by every gateway instance. */
  identityMappings: Collection<IdentityMapping>;
  usageTotals(scope: UsageTotals['scope'], scopeId: string, period: string): Promise<UsageTotals | undefined>;
  close(): Promise<void>;
}

// The usage-totals helpers live in their own file so that counters.ts can use them without an import cycle.
export { DEDUP_TTL_MS, TOKEN_KINDS, totalsId, usagePeriod, usageScopes } from './usage-totals';
