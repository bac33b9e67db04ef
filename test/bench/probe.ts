/**
 * Preloaded into a measured process (`node -r probe.js …`, compiled by the bench: the production
 * build runs without a TypeScript hook), so the gateway's and the worker's own code stays free of
 * bench hooks. Measures from inside the process what the parent cannot see: the longest event-loop
 * stall (perf_hooks.monitorEventLoopDelay) and the longest GC pause (PerformanceObserver on 'gc'),
 * writes heap snapshots, and, with BENCH_PROBE_FIRESTORE=1 (the worker), counts the writes each
 * Firestore document takes. Spoken to over the IPC channel the bench opens:
 * `{ probe: 'mark' }` starts a new measurement window, `{ probe: 'read' }` answers a ProbeReading,
 * `{ probe: 'heap', file }` writes a snapshot and answers `{ probe: 'heap', file }`.
 */
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';

/** Timer period of the delay monitor: a stall shorter than this may be missed, one longer is seen whole. */
export const PROBE_RESOLUTION_MS = 5;

export interface ProbeReading {
  probe: 'read';
  /** Longest event-loop stall in the window, ms (the monitor's longest interval minus its period). */
  stall_max_ms: number;
  /**
   * CPU time the process spent during its longest gap between two ticks of a PROBE_RESOLUTION_MS
   * timer, and that gap, ms. On one pinned core, CPU well below the gap means the process was
   * waiting for the core (other processes ran), not stalling on its own work.
   */
  longest_tick_gap: { wall_ms: number; cpu_ms: number };
  /** Event-loop delay, p99 over the window, ms (same correction). */
  stall_p99_ms: number;
  gc_max_ms: number;
  /** Kind of the longest pause: scavenge, mark-compact, incremental, weak-callbacks. */
  gc_max_kind: string;
  gc_count: number;
  gc_total_ms: number;
  /** process.memoryUsage() at the end of the window, MB: what the RSS is made of. */
  memory_mb: { heap_total: number; heap_used: number; external: number; array_buffers: number };
  /** Firestore documents written in the window (worker only): the busiest one's writes and span. */
  firestore?: { docs: number; writes: number; max_doc: string; max_doc_writes: number; max_doc_per_s_1s: number };
}

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak-callbacks',
};

function install(): void {
  if (!process.send) return;
  const delay = monitorEventLoopDelay({ resolution: PROBE_RESOLUTION_MS });
  delay.enable();
  let gc = { max: 0, kind: '', count: 0, total: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gc.count++;
      gc.total += e.duration;
      if (e.duration > gc.max) {
        gc.max = e.duration;
        gc.kind = GC_KINDS[(e as { detail?: { kind?: number } }).detail?.kind ?? -1] ?? 'other';
      }
    }
  }).observe({ entryTypes: ['gc'] });
  const writes = process.env.BENCH_PROBE_FIRESTORE === '1' ? countFirestoreWrites() : undefined;
  const cpuMs = () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  };
  let tick = { wall: performance.now(), cpu: cpuMs() };
  let gap = { wall_ms: 0, cpu_ms: 0 };
  setInterval(() => {
    const now = { wall: performance.now(), cpu: cpuMs() };
    if (now.wall - tick.wall > gap.wall_ms) gap = { wall_ms: now.wall - tick.wall, cpu_ms: now.cpu - tick.cpu };
    tick = now;
  }, PROBE_RESOLUTION_MS).unref();

  const corrected = (ns: number) => Math.max(0, ns / 1e6 - PROBE_RESOLUTION_MS);
  process.on('message', (m: { probe?: string; file?: string }) => {
    if (m.probe === 'mark') {
      delay.reset();
      gc = { max: 0, kind: '', count: 0, total: 0 };
      gap = { wall_ms: 0, cpu_ms: 0 };
      writes?.clear();
    } else if (m.probe === 'read') {
      const reading: ProbeReading = {
        probe: 'read',
        stall_max_ms: corrected(delay.max),
        longest_tick_gap: gap,
        stall_p99_ms: corrected(delay.percentile(99)),
        gc_max_ms: gc.max,
        gc_max_kind: gc.kind,
        gc_count: gc.count,
        gc_total_ms: gc.total,
        memory_mb: memoryMb(),
        firestore: writes ? firestoreSummary(writes) : undefined,
      };
      process.send!(reading);
    } else if (m.probe === 'heap' && m.file) {
      process.send!({ probe: 'heap', file: writeHeapSnapshot(m.file) });
    }
  });
  // The channel must not keep the process alive, nor change how it shuts down.
  process.channel?.unref();
}

function memoryMb(): ProbeReading['memory_mb'] {
  const m = process.memoryUsage();
  const mb = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;
  return { heap_total: mb(m.heapTotal), heap_used: mb(m.heapUsed), external: mb(m.external), array_buffers: mb(m.arrayBuffers) };
}

/**
 * Firestore's per-document write limit (about one per second sustained) is what group commits and
 * sharded counters are for; this counts, per document path, the times of the writes the worker
 * committed, by wrapping the client's WriteBatch (its set/create/update are the only writes the
 * worker makes: every counter and marker write goes through a batch, and a transaction's writes
 * through its own batch).
 */
function countFirestoreWrites(): Map<string, number[]> {
  const times = new Map<string, number[]>();
  const modulePath = require.resolve('@google-cloud/firestore', { paths: [process.cwd()] });
  const { WriteBatch } = require(modulePath) as { WriteBatch: { prototype: Record<string, (...a: unknown[]) => unknown> } };
  for (const method of ['set', 'create', 'update']) {
    const original = WriteBatch.prototype[method];
    WriteBatch.prototype[method] = function (this: unknown, ref: unknown, ...rest: unknown[]) {
      const path = (ref as { path?: string }).path ?? '?';
      const seen = times.get(path) ?? [];
      seen.push(performance.now());
      times.set(path, seen);
      return original.call(this, ref, ...rest);
    };
  }
  return times;
}

/**
 * The busiest document and the most writes it took within any one second. A commit that is retried
 * counts each attempt, so this errs high.
 */
function firestoreSummary(times: Map<string, number[]>): NonNullable<ProbeReading['firestore']> {
  let writes = 0;
  let maxDoc = '';
  let maxDocWrites = 0;
  let maxPerSecond = 0;
  for (const [path, t] of times) {
    writes += t.length;
    if (t.length > maxDocWrites) [maxDoc, maxDocWrites] = [path, t.length];
    for (let i = 0, j = 0; j < t.length; j++) {
      while (t[j] - t[i] >= 1000) i++;
      maxPerSecond = Math.max(maxPerSecond, j - i + 1);
    }
  }
  return { docs: times.size, writes, max_doc: maxDoc, max_doc_writes: maxDocWrites, max_doc_per_s_1s: maxPerSecond };
}

install();
