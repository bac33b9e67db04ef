import type { Coverage } from '../../../shared/src/budget/match';
import { GatewayError } from '../../../shared/src/errors';
import type { Logger } from '../../../shared/src/log';
import { type RateLimit, rateWindow } from '../../../shared/src/rate-limit/entity';
import type { Store } from '../../../shared/src/store/port';
import type { UsageEvent } from '../../../shared/src/usage-event';
import { LiveMap } from '../mirrors/live-map';
import { ScopeIndex } from './scope-index';

/**
 * A lease is this fraction of the limit: at most ~LEASE_PARTS lease transactions per limit and
 * window however busy it is (a per-minute limit's document is written at most every ~3 s), and at
 * most N × limit / LEASE_PARTS held unused by N instances when one stops getting traffic.
 */
export const LEASE_PARTS = 20;

/** This instance's part of one limit in one window. */
interface Lease {
  start: number;
  end: number;
  /** The limit the lease was taken under: a changed limit may hand out more (or less). */
  limit: number;
  /** What this instance may still admit (tokens: below zero when requests used more than estimated). */
  left: number;
  /** The store had nothing more for this window: refuse until it ends. */
  exhausted: boolean;
  renewing?: Promise<void>;
  /** Used the one lease granted without the store, when it did not answer. */
  fallback: boolean;
}

/** What a request is charged on admission. */
export interface Charge {
  requestId: string;
  /**
   * Input + output tokens estimated: `max_tokens` plus the body's size in tokens. A function, called
   * only when a token limit covers the request: finding `max_tokens` scans the body.
   */
  tokens(): number;
}

/**
 * Rate limits shared by every gateway instance (issue 15). Each instance takes leases (a twentieth of
 * the limit at a time) for the current window from the store, in a transaction on one document per
 * limit and window, so the leases of all instances together never exceed the limit; it admits from
 * its lease in memory and renews it off the request path when it runs low. Only a request that finds
 * its lease empty waits for the store (one round trip, under the store deadline): the first request of
 * a window on an instance, or one racing an empty lease. Token limits charge an estimate and settle on
 * the usage event. README "Rate limits" states the bounds.
 */
