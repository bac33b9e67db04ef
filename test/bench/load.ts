/**
 * The load generator: undici's low-level `dispatch` (no stream objects per request), timing each
 * request from dispatch to the first body byte (TTFB) and to the end of the stream. Two shapes:
 * open loop at a constant rate (requests leave on schedule whether or not earlier ones finished, so a
 * slow target builds a queue instead of slowing the generator down) and closed loop with N workers
 * (saturation).
 */
import { Pool } from 'undici';

export interface RequestSpec {
  /** Label for this kind of request within a phase (e.g. `single`, `fallback`). */
  label: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

export interface Outcome {
  label: string;
  ok: boolean;
  status: number;
  /** ms from dispatch to the end of the response. */
  latencyMs: number;
  /** ms from dispatch to the first body byte; -1 when none arrived. */
  ttfbMs: number;
  bytes: number;
  /** Selected response headers, for checks (provider, cache status). */
  headers: Record<string, string | undefined>;
  error?: string;
}

const WATCHED = ['x-gatehouse-provider', 'x-gatehouse-cache-status'];

/** One keep-alive pool per target, reused across phases so connection setup stays out of the figures. */
export class Target {
  private pool: Pool;

  constructor(
    readonly name: string,
    readonly origin: string,
  ) {
    this.pool = this.newPool();
  }

  private newPool(): Pool {
    return new Pool(this.origin, { connections: 1024, pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: 30_000, bodyTimeout: 30_000 });
  }

  /** Sends one request; `done` is called exactly once. */
  fire(spec: RequestSpec, done: (o: Outcome) => void): void {
    const t0 = performance.now();
    let status = 0;
    let ttfb = -1;
    let bytes = 0;
    let tail = '';
    const headers: Record<string, string | undefined> = {};
    let finished = false;
    const finish = (o: Partial<Outcome>) => {
      if (finished) return;
      finished = true;
      done({ label: spec.label, ok: false, status, latencyMs: performance.now() - t0, ttfbMs: ttfb, bytes, headers, ...o });
    };
    this.pool.dispatch(
      { path: spec.path, method: 'POST', headers: spec.headers, body: spec.body },
      {
        // Its presence selects undici's controller-style handler API.
        onRequestStart() {},
        onResponseStart(_c, statusCode, h) {
          status = statusCode;
          for (const name of WATCHED) {
            const v = h[name];
            headers[name] = Array.isArray(v) ? v.join(',') : v;
          }
        },
        onResponseData(_c, chunk) {
          if (ttfb < 0) ttfb = performance.now() - t0;
          bytes += chunk.length;
          tail = (tail + chunk.toString('latin1', Math.max(0, chunk.length - 64))).slice(-64);
        },
        onResponseEnd() {
          // A complete Anthropic stream ends with message_stop; anything else is a broken answer.
          const ok = status === 200 && tail.includes('message_stop');
          finish({ ok, ...(ok ? {} : { error: `HTTP ${status}, ${bytes} B, ends ${JSON.stringify(tail.slice(-40))}` }) });
        },
        onResponseError(_c, err) {
          finish({ error: err.message || String(err) });
        },
      },
    );
  }

  /** Fires one request and waits for it. */
  once(spec: RequestSpec): Promise<Outcome> {
    return new Promise((resolve) => this.fire(spec, resolve));
  }

  /** Drops every connection (after a phase that timed out). */
  async reset(): Promise<void> {
    await this.pool.destroy().catch(() => undefined);
    this.pool = this.newPool();
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

export interface RunResult {
  outcomes: Outcome[];
  /** Requests the schedule called for but not sent because `maxInFlight` were already waiting. */
  dropped: number;
  /** Wall time from the first send to the last completion, seconds. */
  elapsedS: number;
  /** Open loop only: how late requests left against their schedule (generator health), ms. */
  lagMs: number[];
  /** Requests still unanswered when the drain timeout expired (counted as errors). */
  stuck: number;
}

const DRAIN_TIMEOUT_MS = 15_000;

/**
 * Constant-rate load for `seconds`: request i leaves at start + i/rate, whatever happened to the
 * ones before it. `specs` are sent round robin (paired comparisons share the same conditions).
 */
export function openLoop(target: Target, specs: RequestSpec[], rate: number, seconds: number, maxInFlight = 1000): Promise<RunResult> {
  const total = Math.round(rate * seconds);
  const outcomes: Outcome[] = [];
  const lagMs: number[] = [];
  let sent = 0;
  let dropped = 0;
  let inFlight = 0;
  let sendingDone = false;
  const start = performance.now();
  return new Promise((resolve) => {
    let drainTimer: NodeJS.Timeout | undefined;
    const settle = (stuck: number) => {
      if (drainTimer) clearTimeout(drainTimer);
      resolve({ outcomes, dropped, elapsedS: (performance.now() - start) / 1000, lagMs, stuck });
    };
    const onDone = (o: Outcome) => {
      inFlight--;
      outcomes.push(o);
      if (sendingDone && inFlight === 0) settle(0);
    };
    const tick = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - start) * rate) / 1000) + 1);
      while (sent < due) {
        const i = sent++;
        if (inFlight >= maxInFlight) {
          dropped++;
          continue;
        }
        lagMs.push(now - (start + (i * 1000) / rate));
        inFlight++;
        target.fire(specs[i % specs.length], onDone);
      }
      if (sent < total) {
        setTimeout(tick, Math.max(0, start + (sent * 1000) / rate - performance.now()));
        return;
      }
      sendingDone = true;
      if (inFlight === 0) return settle(0);
      drainTimer = setTimeout(() => settle(inFlight), DRAIN_TIMEOUT_MS);
    };
    tick();
  });
}

/** Saturation: `workers` loops, each sending its next request as soon as the last one ends, for `seconds`. */
export function closedLoop(target: Target, specs: RequestSpec[], workers: number, seconds: number): Promise<RunResult> {
  const outcomes: Outcome[] = [];
  const start = performance.now();
  const end = start + seconds * 1000;
  let active = workers;
  let n = 0;
  return new Promise((resolve) => {
    let drainTimer: NodeJS.Timeout | undefined;
    const settle = (stuck: number) => {
      if (drainTimer) clearTimeout(drainTimer);
      resolve({ outcomes, dropped: 0, elapsedS: (performance.now() - start) / 1000, lagMs: [], stuck });
    };
    const loop = () => {
      if (performance.now() >= end) {
        if (--active === 0) settle(0);
        return;
      }
      target.fire(specs[n++ % specs.length], (o) => {
        outcomes.push(o);
        loop();
      });
    };
    for (let i = 0; i < workers; i++) loop();
    drainTimer = setTimeout(() => settle(active), seconds * 1000 + DRAIN_TIMEOUT_MS);
  });
}
