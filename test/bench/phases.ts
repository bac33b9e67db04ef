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

/** What one stretch of load against one target left: its requests, and the processes' readings around it. */
export interface Slice {
  result: RunResult;
  wallMs: number;
  /** CPU time per process (ms), the generator's and the machine's busy time over the slice. */
  cpuMs: Map<Child, number>;
  generatorMs: number;
  machineMs: number;
  rss?: { start: number; peak: number; end: number };
  inside?: ProbeReading;
}

/** Runs one stretch of load, reading the processes' CPU and the hop's RSS and probe around it. */
export async function slice(procs: Processes, run: () => Promise<RunResult>): Promise<Slice> {
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
  const machineMs = (machineBusyMs() ?? NaN) - (machineBefore ?? NaN);
  const wallMs = performance.now() - wallBefore;
  const after = new Map(all.map((c) => [c, procStats(c.pid)]));
  const cpuMs = new Map(all.map((c) => [c, (after.get(c)?.cpuMs ?? NaN) - (before.get(c)?.cpuMs ?? NaN)]));
  const end = hop ? (after.get(hop)?.rssKb ?? NaN) : NaN;
  return {
    result,
    wallMs,
    cpuMs,
    generatorMs: (gen.user + gen.system) / 1000,
    machineMs,
    rss: hop ? { start: mb(before.get(hop)?.rssKb ?? NaN), peak: mb(Math.max(peak, end)), end: mb(end) } : undefined,
    inside,
  };
}

/** One phase's record from its slices (one, or several interleaved with other targets' slices). */
export function combine(
  procs: Processes,
  meta: Pick<PhaseRecord, 'phase' | 'target' | 'offered_rps' | 'connections' | 'seconds'>,
  slices: Slice[],
  labels?: string[],
): PhaseRecord {
  const { upstream, hop } = procs;
  const all = [upstream, ...(hop ? [hop] : []), ...procs.rest];
  const sum = (f: (s: Slice) => number) => slices.reduce((t, s) => t + f(s), 0);
  const result: RunResult = {
    outcomes: slices.flatMap((s) => s.result.outcomes),
    dropped: sum((s) => s.result.dropped),
    elapsedS: sum((s) => s.result.elapsedS),
    lagMs: slices.flatMap((s) => s.result.lagMs),
    stuck: sum((s) => s.result.stuck),
  };
  const stats = requestStats(result);
  const spent = (c: Child) => sum((s) => s.cpuMs.get(c) ?? NaN);
  const perReq = (ms: number) => round((ms * 1000) / Math.max(1, stats.ok), 1);
  const generator = sum((s) => s.generatorMs);
  const ours = all.reduce((t, c) => t + spent(c), generator);
  const record: PhaseRecord = {
    ...meta,
    stats,
    other_cpu_cores: round(Math.max(0, sum((s) => s.machineMs) - ours) / sum((s) => s.wallMs), 2),
    cpu_us_per_req: { upstream: perReq(spent(upstream)), hop: hop ? perReq(spent(hop)) : NaN, generator: perReq(generator) },
  };
  const rss = slices.flatMap((s) => (s.rss ? [s.rss] : []));
  if (rss.length) record.rss_mb = { start: rss[0].start, peak: Math.max(...rss.map((r) => r.peak)), end: rss[rss.length - 1].end };
  const inside = slices.flatMap((s) => (s.inside ? [s.inside] : []));
  if (inside.length) {
    const longest = <K extends 'stall_max_ms' | 'gc_max_ms'>(k: K) => inside.reduce((a, b) => (b[k] > a[k] ? b : a));
    const gap = inside.reduce((a, b) => (b.longest_tick_gap.wall_ms > a.longest_tick_gap.wall_ms ? b : a)).longest_tick_gap;
    const gc = longest('gc_max_ms');
    record.hop_inside = {
      stall_max_ms: round(longest('stall_max_ms').stall_max_ms, 1),
      longest_tick_gap: { wall_ms: round(gap.wall_ms, 1), cpu_ms: round(gap.cpu_ms, 1) },
      // Per slice, the highest: a slow slice is not averaged away.
      stall_p99_ms: round(Math.max(...inside.map((i) => i.stall_p99_ms)), 1),
      gc_max_ms: round(gc.gc_max_ms, 1),
      gc_max_kind: gc.gc_max_kind,
      gc_count: inside.reduce((t, i) => t + i.gc_count, 0),
      gc_total_ms: round(
        inside.reduce((t, i) => t + i.gc_total_ms, 0),
        0,
      ),
      memory_mb: inside[inside.length - 1].memory_mb,
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
    const st = o.headers['x-gatehouse-cache-status'];
    if (st) cache[st] = (cache[st] ?? 0) + 1;
  }
  if (Object.keys(cache).length) record.cache_status = cache;
  return record;
}

/** One phase in one stretch. */
export async function measure(
  procs: Processes,
  meta: Pick<PhaseRecord, 'phase' | 'target' | 'offered_rps' | 'connections' | 'seconds'>,
  run: () => Promise<RunResult>,
  labels?: string[],
): Promise<PhaseRecord> {
  return combine(procs, meta, [await slice(procs, run)], labels);
}
