import { z } from 'zod';
import { parseJson } from './json';

/**
 * The contract between gateway and worker. Versioned: a consumer rejects versions it does not know
 * (dead-lettered, never dropped). Token counts follow Anthropic's usage semantics: `input` excludes
 * cache reads and writes.
 *
 * Version 2 adds what the provider bills beyond the top-level counts (`usage.speed`,
 * `usage.inference_geo`, `usage.iterations`), `priced`, `list_cost_micros` and `estimated`. All of it
 * is optional, so version 1 events (still in flight during a rollout) decode unchanged and read as
 * priced at list.
 *
 * Version 3 adds the Cloud Trace ids the request joined (`cloud_trace_id`, `span_id`), guardrail
 * verdicts and `bodies_captured`; all optional too, so versions 1 and 2 still decode.
 */
export const USAGE_EVENT_VERSION = 3;

const Count = z.number().int().nonnegative();

/** One sampling iteration whose tokens are not in the top-level fields (compaction, advisor). */
export const IterationUsage = z.object({
  type: z.string().min(1),
  /** The model that ran it, when the API names one; else the request's model. */
  model: z.string().optional(),
  input: Count,
  output: Count,
  cache_write_5m: Count,
  cache_write_1h: Count,
  cache_read: Count,
});
export type IterationUsage = z.infer<typeof IterationUsage>;

export const TokenUsage = z.object({
  input: Count,
  output: Count,
  cache_write_5m: Count,
  cache_write_1h: Count,
  cache_read: Count,
  web_search_requests: Count,
  /** `fast` when the answer ran in fast mode (billed at the model's fast-mode prices). */
  speed: z.string().optional(),
  /** Where the first-party API ran the request (`global`, `us`): a pinned geography costs more. */
  inference_geo: z.string().optional(),
  iterations: z.array(IterationUsage).optional(),
});
export type TokenUsage = z.infer<typeof TokenUsage>;

export const Attempt = z.object({
  target: z.string(),
  provider: z.string(),
  status: z.number().int(),
  latency_ms: z.number().nonnegative(),
  error_type: z.string().optional(),
});
export type Attempt = z.infer<typeof Attempt>;

/**
 * A guardrail that matched (README, Guardrails): its id, action, where (`input:messages[2].content`,
 * `output:content[0].text`, `input:metadata`) and detector. Never the matched text.
 */
export const GuardrailVerdict = z.object({
  id: z.string(),
  action: z.enum(['deny', 'redact', 'flag']),
  location: z.string(),
  detector: z.string(),
});
export type GuardrailVerdict = z.infer<typeof GuardrailVerdict>;

export const CacheStatus = z.enum(['HIT', 'MISS', 'REFRESH', 'DISABLED']);
export type CacheStatus = z.infer<typeof CacheStatus>;

export const Outcome = z.enum(['success', 'upstream_error', 'client_cancel', 'rejected', 'gateway_error']);
export type Outcome = z.infer<typeof Outcome>;

export const UsageEvent = z.object({
  version: z.union([z.literal(1), z.literal(2), z.literal(USAGE_EVENT_VERSION)]),
  event_id: z.string().min(1),
  request_id: z.string().min(1),
  trace_id: z.string().min(1),
  session_id: z.string().optional(),
  /** The Cloud Trace trace (32 hex) and span (16 hex) from `traceparent` / `x-cloud-trace-context`. */
  cloud_trace_id: z.string().optional(),
  span_id: z.string().optional(),
  timestamp: z.string().datetime(),
  route: z.enum(['messages', 'count_tokens', 'vertex_predict', 'vertex_count_tokens']),
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
  /** What the organisation pays: list prices with the provider's negotiated prices applied. */
  cost_micros: z.number().int().nonnegative(),
  /** The same usage at catalog list prices. Absent in version 1 events (there, list = cost_micros). */
  list_cost_micros: z.number().int().nonnegative().optional(),
  /** The negotiated pricing version `cost_micros` used, when the provider has one. */
  pricing_version: z.number().int().positive().optional(),
  /** False when neither the upstream nor the requested model has a price: the costs are 0, not free. */
  priced: z.boolean().optional(),
  /** Counts the gateway estimated rather than read from the provider (a cancelled stream's output). */
  estimated: z.object({ output_tokens: Count }).optional(),
  latency_ms: z.number().nonnegative(),
  ttfb_ms: z.number().nonnegative().optional(),
  metadata: z.record(z.string(), z.string()),
  attempts: z.array(Attempt),
  cache: z.object({ status: CacheStatus, saved_micros: z.number().int().nonnegative() }).optional(),
  guardrails: z.array(GuardrailVerdict).optional(),
  /** The gateway handed the request's bodies to the body store (the workspace captures bodies). */
  bodies_captured: z.boolean().optional(),
});
export type UsageEvent = z.infer<typeof UsageEvent>;

export const ZERO_USAGE: TokenUsage = Object.freeze({
  input: 0,
  output: 0,
  cache_write_5m: 0,
  cache_write_1h: 0,
  cache_read: 0,
  web_search_requests: 0,
});

/** Decode a usage event from bytes or a parsed value; undefined when it does not match the schema. */
export function decodeUsageEvent(raw: unknown): UsageEvent | undefined {
  const value = typeof raw === 'string' || Buffer.isBuffer(raw) ? parseJson(raw.toString()) : raw;
  const parsed = UsageEvent.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
