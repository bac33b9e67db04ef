import { z } from 'zod';
import { parseJson } from './json';

/**
 * The contract between gateway and worker. Versioned: a consumer rejects versions it does not know
 * (dead-lettered, never dropped). Token counts follow Anthropic's usage semantics: `input` excludes
 * cache reads and writes.
 */
export const USAGE_EVENT_VERSION = 1;

export const TokenUsage = z.object({
  input: z.number().int().nonnegative(),
  output: z.number().int().nonnegative(),
  cache_write_5m: z.number().int().nonnegative(),
  cache_write_1h: z.number().int().nonnegative(),
  cache_read: z.number().int().nonnegative(),
  web_search_requests: z.number().int().nonnegative(),
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

export const CacheStatus = z.enum(['HIT', 'MISS', 'REFRESH', 'DISABLED']);
export type CacheStatus = z.infer<typeof CacheStatus>;

export const Outcome = z.enum(['success', 'upstream_error', 'client_cancel', 'rejected', 'gateway_error']);
export type Outcome = z.infer<typeof Outcome>;

export const UsageEvent = z.object({
  version: z.literal(USAGE_EVENT_VERSION),
  event_id: z.string().min(1),
  request_id: z.string().min(1),
  trace_id: z.string().min(1),
  session_id: z.string().optional(),
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
  cost_micros: z.number().int().nonnegative(),
  latency_ms: z.number().nonnegative(),
  ttfb_ms: z.number().nonnegative().optional(),
  metadata: z.record(z.string(), z.string()),
  attempts: z.array(Attempt),
  cache: z.object({ status: CacheStatus, saved_micros: z.number().int().nonnegative() }).optional(),
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
