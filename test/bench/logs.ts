/**
 * `npm run bench:logs`: log search and analytics over 100,000 requests in the Firestore emulator
 * (started here unless FIRESTORE_EMULATOR_HOST is set, with the JVM's full JIT: it runs for minutes).
 * The requests are written as the worker's commits would leave them (seed()), then each query runs 30
 * times through the admin handlers; the report is the p50 and p95 of each, PASS or FAIL against the
 * target (p50 ≤ 300 ms), with the date and the load average.
 */
import { cpus, loadavg } from 'node:os';
import type { z } from 'zod';
import { groups, timeseries } from '../../services/gateway/src/admin/analytics';
import type { Actor } from '../../services/gateway/src/admin/authorize';
import { type AdminContext, parseInput, type Reply } from '../../services/gateway/src/admin/context';
import { getLog, searchLogs } from '../../services/gateway/src/admin/logs';
import { foldMetadataParams, GroupsQuery, LogSearchQuery, TimeseriesQuery } from '../../services/gateway/src/admin/observability-schemas';
import { type RequestLog, requestLogOf } from '../../services/shared/src/request-log';
import { Firestore } from '@google-cloud/firestore';
import { addDelta, type CounterCollection, type CounterDoc, emptyCounters } from '../../services/shared/src/store/counters';
import {
  COUNTER_SHARDS,
  counterShardId,
  counterShardWrite,
  createFirestoreStore,
  docId,
  logWriter,
  markerDoc,
} from '../../services/shared/src/store/firestore';
import { COLLECTIONS } from '../../services/shared/src/store/indexes';
import { DEDUP_TTL_MS } from '../../services/shared/src/store/port';
import { usageDeltas } from '../../services/worker/src/budgets/deltas';
import { EMULATORS, killGroups, launchEmulator } from '../helpers/global-setup';
import { silentLogger } from '../helpers/log';
import { usageEventFixture } from '../helpers/usage-event';

const N = Number(process.env.BENCH_LOG_REQUESTS ?? 100_000);
const RUNS = 30;
const TARGET_MS = 300;
const DAYS = 7;
const START = Date.parse('2026-11-01T00:00:00.000Z');
const ORG = { key_id: 'bench', name: 'bench', type: 'organisation' } as Actor;

function event(i: number) {
  const key = i % 50;
  return usageEventFixture({
    event_id: `bench-${i}`,
    request_id: `req_gth_bench_${String(i).padStart(7, '0')}`,
    trace_id: `trace-${i % 5000}`,
    session_id: `session-${i % 2000}`,
    timestamp: new Date(START + Math.floor((i * DAYS * 86_400_000) / N)).toISOString(),
    status: i % 20 === 0 ? 529 : 200,
    outcome: i % 20 === 0 ? 'upstream_error' : 'success',
    workspace_id: `ws-${key % 5}`,
    key_id: `key-${key}`,
    provider: i % 3 === 0 ? 'anthropic-prod' : 'vertex-prod',
    model_requested: ['claude-sonnet-4-6', 'claude-opus-4-1', 'claude-haiku-4-5'][i % 3],
    usage: { input: 100 + (i % 900), output: 200 + (i % 1700), cache_write_5m: 0, cache_write_1h: 0, cache_read: 5000, web_search_requests: 0 },
    cost_micros: 1000 + (i % 9000),
    latency_ms: 200 + ((i * 37) % 20_000),
    ttfb_ms: 100 + ((i * 13) % 2000),
    metadata: { team: `team-${i % 8}` },
  });
}

/** Events per commit, as the worker's aggregator groups them (maxEvents). */
const COMMIT = 200;

/**
 * Writes the N requests as the worker's commits of COMMIT events would leave them: each event's log
 * (in its partition, with the partition's entry and its links: logWriter) and dedup marker, and per commit one shard (picked at random, like the adapter) of every counter its
 * events move, holding their merged deltas. Built by the worker's own pure functions and the Firestore
 * adapter's encoders, then written with a BulkWriter rather than one transaction per commit (the
 * emulator ran those at ~70 requests/s). Counters are flushed every FLUSH_EVERY events so memory stays
 * bounded; a shard written twice sums, as increments do.
 */
async function seed(db: Firestore): Promise<void> {
  const FLUSH_EVERY = 20_000;
  // Unthrottled: the emulator is not a production database that needs warming up (the 500/50/5 rule).
  const writer = db.bulkWriter({ throttling: false });
  writer.onWriteError((err) => err.failedAttempts < 5);
  const col = (name: string) => db.collection(name);
  // Per shard, each collection's counters by id, folded as the adapters fold a commit's deltas.
  let byShard = new Map<string, Record<CounterCollection, Map<string, CounterDoc>>>();
  const flush = () => {
    for (const [shard, sums] of byShard)
      for (const [collection, docs] of Object.entries(sums))
        for (const doc of docs.values()) writer.set(col(collection).doc(counterShardId(doc.id, shard)), counterShardWrite(doc, shard), { merge: true });
    byShard = new Map();
  };
  const now = Date.now();
  const planLogs = logWriter();
  for (let from = 0; from < N; from += COMMIT) {
    const shard = String(Math.floor(Math.random() * COUNTER_SHARDS));
    let sums = byShard.get(shard);
    if (!sums) byShard.set(shard, (sums = emptyCounters()));
    const logs: RequestLog[] = [];
    for (let i = from; i < Math.min(from + COMMIT, N); i++) {
      const e = event(i);
      const { counted } = usageDeltas(e, []);
      logs.push(requestLogOf(e, 365 * 86_400_000));
      writer.create(col(COLLECTIONS.processedEvents).doc(docId(e.event_id)), markerDoc(e.event_id, now, DEDUP_TTL_MS));
      for (const d of counted.deltas) addDelta(sums[d.collection], d);
    }
    // The commit's logs, as writeLogs writes them beside it.
    const plan = planLogs(logs);
    for (const w of plan.writes) writer.set(db.doc(w.path), w.data, { merge: w.merge });
    plan.done();
    if ((from + COMMIT) % FLUSH_EVERY === 0) {
      flush();
      await writer.flush();
    }
  }
  flush();
  await writer.close();
}

