/**
 * The worker's throughput, driven directly: usage events POSTed to its push endpoint exactly as
 * Pub/Sub push frames them, by many concurrent senders (the emulator's own push delivers a few at a
 * time, so it would measure the emulator). Each push is answered after its group commit is durable,
 * as in production, so events/s here is committed events per second. Every event falls under the
 * bench's budgets and key, the hottest case for the counters. The worker's probe counts the writes
 * each Firestore document took (probe.ts).
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'undici';
import { PUSH_PATHS } from '../../services/shared/src/bus/topics';
import { usageEventFixture } from '../helpers/usage-event';
import type { Child } from './processes';
import { procStats } from './processes';
import { percentiles } from './stats';
import { round } from './stats';

export interface WorkerRun {
  concurrency: number;
  seconds: number;
  events_ok: number;
  errors: number;
  events_per_s: number;
  ack_ms: { p50: number; p99: number; max: number };
  cpu_us_per_event: number;
  rss_mb_end: number;
  /** The most-written Firestore document: its writes in the run, per second on average and in its busiest second. */
  busiest_doc?: { path: string; writes: number; per_s_avg: number; per_s_max_1s: number; docs: number; writes_total: number };
  error_samples: string[];
}

export interface WorkerEventShape {
  workspace_id: string;
  key_id: string;
  provider: string;
  metadata: Record<string, string>;
}

export async function driveWorker(worker: Child, shape: WorkerEventShape, concurrency: number, seconds: number): Promise<WorkerRun> {
  const pool = new Pool(worker.url, { connections: concurrency, pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: 60_000, bodyTimeout: 60_000 });
  const push = () => {
    const event = usageEventFixture({
      ...shape,
      event_id: randomUUID(),
      request_id: randomUUID(),
      timestamp: new Date().toISOString(),
      provider_kind: 'anthropic',
      model_requested: 'claude-opus-4-5',
      usage: { input: 6, output: 187, cache_write_5m: 1204, cache_write_1h: 0, cache_read: 17436, web_search_requests: 0 },
      cost_micros: 27_000,
    });
    const body = JSON.stringify({
      message: { data: Buffer.from(JSON.stringify(event)).toString('base64'), messageId: event.event_id, attributes: { event_id: event.event_id } },
      subscription: 'projects/bench/subscriptions/bench-usage-push',
    });
    return pool.request({ path: PUSH_PATHS.usage, method: 'POST', headers: { 'content-type': 'application/json' }, body });
  };
  const acks: number[] = [];
  const errors: string[] = [];
  worker.probe?.mark();
  const cpuBefore = procStats(worker.pid)?.cpuMs ?? NaN;
  const start = performance.now();
  const end = start + seconds * 1000;
  const sender = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        const res = await push();
        await res.body.dump();
        if (res.statusCode === 204) acks.push(performance.now() - t0);
        else errors.push(`HTTP ${res.statusCode}`);
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, sender));
  const elapsed = (performance.now() - start) / 1000;
  const cpu = (procStats(worker.pid)?.cpuMs ?? NaN) - cpuBefore;
  const inside = await worker.probe?.read();
  await pool.close();
  const p = percentiles(acks);
  const fs = inside?.firestore;
  return {
    concurrency,
    seconds: round(elapsed, 1),
    events_ok: acks.length,
    errors: errors.length,
    events_per_s: round(acks.length / elapsed, 0),
    ack_ms: { p50: round(p.p50, 1), p99: round(p.p99, 1), max: round(p.max, 1) },
    cpu_us_per_event: round((cpu * 1000) / Math.max(1, acks.length), 0),
    rss_mb_end: round((procStats(worker.pid)?.rssKb ?? NaN) / 1024, 1),
    busiest_doc: fs
      ? {
          path: fs.max_doc,
          writes: fs.max_doc_writes,
          per_s_avg: round(fs.max_doc_writes / elapsed, 2),
          per_s_max_1s: fs.max_doc_per_s_1s,
          docs: fs.docs,
          writes_total: fs.writes,
        }
      : undefined,
    error_samples: [...new Set(errors)].slice(0, 5),
  };
}