export class RateLimiter {
  private readonly limits: LiveMap<RateLimit>;
  private readonly index: ScopeIndex<RateLimit>;
  private readonly leases = new Map<string, Lease>();
  /** Token estimates charged per request id, settled when its usage event comes. */
  private readonly charged = new Map<string, Array<{ lease: Lease; tokens: number }>>();

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.limits = new LiveMap(
      store.rateLimits,
      (l) => l.id,
      (l) => l,
      log,
      'rate limit',
    );
    this.index = new ScopeIndex(this.limits);
  }

  get listener(): LiveMap<RateLimit> {
    return this.limits;
  }

  /**
   * Charges the request to every limit covering it, or throws 429 rate_limit_error naming the limit
   * that is reached. Returns a promise only when a lease must be fetched first.
   */
  admit(c: Coverage, charge: Charge): Promise<void> | undefined {
    const limits = this.index.covering(c);
    if (limits.length === 0) return undefined;
    let tokens: number | undefined;
    return this.take(limits, { requestId: charge.requestId, tokens: () => (tokens ??= charge.tokens()) });
  }

  /** Settles a token estimate on the actual input + output: the difference goes back to (or comes from) the lease. */
  settle(event: UsageEvent): void {
    const charges = this.charged.get(event.request_id);
    if (!charges) return;
    this.charged.delete(event.request_id);
    for (const { lease, tokens } of charges) lease.left += tokens - (event.usage.input + event.usage.output);
  }

  private take(limits: RateLimit[], charge: Charge): Promise<void> | undefined {
    const now = this.now();
    for (const l of limits) {
      const lease = this.lease(l, now);
      const cost = costOf(l, charge);
      if (lease.left >= cost) continue;
      if (lease.exhausted) throw refusal(l, lease, now);
      // Waits for the lease, then checks every limit again (another request may have used it meanwhile).
      return this.renew(l, lease, cost).then(() => this.take(limits, charge));
    }
    for (const l of limits) {
      const lease = this.lease(l, now);
      const cost = costOf(l, charge);
      lease.left -= cost;
      if (l.unit === 'tokens') this.charged.set(charge.requestId, [...(this.charged.get(charge.requestId) ?? []), { lease, tokens: cost }]);
      // Renewed off the request path at half a lease left, so a steady stream never finds it empty.
      if (lease.left < chunk(l) / 2 && !lease.exhausted && !lease.renewing) this.renew(l, lease, 0).catch(() => {});
    }
    return undefined;
  }

  private lease(l: RateLimit, now: number): Lease {
    let lease = this.leases.get(l.id);
    if (!lease || now >= lease.end) {
      const w = rateWindow(l.per, now);
      lease = { start: w.start, end: w.end, limit: l.limit, left: 0, exhausted: false, fallback: false };
      this.leases.set(l.id, lease);
    } else if (lease.limit !== l.limit) {
      lease.limit = l.limit;
      lease.exhausted = false;
    }
    return lease;
  }

  private renew(l: RateLimit, lease: Lease, need: number): Promise<void> {
    lease.renewing ??= this.store
      .leaseRateLimit({ limit_id: l.id, window_start: lease.start, window_end: lease.end, limit: lease.limit, want: Math.max(chunk(l), need - lease.left) })
      .then(
        (grant) => {
          lease.left += grant.granted;
          if (grant.total >= lease.limit) lease.exhausted = true;
        },
        (err: unknown) => {
          // The store did not answer: one lease per window without it, then its 503 to the client.
          if (lease.fallback) throw err;
          lease.fallback = true;
          lease.left += chunk(l);
          this.log.warn('rate limit lease: store unavailable, admitting one lease on this instance alone', { rateLimitId: l.id });
        },
      )
      .finally(() => {
        lease.renewing = undefined;
      });
    return lease.renewing;
  }
}

function chunk(l: RateLimit): number {
  return Math.max(1, Math.ceil(l.limit / LEASE_PARTS));
}

/** A request whose estimate exceeds the whole limit is charged the limit: it needs an empty window, not forever. */
function costOf(l: RateLimit, charge: Charge): number {
  return l.unit === 'requests' ? 1 : Math.min(charge.tokens(), l.limit);
}

/** Input + output tokens a request may use: its `max_tokens`, and its body at about 4 bytes a token. */
export function estimateTokens(maxTokens: unknown, bodyBytes: number): number {
  const out = typeof maxTokens === 'number' && Number.isFinite(maxTokens) && maxTokens > 0 ? Math.floor(maxTokens) : 0;
  return out + Math.ceil(bodyBytes / 4);
}

/**
 * 429 with a `retry-after` to the window's end (nothing more is handed out before it) and Anthropic's
 * `anthropic-ratelimit-*` headers for the limit reached (docs/wire-formats.md "Rate limit headers").
 */
function refusal(l: RateLimit, lease: Lease, now: number): GatewayError {
  const retryAfterSeconds = Math.max(1, Math.ceil((lease.end - now) / 1000));
  const reset = new Date(lease.end).toISOString().replace('.000Z', 'Z');
  const unit = l.unit === 'requests' ? 'requests' : 'input+output tokens';
  return new GatewayError(
    'rate_limit_error',
    `Gatehouse rate limit "${l.name}" (${l.id}) reached: ${l.limit.toLocaleString('en-US')} ${unit} per ${l.per}. It resets at ${reset}; retry in ${retryAfterSeconds} s.`,
    {
      retryAfterSeconds,
      headers: {
        [`anthropic-ratelimit-${l.unit}-limit`]: String(l.limit),
        [`anthropic-ratelimit-${l.unit}-remaining`]: '0',
        [`anthropic-ratelimit-${l.unit}-reset`]: reset,
      },
    },
  );
}
