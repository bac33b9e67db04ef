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
  audit: 'audit_log',
  usageTotals: 'usage_totals',
  processedEvents: 'processed_events',
  budgets: 'budgets',
  budgetStatus: 'budget_status',
  budgetCounters: 'budget_counters',
  usageRollups: 'usage_rollups',
  rateLimits: 'rate_limits',
  rateLimitLeases: 'rate_limit_leases',
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
  order: ReadonlyArray<{ field: string; direction: 'asc' | 'desc' }>;
}

/** Every composite query the code runs, by name (the admin lists read whole collections). */
export const COMPOSITE_INDEXES = {
  /** Usage breakdowns (`/admin/v1/usage/breakdown`): one dimension's daily rollups over a date range. */
  rollupsByDimension: { collection: COLLECTIONS.usageRollups, equal: ['dimension'], order: [{ field: 'day', direction: 'asc' }] },
  /** One value of a dimension (a key, a model, `team=web`) over a date range. */
  rollupsByValue: { collection: COLLECTIONS.usageRollups, equal: ['dimension', 'value'], order: [{ field: 'day', direction: 'asc' }] },
} as const satisfies Record<string, CompositeIndex>;
