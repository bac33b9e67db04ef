import type { RequestLog } from '../request-log';

/** Log fields a search may match exactly; each has its index (indexes.ts). */
export const LOG_FILTER_FIELDS = ['key_id', 'workspace_id', 'model_requested', 'provider', 'status', 'outcome', 'trace_id', 'session_id'] as const;
export type LogFilterField = (typeof LOG_FILTER_FIELDS)[number];

/** A position in the log order (timestamp descending, then id): the last log a page returned. */
export interface LogPosition {
  timestamp: string;
  id: string;
}

export interface LogSearch {
  equal: Partial<Record<LogFilterField, string | number>>;
  /** One `name=value` metadata pair. */
  metadata?: string;
  /** Inclusive ISO bounds on `timestamp`. */
  from: string;
  to: string;
  /** Return only logs strictly after this position. */
  after?: LogPosition;
  limit: number;
}

/** Metadata as `name=value` strings, one per pair: what a search matches with array-contains. */
export function metadataPairs(metadata: Record<string, string>): string[] {
  return Object.entries(metadata).map(([k, v]) => `${k}=${v}`);
}

/** Newest first; ties by id (the Firestore adapter's document ids sort so: firestore.ts, logDocName). */
export function compareLogs(a: LogPosition, b: LogPosition): number {
  if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp ? 1 : -1;
  return a.id === b.id ? 0 : a.id < b.id ? -1 : 1;
}

/** Whether a log matches a search (the memory adapter's query; the Firestore one uses indexes). */
export function matchesSearch(log: RequestLog, q: LogSearch): boolean {
  if (log.timestamp < q.from || log.timestamp > q.to) return false;
  for (const [field, value] of Object.entries(q.equal)) if (log[field as LogFilterField] !== value) return false;
  if (q.metadata !== undefined && !metadataPairs(log.metadata).includes(q.metadata)) return false;
  return !q.after || compareLogs(log, q.after) > 0;
}
