import { randomUUID } from 'node:crypto';
import type { Catalog } from '../../../shared/src/catalog';
import type { ApiKey, Metadata } from '../../../shared/src/entities';
import {
  type Attempt,
  type CacheStatus,
  type Outcome,
  type TokenUsage,
  USAGE_EVENT_VERSION,
  type UsageEvent,
  ZERO_USAGE,
} from '../../../shared/src/usage-event';

/**
 * What the gateway learns about one request while serving it. Turned into exactly one usage event
 * when the response is over, whatever the outcome.
 */
export class RequestRecord {
  /** Wall-clock start, for the event's timestamp (formatted, like its id, only when the event is built). */
  private readonly startedAtWall = Date.now();
  key?: ApiKey;
  provider?: string;
  providerKind?: string;
  regionalPremium = false;
  modelRequested?: string;
  modelUpstream?: string;
  stream = false;
  usage: TokenUsage = ZERO_USAGE;
  ttfbMs?: number;
  attempts: Attempt[] = [];
  metadata: Metadata = {};
  status = 0;
  outcome?: Outcome;
  errorType?: string;
  cacheStatus?: CacheStatus;
  private emitted = false;

  constructor(
    readonly requestId: string,
    readonly traceId: string,
    readonly sessionId: string | undefined,
    readonly route: UsageEvent['route'],
    readonly startedAt: number,
  ) {}

  /** The event, once; later calls return undefined so a request can never be counted twice. */
  finish(catalog: Catalog, now: number): UsageEvent | undefined {
    if (this.emitted) return undefined;
    this.emitted = true;
    const model = this.modelUpstream ?? this.modelRequested;
    const cost = model ? (catalog.costMicros(model, this.usage, { regionalPremium: this.regionalPremium }) ?? 0) : 0;
    const hit = this.cacheStatus === 'HIT';
    return {
      version: USAGE_EVENT_VERSION,
      event_id: randomUUID(),
      request_id: this.requestId,
      trace_id: this.traceId,
      ...(this.sessionId ? { session_id: this.sessionId } : {}),
      timestamp: new Date(this.startedAtWall).toISOString(),
      route: this.route,
      stream: this.stream,
      status: this.status,
      outcome: this.outcome ?? (this.status >= 200 && this.status < 300 ? 'success' : 'gateway_error'),
      ...(this.errorType ? { error_type: this.errorType } : {}),
      ...(this.key?.workspace_id ? { workspace_id: this.key.workspace_id } : {}),
      ...(this.key ? { key_id: this.key.key_id, key_name: this.key.name } : {}),
      ...(this.provider ? { provider: this.provider } : {}),
      ...(this.providerKind ? { provider_kind: this.providerKind } : {}),
      ...(this.modelRequested ? { model_requested: this.modelRequested } : {}),
      ...(this.modelUpstream ? { model_upstream: this.modelUpstream } : {}),
      usage: hit ? ZERO_USAGE : this.usage,
      cost_micros: hit ? 0 : cost,
      latency_ms: round(now - this.startedAt),
      ...(this.ttfbMs !== undefined ? { ttfb_ms: round(this.ttfbMs) } : {}),
      metadata: this.metadata,
      attempts: this.attempts.map((a) => ({ ...a, latency_ms: round(a.latency_ms) })),
      ...(this.cacheStatus ? { cache: { status: this.cacheStatus, saved_micros: hit ? cost : 0 } } : {}),
    };
  }
}

/** Milliseconds to the microsecond: what the event's readers can use, not a clock's float noise. */
function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
