/**
 * One measured phase: a run of load against one target, with the CPU time the hop and the upstream
 * spent during it (per successful request), the peak RSS of the hop, and what the hop's probe saw
 * from inside (longest event-loop stall and GC pause).
 */
import type { RunResult } from './load';
import type { ProbeReading } from './probe';
import type { Child } from './processes';
import { machineBusyMs, procStats } from './processes';
import { type RequestStats, requestStats, round } from './stats';

export interface Processes {
  upstream: Child;
  /** The process the target's requests cross (none for direct calls to the upstream). */
  hop?: Child;
  /** Every other bench process (their CPU time is ours, not "other"). */
  rest: Child[];
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
  cpu_us_per_req: Record<'upstream' | 'hop' | 'generator', number>;
  /** RSS of the hop process: at the start, peak during, at the end (MB). */
  rss_mb?: { start: number; peak: number; end: number };
  /** Measured inside the hop (probe.ts), when it runs the probe: ms. */
  hop_inside?: Omit<ProbeReading, 'probe' | 'firestore'>;
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
  const { upstream, hop } = procs;
  const all = [upstream, ...(hop ? [hop] : []), ...procs.rest];
  const before = new Map(all.map((c) => [c, procStats(c.pid)]));
  const genBefore = process.cpuUsage();
  const machineBefore = machineBusyMs();
  const wallBefore = performance.now();
  let peak = hop ? (before.get(hop)?.rssKb ?? 0) : 0;
  const sampler = setInterval(() => {
    if (hop) peak = Math.max(peak, procStats(hop.pid)?.rssKb ?? 0);
  }, 200);
  hop?.probe?.mark();
  let result: RunResult;
  try {
    result = await run();
  } finally {
    clearInterval(sampler);
  }
  const inside = await hop?.probe?.read();
  const gen = process.cpuUsage(genBefore);
  const machine = (machineBusyMs() ?? NaN) - (machineBefore ?? NaN);
  const wall = performance.now() - wallBefore;
  const after = new Map(all.map((c) => [c, procStats(c.pid)]));
  const stats = requestStats(result);
  const spent = (c: Child) => (after.get(c)?.cpuMs ?? NaN) - (before.get(c)?.cpuMs ?? NaN);
  const perReq = (ms: number) => round((ms * 1000) / Math.max(1, stats.ok), 1);
  const ours = all.reduce((sum, c) => sum + spent(c), (gen.user + gen.system) / 1000);
  const record: PhaseRecord = {
    ...meta,
    stats,
    other_cpu_cores: round(Math.max(0, machine - ours) / wall, 2),
    cpu_us_per_req: { upstream: perReq(spent(upstream)), hop: hop ? perReq(spent(hop)) : NaN, generator: perReq((gen.user + gen.system) / 1000) },
  };
  if (hop) {
    const end = after.get(hop)?.rssKb ?? NaN;
    record.rss_mb = { start: mb(before.get(hop)?.rssKb ?? NaN), peak: mb(Math.max(peak, end)), end: mb(end) };
  }
  if (inside) {
    const { stall_max_ms, longest_tick_gap, stall_p99_ms, gc_max_ms, gc_max_kind, gc_count, gc_total_ms, memory_mb } = inside;
    record.hop_inside = {
      stall_max_ms: round(stall_max_ms, 1),
      longest_tick_gap: { wall_ms: round(longest_tick_gap.wall_ms, 1), cpu_ms: round(longest_tick_gap.cpu_ms, 1) },
      stall_p99_ms: round(stall_p99_ms, 1),
      gc_max_ms: round(gc_max_ms, 1),
      gc_max_kind,
      gc_count,
      gc_total_ms: round(gc_total_ms, 0),
      memory_mb,
    };
  }
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
