import { randomUUID } from 'node:crypto';
import type { Catalog, NegotiatedPricing } from '../../../shared/src/catalog';
import type { ApiKey, Metadata } from '../../../shared/src/entities';
import type { GatewayError } from '../../../shared/src/errors';
import {
  type Attempt,
  type CacheStatus,
  type GuardrailVerdict,
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
  /** The answering provider's negotiated prices, with their version. */
  pricing?: NegotiatedPricing & { version: number };
  modelRequested?: string;
  modelUpstream?: string;
  stream = false;
  usage: TokenUsage = ZERO_USAGE;
  /** Output tokens in `usage` that were estimated, not reported (a cancelled stream). */
  outputEstimated?: number;
  ttfbMs?: number;
  attempts: Attempt[] = [];
  metadata: Metadata = {};
  /** The status the client got (499 when it left before any). */
  status = 0;
  errorType?: string;
  cacheStatus?: CacheStatus;
  /** The Cloud Trace span the request arrived in (traceparent / x-cloud-trace-context). */
  cloudTrace?: { traceId: string; spanId?: string };
  /** The request's bodies went to the body store (its workspace captures them). */
  bodiesCaptured = false;
  /** Guardrails that matched, on the request and the answer. */
  guardrails: GuardrailVerdict[] = [];
  private emitted = false;
  /** What happened, as the request path reports it; `outcome` is decided from these alone. */
  private clientGone = false;
  private streamBroke = false;
  private error?: GatewayError;

  constructor(
    readonly requestId: string,
    readonly traceId: string,
    readonly sessionId: string | undefined,
    readonly route: UsageEvent['route'],
    readonly startedAt: number,
  ) {}

  /** An answer (upstream or cached) went out with this status. */
  answered(status: number): void {
    this.status = status;
  }

  /** The upstream failed after the first byte; the client got an SSE `error` event of this type. */
  streamFailed(errorType: string): void {
    this.streamBroke = true;
    this.errorType = errorType;
  }

  /** The client went away before the answer was whole. */
  clientLeft(): void {
    this.clientGone = true;
    if (!this.status) this.status = 499;
  }

  /** The request failed with this error, which the client is sent. */
  failed(err: GatewayError): void {
    this.error = err;
    this.status = err.status;
    this.errorType = err.type;
  }

  /**
   * The one place that classifies a request: the client left; an upstream failed (mid-stream, or every
   * target after at least one attempt); the gateway refused it (a 4xx before any attempt) or failed
   * itself (a 5xx before any attempt); else it succeeded when its status says so.
   */
  get outcome(): Outcome {
    if (this.clientGone || this.error?.status === 499) return 'client_cancel';
    if (this.streamBroke) return 'upstream_error';
    if (this.error) return this.attempts.length ? 'upstream_error' : this.error.status >= 500 ? 'gateway_error' : 'rejected';
    return this.status >= 200 && this.status < 300 ? 'success' : 'gateway_error';
  }

  /** The event, once; later calls return undefined so a request can never be counted twice. */
  finish(catalog: Catalog, now: number): UsageEvent | undefined {
    if (this.emitted) return undefined;
    this.emitted = true;
    // A request that never reached a model (refused, failed before an answer) has nothing to price.
    const cost =
      this.modelUpstream || this.modelRequested
        ? catalog.price({ upstream: this.modelUpstream, requested: this.modelRequested }, this.usage, {
            regionalPremium: this.regionalPremium,
            negotiated: this.pricing,
          })
        : { priced: true as const, list: 0, effective: 0 };
    const hit = this.cacheStatus === 'HIT';
    return {
      version: USAGE_EVENT_VERSION,
      event_id: randomUUID(),
      request_id: this.requestId,
      trace_id: this.traceId,
      ...(this.sessionId ? { session_id: this.sessionId } : {}),
      ...(this.cloudTrace ? { cloud_trace_id: this.cloudTrace.traceId } : {}),
      ...(this.cloudTrace?.spanId ? { span_id: this.cloudTrace.spanId } : {}),
      timestamp: new Date(this.startedAtWall).toISOString(),
      route: this.route,
      stream: this.stream,
      status: this.status,
      outcome: this.outcome,
      ...(this.errorType ? { error_type: this.errorType } : {}),
      ...(this.key?.workspace_id ? { workspace_id: this.key.workspace_id } : {}),
      ...(this.key ? { key_id: this.key.key_id, key_name: this.key.name } : {}),
      ...(this.provider ? { provider: this.provider } : {}),
      ...(this.providerKind ? { provider_kind: this.providerKind } : {}),
      ...(this.modelRequested ? { model_requested: this.modelRequested } : {}),
      ...(this.modelUpstream ? { model_upstream: this.modelUpstream } : {}),
      usage: hit ? ZERO_USAGE : this.usage,
      cost_micros: hit ? 0 : cost.effective,
      list_cost_micros: hit ? 0 : cost.list,
      ...(this.pricing && cost.priced ? { pricing_version: this.pricing.version } : {}),
      // Nothing billed (a refused or failed request) needs no price, whatever its model.
      priced: cost.priced || !billsAnything(this.usage),
      ...(this.outputEstimated !== undefined && !hit ? { estimated: { output_tokens: this.outputEstimated } } : {}),
      latency_ms: round(now - this.startedAt),
      ...(this.ttfbMs !== undefined ? { ttfb_ms: round(this.ttfbMs) } : {}),
      metadata: this.metadata,
      attempts: this.attempts.map((a) => ({ ...a, latency_ms: round(a.latency_ms) })),
      ...(this.cacheStatus ? { cache: { status: this.cacheStatus, saved_micros: hit ? cost.effective : 0 } } : {}),
      ...(this.bodiesCaptured ? { bodies_captured: true } : {}),
      ...(this.guardrails.length ? { guardrails: this.guardrails } : {}),
    };
  }
}

function billsAnything(u: TokenUsage): boolean {
  return u.input + u.output + u.cache_write_5m + u.cache_write_1h + u.cache_read + u.web_search_requests > 0 || !!u.iterations?.length;
}

/** Milliseconds to the microsecond: what the event's readers can use, not a clock's float noise. */
function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
