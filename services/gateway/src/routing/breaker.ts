/**
 * A per-target circuit breaker as a pure state machine, plus a small registry that holds the states.
 *
 * closed ──(failureThreshold consecutive failures)──▶ open ──(openMs elapsed, an attempt starts)──▶
 * half-open (one probe in flight) ──success──▶ closed, ──failure──▶ open again.
 *
 * Consecutive failures, not a rate: Portkey's hosted breaker also has a percentage over a minimum
 * number of requests (`cb_config`), but a gateway instance sees few requests per target, and a streak
 * of failures is the signal that matters for failover. The state is per instance (Cloud Run scales
 * out): each instance learns an outage from its own failures, which takes `failureThreshold` requests.
 * What counts as a failure: `countsAgainstUpstream`.
 */

export type BreakerState = { status: 'closed'; failures: number } | { status: 'open'; until: number } | { status: 'half-open'; since: number };

/**
 * Whether a failed attempt says something about the upstream's health. The breaker is shared by every
 * workspace routing to a provider, so nothing one client controls may count: 4xx answers about the
 * request, the client going away (neither is retryable), and timeouts shorter than `timeoutFloorMs`
 * (the operator's UPSTREAM_TIMEOUT_MS): a config's own tight `request_timeout` measures the client's
 * impatience, not the upstream. Upstream 5xx/429/529, connection failures and timeouts at or above the
 * floor count.
 */
export function countsAgainstUpstream(error: { retryable: boolean; opts: { timedOutAfterMs?: number } }, timeoutFloorMs: number): boolean {
  if (!error.retryable) return false;
  const waited = error.opts.timedOutAfterMs;
  return waited === undefined || waited >= timeoutFloorMs;
}

export type BreakerEvent = 'attempt' | 'success' | 'failure';

export interface BreakerOptions {
  failureThreshold: number;
  openMs: number;
}

export const DEFAULT_BREAKER_OPTIONS: BreakerOptions = { failureThreshold: 5, openMs: 30_000 };

export const CLOSED: BreakerState = { status: 'closed', failures: 0 };

/**
 * The state after an event at `now`. `attempt` marks the start of a request: it turns an expired open
 * breaker half-open, so the concurrent requests that follow wait for that one probe. A half-open
 * probe that never reports (the client went away) is replaced after another `openMs`.
 */
export function nextState(state: BreakerState, event: BreakerEvent, now: number, opts: BreakerOptions = DEFAULT_BREAKER_OPTIONS): BreakerState {
  switch (event) {
    case 'success':
      return CLOSED;
    case 'failure':
      if (state.status === 'closed' && state.failures + 1 < opts.failureThreshold) return { status: 'closed', failures: state.failures + 1 };
      if (state.status === 'open') return state; // a request started before it opened; keep the window
      return { status: 'open', until: now + opts.openMs };
    case 'attempt':
      if (state.status === 'open' && now >= state.until) return { status: 'half-open', since: now };
      if (state.status === 'half-open' && now >= state.since + opts.openMs) return { status: 'half-open', since: now };
      return state;
  }
}

/** Whether a request may be sent to the target now (an open breaker past its window admits one probe). */
export function canAttempt(state: BreakerState, now: number, opts: BreakerOptions = DEFAULT_BREAKER_OPTIONS): boolean {
  if (state.status === 'closed') return true;
  if (state.status === 'open') return now >= state.until;
  return now >= state.since + opts.openMs;
}

/**
 * The one stateful piece: breaker states by key (a target id, or provider/model to share a breaker
 * across configs). The clock is injected; each method also takes an explicit `now` from the caller.
 */
export class BreakerRegistry {
  private readonly states = new Map<string, BreakerState>();
  private readonly opts: BreakerOptions;
  private readonly clock: () => number;

  constructor(opts: Partial<BreakerOptions> & { now?: () => number } = {}) {
    const { now, ...rest } = opts;
    this.clock = now ?? Date.now;
    this.opts = { ...DEFAULT_BREAKER_OPTIONS, ...rest };
  }

  state(key: string): BreakerState {
    return this.states.get(key) ?? CLOSED;
  }

  /** Whether an attempt may go to this target now. Changes nothing (see `begin`). */
  canAttempt(key: string, now = this.clock()): boolean {
    return canAttempt(this.state(key), now, this.opts);
  }

  /** For `planAttempts`' `isOpen`: an arrow property, so it can be passed without binding. */
  readonly isOpen = (key: string): boolean => !this.canAttempt(key);

  /**
   * Call when an attempt starts. Returns false when the breaker refuses it; otherwise an expired open
   * breaker turns half-open, so this attempt is its one probe and others are refused until it reports.
   */
  begin(key: string, now = this.clock()): boolean {
    const before = this.state(key);
    if (!canAttempt(before, now, this.opts)) return false;
    this.set(key, nextState(before, 'attempt', now, this.opts));
    return true;
  }

  record(key: string, event: 'success' | 'failure', now = this.clock()): BreakerState {
    const next = nextState(this.state(key), event, now, this.opts);
    this.set(key, next);
    return next;
  }

  private set(key: string, state: BreakerState) {
    // A healthy target needs no entry, so the map only holds targets that have failed recently.
    if (state.status === 'closed' && state.failures === 0) this.states.delete(key);
    else this.states.set(key, state);
  }
}
