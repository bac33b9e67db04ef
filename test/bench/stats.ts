import type { Outcome, RunResult } from './load';

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles; NaN for an empty sample. */
export function percentiles(values: number[]): Percentiles {
  if (!values.length) return { p50: NaN, p90: NaN, p99: NaN, max: NaN, mean: NaN };
  const s = Float64Array.from(values).sort();
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
  let sum = 0;
  for (const v of s) sum += v;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: s[s.length - 1], mean: sum / s.length };
}

export interface RequestStats {
  sent: number;
  ok: number;
  errors: number;
  dropped: number;
  /** Successful answers per second of the run. */
  throughput_rps: number;
  latency_ms: Percentiles;
  ttfb_ms: Percentiles;
  /** Up to five distinct error descriptions. */
  error_samples: string[];
}

/** Latency and TTFB of the successful answers (optionally those with one label), errors counted apart. */
export function requestStats(run: RunResult, label?: string): RequestStats {
  const mine = label ? run.outcomes.filter((o) => o.label === label) : run.outcomes;
  const ok = mine.filter((o) => o.ok);
  const failed: Outcome[] = mine.filter((o) => !o.ok);
  const samples = [...new Set(failed.map((o) => o.error ?? `HTTP ${o.status}`))].slice(0, 5);
  return {
    sent: mine.length + (label ? 0 : run.dropped + run.stuck),
    ok: ok.length,
    errors: failed.length + (label ? 0 : run.stuck),
    dropped: label ? 0 : run.dropped,
    throughput_rps: ok.length / run.elapsedS,
    latency_ms: percentiles(ok.map((o) => o.latencyMs)),
    ttfb_ms: percentiles(ok.map((o) => o.ttfbMs)),
    error_samples: samples,
  };
}

export const round = (v: number, digits = 3): number => (Number.isFinite(v) ? Number(v.toFixed(digits)) : v);
