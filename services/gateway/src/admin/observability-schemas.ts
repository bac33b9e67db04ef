import { z } from 'zod';
import { RequestLog } from '../../../shared/src/request-log';
import { adminSchemas } from './schemas';

/**
 * The shapes of the request-log and analytics routes (docs/observability-api.md). Kept apart from
 * schemas.ts, which every admin feature edits; registered in the same `adminSchemas` registry, so
 * openapi.ts describes them like the rest.
 */
const named = <T extends z.ZodType>(id: string, schema: T, description?: string): T => {
  adminSchemas.add(schema, { id, description });
  return schema;
};

const Instant = z.union(
  [z.string().regex(/^\d{4}-\d{2}-\d{2}$/), z.iso.datetime({ offset: true })],
  'a UTC date (YYYY-MM-DD) or an ISO 8601 timestamp such as "2026-01-31T12:00:00Z"',
);
const Format = z.enum(['json', 'csv']).default('json').describe('csv: the same rows as text/csv');
const MetadataFilter = z.record(z.string().min(1).max(128), z.string().max(512)).optional().describe('sent as `metadata.<name>=<value>` query parameters');

/** `metadata.<k>=<v>` query parameters as one `metadata` object (other parameters unchanged). */
export function foldMetadataParams(query: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(query)) {
    if (!k.startsWith('metadata.')) out[k] = v;
    else out.metadata = { ...(out.metadata as Record<string, unknown>), [k.slice('metadata.'.length)]: v };
  }
  return out;
}

/** `GET /admin/v1/logs`. `metadata.<k>=<v>` parameters arrive here folded into `metadata`. */
export const LogSearchQuery = z
  .object({
    from: Instant.optional().describe('inclusive; default 24 hours before `to`'),
    to: Instant.optional().describe('inclusive (a date means its whole UTC day); default now'),
    key_id: z.string().optional(),
    workspace_id: z.string().optional().describe("a workspace key's own workspace, always"),
    model: z.string().optional().describe('the model as requested'),
    provider: z.string().optional().describe('provider slug, e.g. @vertex-prod'),
    status: z.coerce.number().int().min(0).max(999).optional(),
    outcome: RequestLog.shape.outcome.optional(),
    trace_id: z.string().optional(),
    session_id: z.string().optional().describe('Claude Code session id (X-Claude-Code-Session-Id)'),
    metadata: MetadataFilter,
    limit: z.coerce.number().int().min(1).max(1000).default(50).describe('at most 1000'),
    cursor: z.string().optional().describe('`next_cursor` of the previous page'),
    format: Format,
  })
  .strict();

export const LogList = named(
  'RequestLogList',
  z.object({
    data: z.array(RequestLog),
    next_cursor: z.string().nullable().describe('pass as `cursor` for the next (older) page; null on the last'),
  }),
  'Request logs, newest first (timestamp, then request id). Pages never repeat or skip a log, whatever is written meanwhile.',
);

const CapturedBody = z.object({
  content_type: z.string(),
  text: z.string().describe('the body as UTF-8 text (SSE for streamed answers)'),
  truncated: z.boolean().describe('true when the body was longer than the capture limit'),
});

export const LogDetail = named(
  'RequestLogDetail',
  RequestLog.extend({
    bodies: z
      .object({ request: CapturedBody.optional(), response: CapturedBody.optional() })
      .optional()
      .describe('present when the workspace captures bodies and they were stored'),
  }),
  'One request log, with its captured bodies when its workspace captures them.',
);

export const Granularity = z.enum(['hour', 'day']).default('day').describe('UTC buckets');
export const GROUP_BY = /^(key|workspace|provider|model|metadata\.[^|:]{1,128})$/;
const GroupBy = z.string().regex(GROUP_BY, 'key, workspace, provider, model or metadata.<name>');

const AnalyticsRange = {
  from: Instant.describe('rounded down to its bucket'),
  to: Instant.describe('inclusive: its whole bucket counts'),
  granularity: Granularity,
  workspace_id: z.string().optional().describe("a workspace key's own workspace, always"),
  format: Format,
};

/** `GET /admin/v1/analytics/timeseries`: at most one of key_id, model, provider, metadata.<k>. */
export const TimeseriesQuery = z
  .object({
    ...AnalyticsRange,
    key_id: z.string().optional(),
    model: z.string().optional(),
    provider: z.string().optional(),
    metadata: MetadataFilter,
  })
  .strict();

/** `GET /admin/v1/analytics/groups`. */
export const GroupsQuery = z.object({ ...AnalyticsRange, group_by: GroupBy, limit: z.coerce.number().int().min(1).max(1000).default(100) }).strict();

const Ms = z.number().nullable();
export const Metrics = named(
  'AnalyticsMetrics',
  z.object({
    requests: z.number().int(),
    errors: z.number().int().describe('outcome upstream_error, rejected or gateway_error'),
    error_rate: z.number().describe('errors / requests (0 with no requests)'),
    cost_micros: z.number().int(),
    cost_usd: z.number(),
    input: z.number().int(),
    output: z.number().int(),
    cache_write_5m: z.number().int(),
    cache_write_1h: z.number().int(),
    cache_read: z.number().int(),
    latency_ms_avg: Ms,
    latency_ms_p50: Ms.describe('from a fixed-bucket histogram: within one bucket width (≤ 25%)'),
    latency_ms_p95: Ms,
    ttfb_ms_p50: Ms,
    ttfb_ms_p95: Ms,
    cache_hits: z.number().int(),
    cache_hit_rate: z.number().describe('hits / requests that looked in the cache (0 with none)'),
    cache_saved_micros: z.number().int(),
    cache_saved_usd: z.number(),
  }),
  'Sums and percentiles over a set of requests, from the rollups. Latencies in milliseconds, null with no requests.',
);

export const Timeseries = named(
  'AnalyticsTimeseries',
  z.object({
    granularity: z.enum(['hour', 'day']),
    from: z.string().describe('start of the first bucket (ISO, UTC)'),
    to: z.string().describe('end of the last bucket, exclusive (ISO, UTC)'),
    workspace_id: z.string().optional(),
    filter: z.object({ dimension: z.string(), value: z.string() }).optional(),
    totals: Metrics,
    buckets: z.array(Metrics.extend({ start: z.string().describe('bucket start (ISO, UTC)') })).describe('every bucket, empty ones too'),
  }),
  'Metrics per UTC hour or day.',
);

export const Groups = named(
  'AnalyticsGroups',
  z.object({
    granularity: z.enum(['hour', 'day']),
    from: z.string(),
    to: z.string(),
    group_by: z.string(),
    workspace_id: z.string().optional(),
    totals: Metrics,
    data: z.array(Metrics.extend({ value: z.string() })).describe('most expensive first, then most requests'),
  }),
  'Metrics per key, workspace, provider, model or metadata value over a range.',
);
