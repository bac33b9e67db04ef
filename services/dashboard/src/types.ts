/** The admin API's shapes the dashboard reads (services/gateway/src/admin/schemas.ts, docs/observability-api.md). */
export interface Key {
  key_id: string;
  name: string;
  type: 'organisation' | 'workspace';
  kind: 'user' | 'service';
  owner: string;
  workspace_id?: string;
  scopes: string[];
  prefix: string;
  status: 'active' | 'revoked' | 'expired';
  created_at: string;
  last_used_at?: string;
  expires_at?: string;
  allowed_models?: string[];
  previous_secret_expires_at?: string;
  defaults: { config_id?: string; metadata?: Record<string, string> };
}
export type KeyWithSecret = Key & { secret: string };

export interface Workspace {
  id: string;
  name: string;
  status: 'active' | 'archived';
}

export interface StoredConfig {
  id: string;
  workspace_id?: string;
  version: number;
  config: Record<string, unknown>;
  updated_at?: string;
}
export type ConfigWritten = StoredConfig & { warnings: string[] };

export interface Provider {
  slug: string;
  kind: 'vertex' | 'anthropic' | 'bedrock';
  region?: string;
  project_id?: string;
  base_url?: string;
  credentials: unknown;
  pricing?: { version: number; discount_percent?: number; models?: Record<string, unknown> };
  updated_at?: string;
}

export interface BudgetStatus {
  window_start: string;
  window_end?: string;
  usage: number;
  limit: number;
  state: 'ok' | 'warning' | 'exhausted';
  alerted: number[];
  updated_at: string;
}
export interface Budget {
  id: string;
  name: string;
  scope: { type: string; key_id?: string; workspace_id?: string; provider?: string; key?: string; value?: string };
  metric: 'cost' | 'tokens' | 'input_output_tokens';
  limit: number;
  period: { kind: string; time_zone?: string; every?: number };
  thresholds: number[];
  status: BudgetStatus | null;
}

/** One alert the worker fired (`GET /admin/v1/budget-alerts`). */
export interface BudgetAlert {
  alert_id: string;
  budget_id: string;
  budget_name: string;
  metric: Budget['metric'];
  threshold: number;
  usage: number;
  limit: number;
  state: BudgetStatus['state'];
  window_start: string;
  window_end?: string;
  time: string;
}

export interface RateLimit {
  id: string;
  name: string;
  scope: { type: string; key_id?: string; workspace_id?: string; provider?: string };
  unit: 'requests' | 'tokens';
  per: string;
  limit: number;
}

export interface AuditEntry {
  id: string;
  time: string;
  actor: { key_id: string; name: string };
  action: string;
  target: { type: string; id: string };
}

export interface Metrics {
  requests: number;
  errors: number;
  error_rate: number | null;
  cost_micros: number;
  cost_usd: number;
  input: number;
  output: number;
  cache_write_5m: number;
  cache_write_1h: number;
  cache_read: number;
  latency_ms_p50: number | null;
  latency_ms_p95: number | null;
  ttfb_ms_p50: number | null;
  ttfb_ms_p95: number | null;
  cache_hits: number;
  cache_hit_rate: number | null;
  cache_saved_micros: number;
  cache_saved_usd: number;
}
export interface Timeseries {
  granularity: 'hour' | 'day';
  from: string;
  to: string;
  totals: Metrics;
  buckets: (Metrics & { start: string })[];
}
export interface Groups {
  group_by: string;
  totals: Metrics;
  data: (Metrics & { value: string })[];
}

export interface Attempt {
  target?: string;
  provider?: string;
  status?: number;
  latency_ms?: number;
  error_type?: string;
}
export interface RequestLog {
  id: string;
  timestamp: string;
  trace_id?: string;
  session_id?: string;
  status: number;
  outcome: string;
  error_type?: string;
  workspace_id?: string;
  key_id?: string;
  key_name?: string;
  provider?: string;
  model_requested?: string;
  model_upstream?: string;
  stream?: boolean;
  usage: { input: number; output: number; cache_write_5m: number; cache_write_1h: number; cache_read: number };
  cost_micros: number;
  latency_ms: number;
  ttfb_ms?: number;
  attempts: Attempt[];
  cache?: { status: string; saved_micros: number };
  metadata?: Record<string, string>;
  guardrails?: { id: string; action: string; location: string; detector: string }[];
  bodies?: Record<string, { content_type: string; text: string; truncated: boolean }>;
}
export interface LogPage {
  data: RequestLog[];
  next_cursor: string | null;
}

/** What every page gets: the signed-in key, and whether it holds a scope. */
export interface PageProps {
  me: Key;
  can: (scope: string) => boolean;
}
