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
  requestLogs: 'request_logs',
  identities: 'identities',
  identityMappings: 'identity_mappings',
} as const;

export type CollectionId = (typeof COLLECTIONS)[keyof typeof COLLECTIONS];

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
  /** Request logs, kept GATEHOUSE_LOG_RETENTION_DAYS (default 30). */
  requestLogs: { collection: COLLECTIONS.requestLogs, field: 'expires_at' },
  /** Budget alert history, kept as long as the request logs. */
  budgetAlerts: { collection: COLLECTIONS.budgetAlerts, field: 'expires_at' },
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

const NEWEST_FIRST = [{ field: 'timestamp', direction: 'desc' }] as const;
const LATEST_ALERTS = [{ field: 'time', direction: 'desc' }] as const;
const logsBy = (field: string) => ({ collection: COLLECTIONS.requestLogs, equal: [field], order: NEWEST_FIRST });

/**
 * Every composite query the code runs, by name (the admin lists read whole collections). A log search
 * with several equality filters uses several `logsBy*` indexes at once: Firestore merges the indexes
 * of equality filters that share the order (https://firebase.google.com/docs/firestore/query-data/index-overview#index_merging).
 */
export const COMPOSITE_INDEXES = {
  /** Usage breakdowns (`/admin/v1/usage/breakdown`): one dimension's daily rollups over a date range. */
  rollupsByDimension: { collection: COLLECTIONS.usageRollups, equal: ['dimension'], order: [{ field: 'day', direction: 'asc' }] },
  /** One value of a dimension (a key, a model, `team=web`) over a date range. */
  rollupsByValue: { collection: COLLECTIONS.usageRollups, equal: ['dimension', 'value'], order: [{ field: 'day', direction: 'asc' }] },
  /** The same per UTC hour (`/admin/v1/analytics/*?granularity=hour`). */
  rollupsByDimensionHour: { collection: COLLECTIONS.usageRollups, equal: ['dimension'], order: [{ field: 'hour', direction: 'asc' }] },
  rollupsByValueHour: { collection: COLLECTIONS.usageRollups, equal: ['dimension', 'value'], order: [{ field: 'hour', direction: 'asc' }] },
  /** Log search (`/admin/v1/logs`), newest first, by each field it filters on. */
  logsByKey: logsBy('key_id'),
  logsByWorkspace: logsBy('workspace_id'),
  logsByModel: logsBy('model_requested'),
  logsByProvider: logsBy('provider'),
  logsByStatus: logsBy('status'),
  logsByOutcome: logsBy('outcome'),
  logsByTrace: logsBy('trace_id'),
  logsBySession: logsBy('session_id'),
  /** One metadata pair (`team=web`), across the organisation and inside a workspace. */
  logsByMetadata: { collection: COLLECTIONS.requestLogs, equal: [], contains: 'metadata_pairs', order: NEWEST_FIRST },
  logsByWorkspaceMetadata: { collection: COLLECTIONS.requestLogs, equal: ['workspace_id'], contains: 'metadata_pairs', order: NEWEST_FIRST },
  /** Budget alert history (`/admin/v1/budget-alerts`), newest first, by budget and by workspace. */
  alertsByBudget: { collection: COLLECTIONS.budgetAlerts, equal: ['budget_id'], order: LATEST_ALERTS },
  alertsByWorkspace: { collection: COLLECTIONS.budgetAlerts, equal: ['workspace_id'], order: LATEST_ALERTS },
} as const satisfies Record<string, CompositeIndex>;