async function main(): Promise<void> {
  let pid: number | undefined;
  if (!process.env.FIRESTORE_EMULATOR_HOST) {
    const emulator = await launchEmulator(EMULATORS[0], []);
    if (!emulator.ready) throw new Error(`the Firestore emulator did not start; see ${emulator.logPath}`);
    process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
    pid = emulator.pid;
  }
  const projectId = `bench-logs-${Date.now()}`;
  const db = new Firestore({ projectId, ignoreUndefinedProperties: true });
  const store = createFirestoreStore({ projectId, firestore: db });
  try {
    const seedStart = Date.now();
    await seed(db);
    const seedSeconds = ((Date.now() - seedStart) / 1000).toFixed(0);
    process.stderr.write(`seeded ${N} requests in ${seedSeconds} s\n`);

    const ctx = {
      store,
      actor: ORG,
      now: () => START + DAYS * 86_400_000,
      requestId: 'bench',
      log: silentLogger('bench'),
      auditRetentionDays: 1,
      what: 'bench',
    } as AdminContext;
    const ask =
      <S extends z.ZodType>(handler: (c: AdminContext, q: z.infer<S>) => Promise<Reply>, schema: S, q: Record<string, string>) =>
      () =>
        handler(ctx, parseInput(schema, foldMetadataParams(q), 'query'));
    const week = { from: '2026-11-01', to: '2026-11-07' };
    const page2 = (await searchLogs(ctx, parseInput(LogSearchQuery, { ...week }, 'query'))).body as { data: unknown[]; next_cursor: string };
    const traced = (await searchLogs(ctx, parseInput(LogSearchQuery, { ...week, trace_id: 'trace-42' }, 'query'))).body as { data: unknown[] };
    // Timing a search that finds nothing would say nothing: trace-42 is every 5,000th request.
    if (page2.data.length !== 50 || traced.data.length !== Math.ceil((N - 42) / 5000)) throw new Error('the seeded logs are not all found');
    const queries: Record<string, () => Promise<Reply>> = {
      'logs: newest 50': ask(searchLogs, LogSearchQuery, week),
      'logs: next page (cursor)': ask(searchLogs, LogSearchQuery, { ...week, cursor: page2.next_cursor }),
      'logs: by key': ask(searchLogs, LogSearchQuery, { ...week, key_id: 'key-7' }),
      'logs: by trace': ask(searchLogs, LogSearchQuery, { ...week, trace_id: 'trace-42' }),
      'logs: by session': ask(searchLogs, LogSearchQuery, { ...week, session_id: 'session-42' }),
      'logs: one by id': () => getLog(ctx, 'req_gth_bench_0004242'),
      'logs: workspace + model': ask(searchLogs, LogSearchQuery, { ...week, workspace_id: 'ws-2', model: 'claude-opus-4-1' }),
      'logs: metadata': ask(searchLogs, LogSearchQuery, { ...week, 'metadata.team': 'team-3' }),
      'analytics: 7 days by day': ask(timeseries, TimeseriesQuery, week),
      'analytics: 7 days by hour': ask(timeseries, TimeseriesQuery, { ...week, granularity: 'hour' }),
      'analytics: group by model': ask(groups, GroupsQuery, { ...week, group_by: 'model' }),
      'analytics: group by key': ask(groups, GroupsQuery, { ...week, group_by: 'key' }),
      'analytics: group by team': ask(groups, GroupsQuery, { ...week, group_by: 'metadata.team' }),
    };
    const rows: string[] = [];
    for (const [name, run] of Object.entries(queries)) {
      await run(); // warm
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const t = performance.now();
        await run();
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      const p50 = times[Math.floor(RUNS / 2)];
      const verdict = p50 <= TARGET_MS ? 'PASS' : 'FAIL';
      rows.push(`${name.padEnd(30)} p50 ${p50.toFixed(1).padStart(7)} ms   p95 ${times[Math.floor(RUNS * 0.95)].toFixed(1).padStart(7)} ms   ${verdict}`);
    }
    const load = loadavg().map((l) => l.toFixed(1));
    process.stdout.write(
      `${new Date().toISOString()}, load average ${load.join(' ')} (${cpus().length} CPUs), seeding took ${seedSeconds} s\n` +
        `${N} requests over ${DAYS} days, Firestore emulator, ${RUNS} runs each; target p50 <= ${TARGET_MS} ms:\n${rows.join('\n')}\n`,
    );
  } finally {
    await store.close();
    await db.terminate();
    if (pid) killGroups([pid], 'SIGTERM');
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
