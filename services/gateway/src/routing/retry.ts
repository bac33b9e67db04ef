/**
 * Retry timing for one target (Portkey `retry: { attempts, on_status_codes, use_retry_after_header }`).
 *
 * - Codes: only the listed statuses are retried; a `retry` without `on_status_codes` retries
 *   429, 500, 502, 503, 504 (Portkey `retryHandler.ts`, docs/design.md §6.2).
 * - Backoff: exponential with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"):
 *   after n retries (0 before the first) the wait is uniform in [0, min(cap, 250 ms × 2^n)].
 *   Portkey's `async-retry` backoff has no jitter, which retries an overloaded upstream in lock-step.
 * - Server hints: with `use_retry_after_header`, `retry-after-ms` (milliseconds) wins over
 *   `retry-after` (seconds, or an HTTP date measured against `now`), as in Portkey; then an
 *   already-parsed `retryAfterSeconds`. Honoured on any retried status, not only 429 as in Portkey
 *   (a 503 may carry one too).
 * - Bounds: one wait is at most 30 s. The waits for one request add up to at most 60 s (Portkey's
 *   `MAX_RETRY_LIMIT_MS`). When the server asks for more than either bound, the retry is skipped
 *   (Portkey does the same): retrying earlier than asked would only fail again, so the caller moves
 *   on to the next fallback target or returns the error with its `retry-after` to the client.
 */

export const DEFAULT_RETRY_STATUS_CODES: readonly number[] = [429, 500, 502, 503, 504];
export const RETRY_BASE_MS = 250;
export const MAX_RETRY_DELAY_MS = 30_000;
export const MAX_TOTAL_RETRY_WAIT_MS = 60_000;

export interface RetryDelayOptions {
  random: () => number;
  /** Epoch ms; needed for the HTTP-date form of `retry-after` (without it a date is ignored). */
  now?: number;
  retryAfterHeader?: string;
  retryAfterMsHeader?: string;
  /** An already-parsed hint (e.g. `GatewayError.opts.retryAfterSeconds`); the headers win when both are given. */
  retryAfterSeconds?: number;
  useRetryAfter: boolean;
  /** Cap on one wait; default 30 s. */
  maxDelayMs?: number;
  /** First backoff step; default 250 ms. */
  baseMs?: number;
}

/** Whether a status is worth retrying on the same target. */
export function shouldRetry(status: number, onStatusCodes: readonly number[] = DEFAULT_RETRY_STATUS_CODES): boolean {
  return onStatusCodes.includes(status);
}

export interface RetryHint {
  retryAfterHeader?: string;
  retryAfterMsHeader?: string;
  retryAfterSeconds?: number;
  now?: number;
}

/** The wait the upstream asked for, in ms, or undefined when it sent no usable hint. */
export function retryAfterMs(h: RetryHint): number | undefined {
  const ms = h.retryAfterMsHeader?.trim();
  if (ms && /^\d+(\.\d+)?$/.test(ms)) return Math.ceil(Number(ms));
  const ra = h.retryAfterHeader?.trim();
  if (ra && /^\d+(\.\d+)?$/.test(ra)) return Math.ceil(Number(ra) * 1000);
  // An HTTP date needs a weekday or month name; Date.parse alone accepts far too much.
  if (ra && /[a-z]{3}/i.test(ra) && h.now !== undefined) {
    const at = Date.parse(ra);
    if (Number.isFinite(at)) return Math.max(0, at - h.now);
  }
  const s = h.retryAfterSeconds;
  return s !== undefined && Number.isFinite(s) && s >= 0 ? Math.ceil(s * 1000) : undefined;
}

/** The backoff before a retry when `attempt` retries were already made (0 before the first), ignoring server hints. */
export function backoffMs(attempt: number, random: () => number, baseMs = RETRY_BASE_MS, maxDelayMs = MAX_RETRY_DELAY_MS): number {
  const n = Math.max(0, Math.min(Math.floor(attempt), 30));
  const ceiling = Math.min(maxDelayMs, baseMs * 2 ** n);
  return Math.floor(random() * ceiling);
}

/** How long to wait before the next retry, `attempt` retries having been made (0-based): the server's hint when honoured, else backoff; never above the cap. */
export function retryDelayMs(attempt: number, opts: RetryDelayOptions): number {
  const max = opts.maxDelayMs ?? MAX_RETRY_DELAY_MS;
  const hint = opts.useRetryAfter ? retryAfterMs(opts) : undefined;
  if (hint !== undefined) return Math.min(hint, max);
  return backoffMs(attempt, opts.random, opts.baseMs, max);
}

/** Whether one more wait fits in the request's total retry budget. */
export function withinRetryBudget(waitedMs: number, nextDelayMs: number, maxTotalMs = MAX_TOTAL_RETRY_WAIT_MS): boolean {
  return waitedMs + nextDelayMs <= maxTotalMs;
}

export interface RetryDecisionInput extends Omit<RetryDelayOptions, 'useRetryAfter'> {
  /** Retries already made on this target: 0 after the first failed attempt. */
  attempt: number;
  status: number;
  retry: { attempts: number; on_status_codes: readonly number[]; use_retry_after_header: boolean };
  /** Total already waited on retries for this request (all targets). */
  waitedMs: number;
  maxTotalWaitMs?: number;
}

/**
 * The whole decision after a failed attempt: the wait before retrying, or undefined to stop retrying
 * this target (attempts used up, status not listed, the server's hint too long, budget spent).
 */
export function nextRetryDelay(input: RetryDecisionInput): number | undefined {
  if (input.attempt >= input.retry.attempts || !shouldRetry(input.status, input.retry.on_status_codes)) return undefined;
  const max = input.maxDelayMs ?? MAX_RETRY_DELAY_MS;
  const useRetryAfter = input.retry.use_retry_after_header;
  const hint = useRetryAfter ? retryAfterMs(input) : undefined;
  if (hint !== undefined && hint > max) return undefined;
  const delay = retryDelayMs(input.attempt, { ...input, useRetryAfter });
  return withinRetryBudget(input.waitedMs, delay, input.maxTotalWaitMs) ? delay : undefined;
}
