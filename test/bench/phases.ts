/**
 * One measured phase: a run of load against one target, with the CPU time every child process spent
 * during it (per successful request) and the peak RSS of the hop being measured.
 */
import type { RunResult } from './load';
import type { Child } from './processes';
import { machineBusyMs, procStats } from './processes';
import { type RequestStats, requestStats, round } from './stats';

export interface Processes {
  upstream: Child;
  proxy: Child;
  gateway: Child;
}

export interface PhaseRecord {
  phase: string;
  target: string;
  /** Open loop: the offered rate. */
  offered_rps?: number;
  /** Closed loop: concurrent connections. */
  connections?: number;
  seconds: number;
  stats: RequestStats;
  /** Per label, when the phase interleaved several kinds of request. */
  by_label?: Record<string, RequestStats>;
  /** Open loop: how late requests left against their schedule (generator health). */
  send_lag_ms?: { p50: number; p99: number; max: number };
  /** CPU time (user + system) spent per successful request, µs, by process. */
  cpu_us_per_req: Record<'upstream' | 'proxy' | 'gateway' | 'generator', number>;
  /** RSS of the proxy and gateway processes: at the start, peak during, at the end (MB). */
  rss_mb: Record<'proxy' | 'gateway', { start: number; peak: number; end: number }>;
  /**
   * Cores kept busy on average by everything else on the machine during the phase (other sessions,
   * the kernel): the machine's busy time minus that of the bench's own four processes. Figures from a
   * phase where this is high are noisy.
   */
  other_cpu_cores: number;
  /** Responses by `x-gatehouse-cache-status` (gateway phases that set it). */
  cache_status?: Record<string, number>;
}

const mb = (kb: number) => round(kb / 1024, 1);

export async function measure(
  procs: Processes,
  meta: Pick<PhaseRecord, 'phase' | 'target' | 'offered_rps' | 'connections' | 'seconds'>,
  run: () => Promise<RunResult>,
  labels?: string[],
): Promise<PhaseRecord> {
  const names = ['upstream', 'proxy', 'gateway'] as const;
  const before = Object.fromEntries(names.map((n) => [n, procStats(procs[n].pid)]));
  const genBefore = process.cpuUsage();
  const machineBefore = machineBusyMs();
  const wallBefore = performance.now();
  const peak = { proxy: before.proxy?.rssKb ?? 0, gateway: before.gateway?.rssKb ?? 0 };
  const sampler = setInterval(() => {
    for (const n of ['proxy', 'gateway'] as const) peak[n] = Math.max(peak[n], procStats(procs[n].pid)?.rssKb ?? 0);
  }, 200);
  let result: RunResult;
  try {
    result = await run();
  } finally {
    clearInterval(sampler);
  }
  const gen = process.cpuUsage(genBefore);
  const machine = (machineBusyMs() ?? NaN) - (machineBefore ?? NaN);
  const wall = performance.now() - wallBefore;
  const after = Object.fromEntries(names.map((n) => [n, procStats(procs[n].pid)]));
  const stats = requestStats(result);
  const perReq = (ms: number) => round((ms * 1000) / Math.max(1, stats.ok), 1);
  const cpu = (n: (typeof names)[number]) => perReq((after[n]?.cpuMs ?? NaN) - (before[n]?.cpuMs ?? NaN));
  const rss = (n: 'proxy' | 'gateway') => {
    const end = after[n]?.rssKb ?? NaN;
    return { start: mb(before[n]?.rssKb ?? NaN), peak: mb(Math.max(peak[n], end)), end: mb(end) };
  };
  const ours = names.reduce((sum, n) => sum + ((after[n]?.cpuMs ?? NaN) - (before[n]?.cpuMs ?? NaN)), (gen.user + gen.system) / 1000);
  const record: PhaseRecord = {
    ...meta,
    stats,
    other_cpu_cores: round(Math.max(0, machine - ours) / wall, 2),
    cpu_us_per_req: { upstream: cpu('upstream'), proxy: cpu('proxy'), gateway: cpu('gateway'), generator: perReq((gen.user + gen.system) / 1000) },
    rss_mb: { proxy: rss('proxy'), gateway: rss('gateway') },
  };
  if (labels) record.by_label = Object.fromEntries(labels.map((l) => [l, requestStats(result, l)]));
  if (result.lagMs.length) {
    const sorted = Float64Array.from(result.lagMs).sort();
    const at = (q: number) => round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)], 2);
    record.send_lag_ms = { p50: at(0.5), p99: at(0.99), max: round(sorted[sorted.length - 1], 2) };
  }
  const cache: Record<string, number> = {};
  for (const o of result.outcomes) {
    const s = o.headers['x-gatehouse-cache-status'];
    if (s) cache[s] = (cache[s] ?? 0) + 1;
  }
  if (Object.keys(cache).length) record.cache_status = cache;
  return record;
}
