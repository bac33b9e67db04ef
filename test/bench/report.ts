/**
 * The bench's verdict: a table of every phase, the gateway's cost over the direct call and over the
 * bare proxy, and the targets (docs/testing.md §6) next to the figures measured (informational marks).
 */
import type { PhaseRecord } from './phases';
import { round } from './stats';

export interface Comparison {
  load: string;
  /** Gateway minus direct upstream, ms. */
  added_p50_ms: number;
  added_p99_ms: number;
  added_ttfb_p50_ms: number;
  added_ttfb_p99_ms: number;
  /** Bare proxy minus direct upstream, ms: what the cheapest Node hop costs. */
  floor_p50_ms: number;
  floor_p99_ms: number;
  /** False when the gateway (or the bare proxy) could not keep up with the offered rate. */
  sustained: boolean;
}

export interface TargetCheck {
  issue: number;
  what: string;
  target: string;
  measured: string;
  /** null: not measured (skipped). */
  pass: boolean | null;
}

export interface Summary {
  comparisons: Comparison[];
  saturation: {
    gateway_rps: number;
    bare_proxy_rps: number;
    direct_rps: number;
    ratio: number;
    /**
     * CPU time per answer, bare proxy over gateway: the throughput ratio two CPU-bound single-loop
     * processes would reach with a core each. Much less sensitive than `ratio` to other work on the machine.
     */
    cpu_ratio: number;
  };
  routing?: { single_p50_ms: number; fallback_p50_ms: number; overhead_p50_ms: number; single_p99_ms: number; fallback_p99_ms: number };
  cache?: { hit_p50_ms: number; hit_p99_ms: number; hit_ttfb_p50_ms: number; direct_p50_ms?: number; body_bytes: number } | { skipped: string };
  /** The worst inline config a client may send: parse, validate, compile its patterns, plan (inline-config.ts). */
  inline_config?: { p50_ms: number; p99_ms: number; bytes: number };
  targets: TargetCheck[];
}

