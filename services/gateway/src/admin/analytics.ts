import type { z } from 'zod';
import type { CounterDoc } from '../../../shared/src/store/counters';
import {
  BUCKETS,
  bucketField,
  type Granularity,
  quantile,
  ROLLUP_ALL,
  rollupId,
  scopedDimension,
  valuesDimension,
  valuesOf,
} from '../../../shared/src/store/rollups';
import { TOKEN_KINDS } from '../../../shared/src/store/usage-totals';
import { visibleWorkspace } from './authorize';
import { type AdminContext, badRequest, ok, type Reply } from './context';
import { toCsv } from './csv';
import { instant, orderedRange } from './instant';
import type { GroupsQuery, Metrics, TimeseriesQuery } from './observability-schemas';

type MetricsView = z.infer<typeof Metrics>;
type Sums = Record<string, number>;

/** The longest range each granularity answers: bounded work per request. */
const MAX_BUCKETS: Record<Granularity, number> = { hour: 31 * 24, day: 400 };
const BUCKET_MS: Record<Granularity, number> = { hour: 3_600_000, day: 86_400_000 };
/** A bucket's key in the rollups: `YYYY-MM-DDTHH` or `YYYY-MM-DD` (UTC). */
const KEY_LENGTH: Record<Granularity, number> = { hour: 13, day: 10 };

const SUMMED = ['requests', 'errors', 'cost_micros', ...TOKEN_KINDS, 'latency_ms_sum', 'cache_lookups', 'cache_hits', 'cache_saved_micros'];
export const METRIC_COLUMNS = [
  'requests',
  'errors',
  'error_rate',
  'cost_micros',
  'cost_usd',
  ...TOKEN_KINDS,
  'latency_ms_avg',
  'latency_ms_p50',
  'latency_ms_p95',
  'ttfb_ms_p50',
  'ttfb_ms_p95',
  'cache_hits',
  'cache_hit_rate',
  'cache_saved_micros',
  'cache_saved_usd',
] as const;

interface Range {
  granularity: Granularity;
  fromKey: string;
  toKey: string;
  /** Bucket keys, first to last. */
  keys: string[];
}

function bucketRange(from: string, to: string, granularity: Granularity): Range {
  const range = orderedRange(instant(from, 'from'), instant(to, 'to'));
  const len = KEY_LENGTH[granularity];
  const keys: string[] = [];
  for (let t = Date.parse(startOf(range.from.slice(0, len))); t <= Date.parse(range.to); t += BUCKET_MS[granularity]) {
    if (keys.length >= MAX_BUCKETS[granularity]) {
      throw badRequest(`from..to spans more than ${MAX_BUCKETS[granularity]} ${granularity}s; narrow it or use granularity=day.`);
    }
    keys.push(new Date(t).toISOString().slice(0, len));
  }
  return { granularity, fromKey: keys[0], toKey: keys.at(-1)!, keys };
}

/** `2026-12-03` or `2026-12-03T10` as the ISO time its bucket starts. */
function startOf(key: string): string {
  return key.length === 10 ? `${key}T00:00:00.000Z` : `${key}:00:00.000Z`;
}

function add(into: Sums, doc: Record<string, string | number>): void {
  for (const f of SUMMED) into[f] = (into[f] ?? 0) + Number(doc[f] ?? 0);
  for (let i = 0; i < BUCKETS; i++) {
    for (const h of ['latency', 'ttfb'] as const) into[bucketField(h, i)] = (into[bucketField(h, i)] ?? 0) + Number(doc[bucketField(h, i)] ?? 0);
  }
}

function histogram(s: Sums, name: 'latency' | 'ttfb'): number[] {
  return Array.from({ length: BUCKETS }, (_, i) => s[bucketField(name, i)] ?? 0);
}

/** The metrics of summed rollups. Pure. */
export function metricsOf(s: Sums): MetricsView {
  const n = (f: string) => s[f] ?? 0;
  const ms = (v: number | undefined) => (v === undefined ? null : Math.round(v * 10) / 10);
  const latency = histogram(s, 'latency');
  const ttfb = histogram(s, 'ttfb');
  const requests = n('requests');
  return {
    requests,
    errors: n('errors'),
    error_rate: requests ? n('errors') / requests : 0,
    cost_micros: n('cost_micros'),
    cost_usd: n('cost_micros') / 1e6,
    input: n('input'),
    output: n('output'),
    cache_write_5m: n('cache_write_5m'),
    cache_write_1h: n('cache_write_1h'),
    cache_read: n('cache_read'),
    latency_ms_avg: requests ? ms(n('latency_ms_sum') / requests) : null,
    latency_ms_p50: ms(quantile(latency, 0.5)),
    latency_ms_p95: ms(quantile(latency, 0.95)),
    ttfb_ms_p50: ms(quantile(ttfb, 0.5)),
    ttfb_ms_p95: ms(quantile(ttfb, 0.95)),
    cache_hits: n('cache_hits'),
    cache_hit_rate: n('cache_lookups') ? n('cache_hits') / n('cache_lookups') : 0,
    cache_saved_micros: n('cache_saved_micros'),
    cache_saved_usd: n('cache_saved_micros') / 1e6,
  };
}

/** Counters a group-by reads by id at most; past it (many values by the hour), one query reads them. */
const MAX_BY_ID = 2000;

/**
 * Every value of a dimension over the range (or only `only`). The values come from the days'
 * `values:` rollups, then their counters are read by id; when that would be more than MAX_BY_ID
 * counters, one query over the dimension and range reads them instead.
 */
