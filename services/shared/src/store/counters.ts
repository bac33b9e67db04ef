import type { UsageTotals } from '../entities';
import type { RequestLog } from '../request-log';
import type { UsageEvent } from '../usage-event';
import { TOKEN_KINDS, totalsId, usagePeriod, usageScopes } from './usage-totals';

/**
 * Counter documents: what the worker adds usage events into. The store applies a batch of events
 * exactly once per event id, atomically with the dedup markers, and writes each counter document
 * once per batch rather than once per event (Firestore sustains about one write per second per
 * document).
 */
export type CounterCollection = 'usage_totals' | 'budget_counters' | 'usage_rollups';

/** One event's change to one counter: numbers in `inc` are added, strings in `fields` kept at their maximum. */
export interface CounterDelta {
  collection: CounterCollection;
  id: string;
  fields: Record<string, string>;
  inc: Record<string, number>;
}

export interface CountedEvent {
  event_id: string;
  deltas: CounterDelta[];
  /** The event's request log, written on every delivery (the same log again on a repeat). */
  log?: RequestLog;
}

/** A counter as read back: its id, its string fields and its sums. */
export type CounterDoc = { id: string } & Record<string, string | number>;

export interface CounterQuery {
  /** Fields that must equal these values. */
  where: Record<string, string>;
  /** An inclusive range on one string field. */
  range?: { field: string; from: string; to: string };
}

/**
 * Folds deltas into one per counter: sums added, strings kept at their maximum (identity fields are
 * equal; ISO times such as `last_used_at` keep the latest). The Firestore adapter merges a counter's
 * shards on read with it; a commit's deltas fold with addDelta.
 */
export function mergeInto(into: Map<string, CounterDoc>, key: string, fields: Record<string, string | number>): void {
  const doc = into.get(key) ?? ({ id: '' } as CounterDoc);
  mergeFields(doc, fields);
  into.set(key, doc);
}

/** mergeInto's folding of one set of fields into one document. */
export function mergeFields(doc: CounterDoc, fields: Record<string, string | number>): void {
  for (const k in fields) {
    const v = fields[k];
    if (typeof v === 'number') doc[k] = ((doc[k] as number | undefined) ?? 0) + v;
    else if (typeof v === 'string' && (doc[k] === undefined || v > (doc[k] as string))) doc[k] = v;
  }
}

/** Folds a delta into its counter among `docs` (one collection's counters by id), in place. */
export function addDelta(docs: Map<string, CounterDoc>, d: CounterDelta): void {
  let doc = docs.get(d.id);
  if (!doc) docs.set(d.id, (doc = { id: d.id } as CounterDoc));
  mergeFields(doc, d.fields);
  mergeFields(doc, d.inc);
}

/** One empty map of counters per collection. */
export function emptyCounters(): Record<CounterCollection, Map<string, CounterDoc>> {
  return { usage_totals: new Map(), budget_counters: new Map(), usage_rollups: new Map() };
}

/** The monthly totals per key and workspace (admin usage, a key's last use). */
export function totalsDeltas(event: UsageEvent): CounterDelta[] {
  const period = usagePeriod(event.timestamp);
  const inc: Record<string, number> = { requests: 1, cost_micros: event.cost_micros };
  if (event.priced === false) inc.unpriced_requests = 1;
  for (const kind of TOKEN_KINDS) inc[kind] = event.usage[kind];
  return usageScopes(event).map(([scope, scopeId]) => ({
    collection: 'usage_totals',
    id: totalsId(scope, scopeId, period),
    fields: { scope, scope_id: scopeId, period, last_used_at: event.timestamp },
    inc,
  }));
}

/** A usage_totals counter as the entity; months with no unpriced request have no such field. */
export function usageTotalsOf(doc: CounterDoc | undefined): UsageTotals | undefined {
  return doc && ({ ...doc, unpriced_requests: doc.unpriced_requests ?? 0 } as unknown as UsageTotals);
}