const f = (v: number | undefined, d = 2) => (v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(d));
const signed = (v: number, d = 2) => (Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${v.toFixed(d)}` : '—');
const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

export function phaseTable(phases: PhaseRecord[]): string {
  const head = [
    'phase',
    'target',
    'ok/s',
    'ok',
    'err',
    'drop',
    'p50',
    'p90',
    'p99',
    'max',
    'ttfb50',
    'ttfb99',
    'hop cpu',
    'upst cpu',
    'gen cpu',
    'rss MB',
    'other',
  ];
  const widths = [22, 23, 8, 6, 4, 5, 8, 8, 8, 8, 8, 8, 8, 8, 8, 10, 6];
  const right = (i: number) => i >= 2;
  const line = (cells: string[]) => cells.map((c, i) => (right(i) ? lpad(c, widths[i]) : pad(c, widths[i]))).join(' ');
  const rows = [line(head), line(widths.map((w) => '-'.repeat(w)))];
  let last = '';
  for (const p of phases) {
    const s = p.stats;
    const hop = p.target.startsWith('gateway') ? 'gateway' : p.target === 'bare proxy' ? 'proxy' : undefined;
    const rss = hop ? `${f(p.rss_mb[hop].peak, 0)} (${f(p.rss_mb[hop].end, 0)})` : '';
    rows.push(
      line([
        p.phase === last ? '' : p.phase,
        p.target,
        `${sustained(p) ? '' : '*'}${f(s.throughput_rps, 0)}`,
        String(s.ok),
        String(s.errors),
        String(s.dropped),
        f(s.latency_ms.p50),
        f(s.latency_ms.p90),
        f(s.latency_ms.p99),
        f(s.latency_ms.max, 1),
        f(s.ttfb_ms.p50),
        f(s.ttfb_ms.p99),
        hop ? f(p.cpu_us_per_req[hop], 0) : '',
        f(p.cpu_us_per_req.upstream, 0),
        f(p.cpu_us_per_req.generator, 0),
        rss,
        f(p.other_cpu_cores, 2),
      ]),
    );
    last = p.phase;
  }
  rows.push(
    '',
    'latency, ttfb: ms, successful answers only, from dispatch (open loop: queueing included). cpu: µs of CPU time per answer in the hop',
    '(bare proxy / gateway), the fake upstream and the load generator. rss: peak (end) of the hop process, MB. drop: not sent, 500 already waiting.',
    "other: cores kept busy by everything else on the machine during the phase (other sessions' tests); high values mean noisy figures.",
  );
  if (phases.some((p) => !sustained(p))) rows.push('* could not sustain the offered rate: its latencies are queueing time, not service time.');
  return rows.join('\n');
}

/** An open-loop phase kept up when it answered ≥ 95% of the offered rate without drops. */
export function sustained(p: PhaseRecord): boolean {
  if (!p.offered_rps) return true;
  return p.stats.dropped === 0 && p.stats.throughput_rps >= 0.95 * p.offered_rps;
}

export function comparisonTable(s: Summary): string {
  const rows = ['load              added p50   added p99   ttfb added p50   ttfb added p99   (bare proxy over direct: p50 / p99)'];
  for (const c of s.comparisons) {
    rows.push(
      `${pad(c.load + (c.sustained ? '' : ' *'), 17)} ${lpad(`${signed(c.added_p50_ms)} ms`, 9)}   ${lpad(`${signed(c.added_p99_ms)} ms`, 9)}   ${lpad(`${signed(c.added_ttfb_p50_ms)} ms`, 14)}   ${lpad(`${signed(c.added_ttfb_p99_ms)} ms`, 14)}   (${signed(c.floor_p50_ms)} / ${signed(c.floor_p99_ms)} ms)`,
    );
  }
  if (s.comparisons.some((c) => !c.sustained)) rows.push('* the gateway or the bare proxy could not sustain this rate: the difference is mostly queueing.');
  const t = s.saturation;
  rows.push(
    '',
    `saturation: gateway ${f(t.gateway_rps, 0)} req/s, bare proxy ${f(t.bare_proxy_rps, 0)} req/s, direct ${f(t.direct_rps, 0)} req/s → gateway/bare = ${f(t.ratio * 100, 0)}%`,
    `  by CPU time per answer (less sensitive to other load): bare/gateway = ${f(t.cpu_ratio * 100, 0)}%`,
  );
  if (s.routing) {
    const r = s.routing;
    rows.push(
      `routing (200 req/s, interleaved): single-provider p50 ${f(r.single_p50_ms)} ms, fallback p50 ${f(r.fallback_p50_ms)} ms → overhead ${signed(r.overhead_p50_ms, 3)} ms (p99 ${f(r.single_p99_ms)} / ${f(r.fallback_p99_ms)} ms)`,
    );
  }
  if (s.cache) {
    rows.push(
      'skipped' in s.cache
        ? `cache hit: skipped — ${s.cache.skipped}`
        : `cache hit (${Math.round(s.cache.body_bytes / 1000)} KB request, 200 req/s): p50 ${f(s.cache.hit_p50_ms)} ms, p99 ${f(s.cache.hit_p99_ms)} ms, ttfb p50 ${f(s.cache.hit_ttfb_p50_ms)} ms (direct upstream, same body: p50 ${f(s.cache.direct_p50_ms)} ms)`,
    );
  }
  return rows.join('\n');
}

export function targetChecks(s: Summary): TargetCheck[] {
  const at200 = s.comparisons.find((c) => c.load === '200 req/s');
  const checks: TargetCheck[] = [
    {
      issue: 2,
      what: 'latency added at 200 req/s, p50',
      target: '≤ 1 ms',
      measured: `${f(at200?.added_p50_ms, 3)} ms`,
      pass: at200 ? at200.added_p50_ms <= 1 : null,
    },
    {
      issue: 2,
      what: 'latency added at 200 req/s, p99',
      target: '≤ 10 ms',
      measured: `${f(at200?.added_p99_ms, 3)} ms`,
      pass: at200 ? at200.added_p99_ms <= 10 : null,
    },
    {
      issue: 2,
      what: 'saturation throughput vs bare pass-through',
      target: '≥ 50%',
      measured: `${f(s.saturation.ratio * 100, 0)}% (${f(s.saturation.gateway_rps, 0)} / ${f(s.saturation.bare_proxy_rps, 0)} req/s)`,
      pass: Number.isFinite(s.saturation.ratio) ? s.saturation.ratio >= 0.5 : null,
    },
    {
      issue: 3,
      what: 'routing overhead (fallback, first target answers), p50 at 200 req/s',
      target: '≤ 0.2 ms',
      measured: s.routing ? `${f(s.routing.overhead_p50_ms, 3)} ms` : 'not measured',
      pass: s.routing ? s.routing.overhead_p50_ms <= 0.2 : null,
    },
    {
      issue: 3,
      what: 'cache hit, 50 KB request, p50',
      target: '≤ 1 ms',
      measured: !s.cache || 'skipped' in s.cache ? 'skipped (no cache HIT)' : `${f(s.cache.hit_p50_ms, 3)} ms`,
      pass: !s.cache || 'skipped' in s.cache ? null : s.cache.hit_p50_ms <= 1,
    },
    {
      issue: 12,
      what: `worst inline config a client may send (${s.inline_config?.bytes ?? '?'} B, all limits), p50`,
      target: '≤ 1 ms',
      measured: s.inline_config ? `${f(s.inline_config.p50_ms, 3)} ms (p99 ${f(s.inline_config.p99_ms, 3)} ms)` : 'not measured',
      pass: s.inline_config ? s.inline_config.p50_ms <= 1 : null,
    },
  ];
  return checks;
}

export function targetTable(checks: TargetCheck[]): string {
  const mark = (p: boolean | null) => (p === null ? 'SKIP' : p ? 'PASS' : 'FAIL');
  const rows = checks.map((c) => `  [${mark(c.pass)}] issue ${c.issue}: ${pad(c.what, 66)} target ${pad(c.target, 9)} measured ${c.measured}`);
  rows.push('  (for scale: the Portkey OSS gateway adds ~26–40 ms p50 on streaming and saturates near 300 req/s with such bodies — issue 2)');
  return rows.join('\n');
}

export function summarise(phases: PhaseRecord[], routing: Summary['routing'], cache: Summary['cache'], inline?: Summary['inline_config']): Summary {
  const find = (phase: string, target: string) => phases.find((p) => p.phase === phase && p.target === target);
  const comparisons: Comparison[] = [];
  for (const load of ['200 req/s', '1000 req/s', 'saturation']) {
    const phase = phases.find((p) => p.phase.startsWith(load))?.phase;
    if (!phase) continue;
    const d = find(phase, 'direct');
    const b = find(phase, 'bare proxy');
    const g = find(phase, 'gateway');
    if (!d || !g) continue;
    comparisons.push({
      load,
      added_p50_ms: round(g.stats.latency_ms.p50 - d.stats.latency_ms.p50),
      added_p99_ms: round(g.stats.latency_ms.p99 - d.stats.latency_ms.p99),
      added_ttfb_p50_ms: round(g.stats.ttfb_ms.p50 - d.stats.ttfb_ms.p50),
      added_ttfb_p99_ms: round(g.stats.ttfb_ms.p99 - d.stats.ttfb_ms.p99),
      floor_p50_ms: round((b?.stats.latency_ms.p50 ?? NaN) - d.stats.latency_ms.p50),
      floor_p99_ms: round((b?.stats.latency_ms.p99 ?? NaN) - d.stats.latency_ms.p99),
      sustained: sustained(g) && (!b || sustained(b)),
    });
  }
  const sat = phases.find((p) => p.phase.startsWith('saturation'))?.phase ?? '';
  const rps = (t: string) => round(find(sat, t)?.stats.throughput_rps ?? NaN, 1);
  const cpuOf = (t: string, hop: 'proxy' | 'gateway') => find(sat, t)?.cpu_us_per_req[hop] ?? NaN;
  const saturation = {
    gateway_rps: rps('gateway'),
    bare_proxy_rps: rps('bare proxy'),
    direct_rps: rps('direct'),
    ratio: round(rps('gateway') / rps('bare proxy')),
    cpu_ratio: round(cpuOf('bare proxy', 'proxy') / cpuOf('gateway', 'gateway')),
  };
  const summary: Summary = { comparisons, saturation, routing, cache, inline_config: inline, targets: [] };
  summary.targets = targetChecks(summary);
  return summary;
}
