import { z } from 'zod';
import { Attempt, CacheStatus, GuardrailVerdict, Outcome, TokenUsage, type UsageEvent } from './usage-event';

/**
 * One request as the logs show it: the usage event, flattened for search, without bodies. Written by
 * the worker (never on the request path), kept `GATEHOUSE_LOG_RETENTION_DAYS` (TTL on `expires_at`).
 */
export const RequestLog = z.object({
  /** The request id (`x-gatehouse-request-id`): the log's id. */
  id: z.string(),
  event_id: z.string(),
  timestamp: z.string().describe('when the request started (ISO, UTC)'),
  trace_id: z.string(),
  /** The Cloud Trace trace and span the request joined (traceparent / x-cloud-trace-context), when given. */
  cloud_trace_id: z.string().optional(),
  span_id: z.string().optional(),
  session_id: z.string().optional(),
  route: z.string(),
  stream: z.boolean(),
  status: z.number().int(),
  outcome: Outcome,
  error_type: z.string().optional(),
  workspace_id: z.string().optional(),
  key_id: z.string().optional(),
  key_name: z.string().optional(),
  provider: z.string().optional(),
  provider_kind: z.string().optional(),
  model_requested: z.string().optional(),
  model_upstream: z.string().optional(),
  usage: TokenUsage,
  cost_micros: z.number().int(),
  cost_usd: z.number(),
  list_cost_micros: z.number().int(),
  priced: z.boolean(),
  estimated: z.object({ output_tokens: z.number().int() }).optional(),
  latency_ms: z.number(),
  ttfb_ms: z.number().optional(),
  attempts: z.array(Attempt),
  cache: z.object({ status: CacheStatus, saved_micros: z.number().int() }).optional(),
  metadata: z.record(z.string(), z.string()),
  /** Guardrail verdicts, when the request ran guardrails. */
  guardrails: z.array(GuardrailVerdict).optional(),
  /** Which bodies the gateway captured for this request (workspace setting `capture_bodies`). */
  bodies_captured: z.boolean().optional(),
  expires_at: z.string().describe('when the log is deleted (ISO, UTC)'),
});
export type RequestLog = z.infer<typeof RequestLog>;

/** How long request logs are kept unless GATEHOUSE_LOG_RETENTION_DAYS says otherwise. */
export const DEFAULT_LOG_RETENTION_DAYS = 30;

/** The log of one usage event. Pure: `retentionMs` after the request started it expires. */
export function requestLogOf(e: UsageEvent, retentionMs: number): RequestLog {
  return {
    id: e.request_id,
    event_id: e.event_id,
    timestamp: e.timestamp,
    trace_id: e.trace_id,
    ...(e.cloud_trace_id ? { cloud_trace_id: e.cloud_trace_id } : {}),
    ...(e.span_id ? { span_id: e.span_id } : {}),
    ...(e.session_id ? { session_id: e.session_id } : {}),
    route: e.route,
    stream: e.stream,
    status: e.status,
    outcome: e.outcome,
    ...(e.error_type ? { error_type: e.error_type } : {}),
    ...(e.workspace_id ? { workspace_id: e.workspace_id } : {}),
    ...(e.key_id ? { key_id: e.key_id } : {}),
    ...(e.key_name ? { key_name: e.key_name } : {}),
    ...(e.provider ? { provider: e.provider } : {}),
    ...(e.provider_kind ? { provider_kind: e.provider_kind } : {}),
    ...(e.model_requested ? { model_requested: e.model_requested } : {}),
    ...(e.model_upstream ? { model_upstream: e.model_upstream } : {}),
    usage: e.usage,
    cost_micros: e.cost_micros,
    cost_usd: e.cost_micros / 1e6,
    list_cost_micros: e.list_cost_micros ?? e.cost_micros,
    priced: e.priced ?? true,
    ...(e.estimated ? { estimated: e.estimated } : {}),
    latency_ms: e.latency_ms,
    ...(e.ttfb_ms !== undefined ? { ttfb_ms: e.ttfb_ms } : {}),
    attempts: e.attempts,
    ...(e.cache ? { cache: e.cache } : {}),
    metadata: e.metadata,
    ...(e.guardrails ? { guardrails: e.guardrails } : {}),
    ...(e.bodies_captured ? { bodies_captured: true } : {}),
    expires_at: new Date(Date.parse(e.timestamp) + retentionMs).toISOString(),
  };
}