async function rollups(ctx: AdminContext, r: Range, dimension: string, only?: string): Promise<CounterDoc[]> {
  const days = [...new Set(r.keys.map((k) => k.slice(0, KEY_LENGTH.day)))];
  const directory = only
    ? []
    : await ctx.store.counters(
        'usage_rollups',
        days.map((d) => rollupId(valuesDimension(dimension), ROLLUP_ALL.value, d)),
      );
  const seen = only ? [only] : [...new Set(directory.flatMap(valuesOf))];
  if (seen.length * r.keys.length > MAX_BY_ID) {
    const where = { dimension, ...(only ? { value: only } : {}) };
    return ctx.store.queryCounters('usage_rollups', { where, range: { field: r.granularity, from: r.fromKey, to: r.toKey } });
  }
  return ctx.store.counters(
    'usage_rollups',
    seen.flatMap((v) => r.keys.map((k) => rollupId(dimension, v, k))),
  );
}

/**
 * One value of a dimension over the range: its counters' ids are known, so they are read by id in one
 * round trip, which costs what the range holds whatever the collection's size (a query cost 3–7 times
 * more on the emulator, test/bench/logs.ts).
 */
function series(ctx: AdminContext, r: Range, dimension: string, value: string): Promise<CounterDoc[]> {
  return ctx.store.counters(
    'usage_rollups',
    r.keys.map((k) => rollupId(dimension, value, k)),
  );
}

function sumAll(docs: Array<Record<string, string | number>>): Sums {
  const s: Sums = {};
  for (const d of docs) add(s, d);
  return s;
}

/** The one filter a time series may take, as a rollup dimension and value. */
function seriesFilter(q: z.infer<typeof TimeseriesQuery>): { dimension: string; value: string } | undefined {
  const given: Array<[string, string]> = [];
  if (q.key_id !== undefined) given.push(['key', q.key_id]);
  if (q.model !== undefined) given.push(['model', q.model]);
  if (q.provider !== undefined) given.push(['provider', q.provider.replace(/^@/, '')]);
  for (const [k, v] of Object.entries(q.metadata ?? {})) given.push([`metadata.${k}`, v]);
  if (given.length > 1) throw badRequest('Give at most one of key_id, model, provider, metadata.<name>=<value>: the rollups hold one dimension each.');
  return given[0] && { dimension: given[0][0], value: given[0][1] };
}

/** `GET /admin/v1/analytics/timeseries`: metrics per hour or day, every bucket present. */
export async function timeseries(ctx: AdminContext, q: z.infer<typeof TimeseriesQuery>): Promise<Reply> {
  const workspaceId = visibleWorkspace(ctx.actor, q.workspace_id, ctx.what);
  const r = bucketRange(q.from, q.to, q.granularity);
  const filter = seriesFilter(q);
  const { dimension, value } = filter ?? ROLLUP_ALL;
  const per = new Map<string, Sums>(r.keys.map((k) => [k, {}]));
  for (const doc of await series(ctx, r, scopedDimension(dimension, workspaceId), value)) {
    const sums = per.get(doc[r.granularity] as string);
    if (sums) add(sums, doc);
  }
  const buckets = r.keys.map((k) => ({ start: startOf(k), ...metricsOf(per.get(k)!) }));
  if (q.format === 'csv') return csv(['start', ...METRIC_COLUMNS], buckets);
  return ok({
    granularity: r.granularity,
    ...span(r),
    ...(workspaceId !== undefined ? { workspace_id: workspaceId } : {}),
    ...(filter ? { filter } : {}),
    totals: metricsOf(sumAll([...per.values()])),
    buckets,
  });
}

/** `GET /admin/v1/analytics/groups`: metrics per value of one dimension, most expensive first. */
export async function groups(ctx: AdminContext, q: z.infer<typeof GroupsQuery>): Promise<Reply> {
  const workspaceId = visibleWorkspace(ctx.actor, q.workspace_id, ctx.what);
  const r = bucketRange(q.from, q.to, q.granularity);
  // Inside a workspace, grouping by workspace is that one workspace (its organisation-level rollup).
  const grouped =
    q.group_by === 'workspace' && workspaceId !== undefined
      ? rollups(ctx, r, 'workspace', workspaceId)
      : rollups(ctx, r, scopedDimension(q.group_by, workspaceId));
  const [docs, all] = await Promise.all([grouped, series(ctx, r, scopedDimension(ROLLUP_ALL.dimension, workspaceId), ROLLUP_ALL.value)]);
  const per = new Map<string, Sums>();
  for (const doc of docs) {
    const value = doc.value as string;
    if (!per.has(value)) per.set(value, {});
    add(per.get(value)!, doc);
  }
  const data = [...per]
    .map(([value, s]) => ({ value, ...metricsOf(s) }))
    .sort((a, b) => b.cost_micros - a.cost_micros || b.requests - a.requests || (a.value < b.value ? -1 : 1))
    .slice(0, q.limit);
  if (q.format === 'csv') return csv(['value', ...METRIC_COLUMNS], data);
  return ok({
    granularity: r.granularity,
    ...span(r),
    group_by: q.group_by,
    ...(workspaceId !== undefined ? { workspace_id: workspaceId } : {}),
    totals: metricsOf(sumAll(all)),
    data,
  });
}

function span(r: Range): { from: string; to: string } {
  return { from: startOf(r.fromKey), to: new Date(Date.parse(startOf(r.toKey)) + BUCKET_MS[r.granularity]).toISOString() };
}

function csv(columns: readonly string[], rows: ReadonlyArray<Record<string, unknown>>): Reply {
  return { status: 200, body: toCsv(columns, rows), contentType: 'text/csv; charset=utf-8' };
}
