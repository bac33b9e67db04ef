/**
 * What Firestore must be told about the collections this code uses, declared once. infra/firestore.tf
 * carries a composite index for every entry of COMPOSITE_INDEXES and a TTL policy for every entry of
 * TTL_POLICIES, and test/infra checks both ways, so code and Terraform cannot drift apart. Collection
 * ids here are without the deployment's prefix (GATEHOUSE_COLLECTION_PREFIX; Terraform's var.prefix).
 * Adding one: a line here, its query built with `compositeQuery()`, the matching block in firestore.tf.
 */
export const COLLECTIONS = {
  workspaces: 'workspaces',
  apiKeys: 'api_keys',
  providers: 'providers',
  configs: 'configs',
  guardrails: 'guardrails',
  audit: 'audit_log',
  usageTotals: 'usage_totals',
  processedEvents: 'processed_events',
  budgets: 'budgets',
  budgetStatus: 'budget_status',
  budgetCounters: 'budget_counters',
  budgetAlerts: 'budget_alerts',
  usageRollups: 'usage_rollups',
  rateLimits: 'rate_limits',
  rateLimitLeases: 'rate_limit_leases',
  /** Request logs written before they were partitioned (LOG_PART_COLLECTIONS); they expire by TTL. */
  requestLogs: 'request_logs',
  /** One document per 6 UTC hours that have request logs (the parent of their subcollection): what a search reads. */
  requestLogParts: 'request_log_parts',
  /** Where a request id's, a trace's or a Claude Code session's logs are. */
  requestLogLinks: 'request_log_links',
  identities: 'identities',
  identityMappings: 'identity_mappings',
} as const;

/**
 * Request logs live in one subcollection per 6 UTC hours, `request_log_parts/<YYYY-MM-DDTHH>/request_logs_<n>`
 * (firestore.ts, logWriter), n the partition's number mod 32, so the partitions of 8 days in a row are
 * in different collection ids: the Firestore emulator scans every document of a collection id,
 * whatever its parent, in each query (measured: a query of a subcollection holding 84 logs cost what
 * its 14,000 siblings of the same id did). TTL policies are scoped by collection id, so there are
 * 32; the searches need no composite index (firestore.ts, logQuery).
 */
export const LOG_PART_COLLECTIONS = Array.from({ length: 32 }, (_, n) => `request_logs_${n}` as const);

export type CollectionId = (typeof COLLECTIONS)[keyof typeof COLLECTIONS] | (typeof LOG_PART_COLLECTIONS)[number];

/**
 * Firestore deletes a document some time (typically within a day) after the Timestamp in its TTL
 * field has passed. The field must hold a Timestamp: a string never expires.
 * https://firebase.google.com/docs/firestore/ttl
 */
export interface TtlPolicy {
  collection: CollectionId;
  field: string;
}

export const TTL_POLICIES = {
  /** The dedup marker of an applied usage event, kept as long as Pub/Sub may redeliver it. */
  processedEvents: { collection: COLLECTIONS.processedEvents, field: 'expires_at' },
  /** Admin audit entries, kept GATEHOUSE_AUDIT_RETENTION_DAYS. */
  audit: { collection: COLLECTIONS.audit, field: 'expires_at' },
  /** What a rate limit's window has handed out: useless an hour after the window ends. */
  rateLimitLeases: { collection: COLLECTIONS.rateLimitLeases, field: 'expires_at' },
  /** Request logs, kept GATEHOUSE_LOG_RETENTION_DAYS (default 30): those from before partitions. */
  requestLogs: { collection: COLLECTIONS.requestLogs, field: 'expires_at' },
  /** A partition's entry and the links to it, kept as long as the partition's last log. */
  requestLogParts: { collection: COLLECTIONS.requestLogParts, field: 'expires_at' },
  requestLogLinks: { collection: COLLECTIONS.requestLogLinks, field: 'expires_at' },
  /** Budget alert history, kept as long as the request logs. */
  budgetAlerts: { collection: COLLECTIONS.budgetAlerts, field: 'expires_at' },
  /** Request logs by partition, kept GATEHOUSE_LOG_RETENTION_DAYS (default 30). */
  ...(Object.fromEntries(LOG_PART_COLLECTIONS.map((c) => [c, { collection: c, field: 'expires_at' }])) as Record<
    (typeof LOG_PART_COLLECTIONS)[number],
    TtlPolicy
  >),
} as const satisfies Record<string, TtlPolicy>;

/**
 * A query that filters by equality on some fields and orders (or ranges) on others needs a composite
 * index; production rejects it without one, the emulator does not (it enforces no indexes).
 * `equal` fields come first in the index, then `order`.
 * https://firebase.google.com/docs/firestore/query-data/index-overview#composite_indexes
 */
export interface CompositeIndex {
  collection: CollectionId;
  equal: readonly string[];
  /** An array field matched with array-contains (indexed after `equal`, before `order`). */
  contains?: string;
  order: ReadonlyArray<{ field: string; direction: 'asc' | 'desc' }>;
}

const LATEST_ALERTS = [{ field: 'time', direction: 'desc' }] as const;

/**
 * Every composite query the code runs, by name (the admin lists read whole collections). Log searches
 * need none: their filters are equalities ordered by document id (firestore.ts, logQuery).
 */
export const COMPOSITE_INDEXES = {
  /** Usage breakdowns (`/admin/v1/usage/breakdown`): one dimension's daily rollups over a date range. */
  rollupsByDimension: { collection: COLLECTIONS.usageRollups, equal: ['dimension'], order: [{ field: 'day', direction: 'asc' }] },
  /** One value of a dimension (a key, a model, `team=web`) over a date range. */
  rollupsByValue: { collection: COLLECTIONS.usageRollups, equal: ['dimension', 'value'], order: [{ field: 'day', direction: 'asc' }] },
  /** The same per UTC hour (`/admin/v1/analytics/*?granularity=hour`). */
  rollupsByDimensionHour: { collection: COLLECTIONS.usageRollups, equal: ['dimension'], order: [{ field: 'hour', direction: 'asc' }] },
  rollupsByValueHour: { collection: COLLECTIONS.usageRollups, equal: ['dimension', 'value'], order: [{ field: 'hour', direction: 'asc' }] },
  /** Budget alert history (`/admin/v1/budget-alerts`), newest first, by budget and by workspace. */
  alertsByBudget: { collection: COLLECTIONS.budgetAlerts, equal: ['budget_id'], order: LATEST_ALERTS },
  alertsByWorkspace: { collection: COLLECTIONS.budgetAlerts, equal: ['workspace_id'], order: LATEST_ALERTS },
} as const satisfies Record<string, CompositeIndex>;
