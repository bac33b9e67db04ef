/**
 * Cloud resources the code relies on that infra/ (Terraform) must create, declared once so the infra
 * tests can read them: Pub/Sub topics, Firestore composite indexes and TTL policies. Collection names
 * are given without the deployment's `GATEHOUSE_COLLECTION_PREFIX`.
 */

/** Default topic names (each overridable through the service's env). */
export const TOPICS = {
  usage: 'gatehouse-usage',
  usageDeadLetter: 'gatehouse-usage-dead-letter',
  /** Budget threshold alerts (schema: services/shared/src/budget/alert.ts). */
  alerts: 'gatehouse-alerts',
} as const;

export interface CompositeIndex {
  collection: string;
  fields: Array<{ field: string; order: 'ASCENDING' | 'DESCENDING' }>;
}

/** The usage rollup queries (admin usage by dimension over a date range): equality, then a range on `day`. */
export const FIRESTORE_INDEXES: CompositeIndex[] = [
  {
    collection: 'usage_rollups',
    fields: [
      { field: 'dimension', order: 'ASCENDING' },
      { field: 'day', order: 'ASCENDING' },
    ],
  },
  {
    collection: 'usage_rollups',
    fields: [
      { field: 'dimension', order: 'ASCENDING' },
      { field: 'value', order: 'ASCENDING' },
      { field: 'day', order: 'ASCENDING' },
    ],
  },
];

/** Timestamp fields with a Firestore TTL policy: the documents are deleted after that time. */
export const TTL_FIELDS: Array<{ collection: string; field: string }> = [
  { collection: 'processed_events', field: 'expires_at' },
  { collection: 'audit_log', field: 'expires_at' },
];
