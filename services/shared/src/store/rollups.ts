import type { UsageEvent } from '../usage-event';
import type { CounterDelta } from './counters';
import { TOKEN_KINDS } from './usage-totals';

/**
 * The analytics rollups: counters per (dimension, value) per UTC day (field `day`, YYYY-MM-DD) and
 * per UTC hour (field `hour`, YYYY-MM-DDTHH), which the worker adds every usage event into and the
 * analytics routes sum, so a range costs the same however many requests it holds.
 *
 * Dimensions: `key`, `workspace`, `provider`, `model`, `metadata.<name>` and `all` (value `*`: every
 * request) across the organisation, and the same inside each workspace as `ws:<workspace>:<dimension>`
 * (workspace ids cannot hold ":", and organisation dimensions never start with "ws:", so no
 * workspace's rollup can be read as another's or as the organisation's).
 */
export const ROLLUP_ALL = { dimension: 'all', value: '*' } as const;

export type Granularity = 'hour' | 'day';

/** A rollup counter's id: one value of one dimension in one hour (`YYYY-MM-DDTHH`) or day (`YYYY-MM-DD`). */
export const rollupId = (dimension: string, value: string, bucket: string): string => `${dimension}|${value}|${bucket}`;

/** When the hour or day a rollup counter counts (its id's last part) ends, in epoch ms (NaN for another id). */
export function rollupBucketEnd(id: string): number {
  const bucket = id.slice(id.lastIndexOf('|') + 1);
  return bucket.length === 13 ? Date.parse(`${bucket}:00:00.000Z`) + 3_600_000 : Date.parse(`${bucket}T00:00:00.000Z`) + 86_400_000;
}

export function scopedDimension(dimension: string, workspaceId?: string): string {
  return workspaceId === undefined ? dimension : `ws:${workspaceId}:${dimension}`;
}

/** Latency histogram bucket upper bounds, in ms; the last bucket is open. */
export const LATENCY_BOUNDS_MS = [
  10, 25, 50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 7500, 10_000, 15_000, 20_000, 30_000, 60_000, 120_000, 300_000,
];
export const BUCKETS = LATENCY_BOUNDS_MS.length + 1;

/** Field of bucket `i` of histogram `name` (`latency` or `ttfb`) in a rollup document. */
export const bucketField = (name: 'latency' | 'ttfb', i: number): string => `${name}_b${String(i).padStart(2, '0')}`;

export function bucketOf(ms: number): number {
  const i = LATENCY_BOUNDS_MS.findIndex((bound) => ms <= bound);
  return i === -1 ? LATENCY_BOUNDS_MS.length : i;
}

/**
 * The `p` quantile (0..1) of a histogram of `counts`, interpolated linearly inside its bucket; in the
 * open last bucket, its lower bound. Undefined when the histogram is empty.
 */
export function quantile(counts: number[], p: number): number | undefined {
  const n = counts.reduce((a, b) => a + b, 0);
  if (n === 0) return undefined;
  const rank = p * n;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] === 0 || seen + counts[i] < rank) {
      seen += counts[i];
      continue;
    }
    const lower = i === 0 ? 0 : LATENCY_BOUNDS_MS[i - 1];
    if (i >= LATENCY_BOUNDS_MS.length) return lower;
    return lower + ((LATENCY_BOUNDS_MS[i] - lower) * (rank - seen)) / counts[i];
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1];
}

/** A request counts as an error when the gateway or an upstream failed it (not a client cancel). */
export function isError(outcome: UsageEvent['outcome']): boolean {
  return outcome === 'upstream_error' || outcome === 'rejected' || outcome === 'gateway_error';
}

/** What one event adds to every rollup it counts towards. */
export function rollupIncrements(event: UsageEvent): Record<string, number> {
  const inc: Record<string, number> = { requests: 1, cost_micros: event.cost_micros };
  for (const kind of TOKEN_KINDS) inc[kind] = event.usage[kind];
  if (isError(event.outcome)) inc.errors = 1;
  inc.latency_ms_sum = Math.round(event.latency_ms);
  inc[bucketField('latency', bucketOf(event.latency_ms))] = 1;
  if (event.ttfb_ms !== undefined) inc[bucketField('ttfb', bucketOf(event.ttfb_ms))] = 1;
  const cache = event.cache?.status;
  if (cache === 'HIT' || cache === 'MISS' || cache === 'REFRESH') inc.cache_lookups = 1;
  if (cache === 'HIT') {
    inc.cache_hits = 1;
    inc.cache_saved_micros = event.cache?.saved_micros ?? 0;
  }
  return inc;
}

/**
 * Every rollup counter one event moves: each dimension, across the organisation and inside its
 * workspace, per day and per hour. Pure.
 */
export function rollupDeltas(event: UsageEvent): CounterDelta[] {
  const inc = rollupIncrements(event);
  const day = event.timestamp.slice(0, 10);
  const hour = event.timestamp.slice(0, 13);
  const values: Array<[string, string | undefined]> = [
    ['key', event.key_id],
    ['provider', event.provider],
    ['model', event.model_requested],
    ...Object.entries(event.metadata).map(([k, v]): [string, string] => [`metadata.${k}`, v]),
    [ROLLUP_ALL.dimension, ROLLUP_ALL.value],
  ];
  const dims: Array<[string, string]> = [];
  for (const [dimension, value] of [...values, ['workspace', event.workspace_id] as [string, string | undefined]]) {
    if (value !== undefined) dims.push([dimension, value]);
  }
  if (event.workspace_id !== undefined) {
    for (const [dimension, value] of values) if (value !== undefined) dims.push([scopedDimension(dimension, event.workspace_id), value]);
  }
  const deltas: CounterDelta[] = [];
  for (const [dimension, value] of dims) {
    deltas.push({ collection: 'usage_rollups', id: rollupId(dimension, value, day), fields: { dimension, value, day }, inc });
    deltas.push({ collection: 'usage_rollups', id: rollupId(dimension, value, hour), fields: { dimension, value, hour }, inc });
    const values = valuesDimension(dimension);
    deltas.push({
      collection: 'usage_rollups',
      id: rollupId(values, ROLLUP_ALL.value, day),
      fields: { dimension: values, value: ROLLUP_ALL.value, day },
      inc: { [valueField(value)]: 1 },
    });
  }
  return deltas;
}

/**
 * The values seen of each dimension per day are counted in one more rollup, `values:<dimension>`,
 * with a field per value (its requests): group-by reads those few documents, then every value's
 * rollups by id, instead of querying the collection (which costs what the whole collection holds on
 * the emulator). No query matches it: its dimension is none a query asks for.
 */
export const valuesDimension = (dimension: string): string => `values:${dimension}`;
const VALUE_PREFIX = 'v:';
export const valueField = (value: string): string => VALUE_PREFIX + value;

/** The values a `values:` rollup names. */
export function valuesOf(doc: Record<string, string | number>): string[] {
  return Object.keys(doc)
    .filter((k) => k.startsWith(VALUE_PREFIX))
    .map((k) => k.slice(VALUE_PREFIX.length));
}
