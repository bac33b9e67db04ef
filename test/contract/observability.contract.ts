import type { z } from 'zod';
import { groups, timeseries } from '../../services/gateway/src/admin/analytics';
import type { Actor } from '../../services/gateway/src/admin/authorize';
import { type AdminContext, parseInput, type Reply } from '../../services/gateway/src/admin/context';
import { searchLogs } from '../../services/gateway/src/admin/logs';
import { foldMetadataParams, GroupsQuery, LogSearchQuery, TimeseriesQuery } from '../../services/gateway/src/admin/observability-schemas';
import { bucketOf, LATENCY_BOUNDS_MS } from '../../services/shared/src/store/rollups';
import type { Store } from '../../services/shared/src/store/port';
import type { UsageEvent } from '../../services/shared/src/usage-event';
import { createAggregator } from '../../services/worker/src/budgets/aggregator';
import { silentLogger } from '../helpers/log';
import { newestFirst, traffic, trafficEvent } from '../helpers/traffic';

const ORG: Actor = {
  id: 'a'.repeat(64),
  key_id: 'key_org',
  name: 'org',
  type: 'organisation',
  kind: 'user',
  scopes: [],
  defaults: {},
  prefix: '',
  status: 'active',
};
const ALPHA: Actor = { ...ORG, key_id: 'key_alpha_admin', name: 'alpha admin', type: 'workspace', workspace_id: 'alpha' };

/** 90 requests over two days and two workspaces (helpers/traffic.ts). */
const EVENTS = traffic(90);
const NOW = Date.parse('2026-11-05T00:00:00.000Z');

type Handler<S extends z.ZodType> = (ctx: AdminContext, q: z.infer<S>) => Promise<Reply>;

/**
 * Log search and analytics against one store adapter, over traffic seeded through the worker's own
 * aggregator: every filter and group-by, checked against sums computed from the seeded events.
 */
export function observabilityContract(name: string, make: () => Promise<Store>): void {
  describe(`request logs and analytics: ${name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await make();
      await seed(store, EVENTS);
    }, 60_000);
    afterAll(() => store.close());

    async function ask<S extends z.ZodType>(handler: Handler<S>, schema: S, query: Record<string, string>, actor = ORG) {
      const ctx = { store, actor, now: () => NOW, requestId: 'req', log: silentLogger('admin'), auditRetentionDays: 1, what: 'test' };
      return (await handler(ctx as AdminContext, parseInput(schema, foldMetadataParams(query), 'query'))) as Reply & { body: any };
    }
    const search = (q: Record<string, string>, actor = ORG) =>
      ask(searchLogs, LogSearchQuery, { from: '2026-11-01', to: '2026-11-04', limit: '1000', ...q }, actor);
    const ids = async (q: Record<string, string>, actor = ORG) => (await search(q, actor)).body.data.map((l: { id: string }) => l.id);

    it.each<[string, Record<string, string>, (e: UsageEvent) => boolean]>([
      ['every log', {}, () => true],
      ['key', { key_id: 'key-a2' }, (e) => e.key_id === 'key-a2'],
      ['workspace', { workspace_id: 'beta' }, (e) => e.workspace_id === 'beta'],
      ['model', { model: 'claude-opus-4-1' }, (e) => e.model_requested === 'claude-opus-4-1'],
      ['provider, as @slug', { provider: '@anthropic-prod' }, (e) => e.provider === 'anthropic-prod'],
      ['status', { status: '529' }, (e) => e.status === 529],
      ['outcome', { outcome: 'client_cancel' }, (e) => e.outcome === 'client_cancel'],
      ['trace id', { trace_id: 'trace-3' }, (e) => e.trace_id === 'trace-3'],
      ['Claude Code session', { session_id: 'session-2' }, (e) => e.session_id === 'session-2'],
      ['metadata', { 'metadata.team': 'web' }, (e) => e.metadata.team === 'web'],
      ['metadata inside a workspace', { 'metadata.user': 'u1', workspace_id: 'alpha' }, (e) => e.metadata.user === 'u1' && e.workspace_id === 'alpha'],
      [
        'several filters at once',
        { workspace_id: 'alpha', model: 'claude-sonnet-4-6', outcome: 'success' },
        (e) => e.workspace_id === 'alpha' && e.model_requested === 'claude-sonnet-4-6' && e.outcome === 'success',
      ],
      [
        'time range',
        { from: '2026-11-02T05:00:00Z', to: '2026-11-02T09:59:59.999Z' },
        (e) => e.timestamp >= '2026-11-02T05:00:00.000Z' && e.timestamp <= '2026-11-02T09:59:59.999Z',
      ],
      ['a whole day', { from: '2026-11-03', to: '2026-11-03' }, (e) => e.timestamp.startsWith('2026-11-03')],
    ])('finds logs by %s, newest first', async (_name, query, want) => {
      const expected = newestFirst(EVENTS.filter(want));
      expect(expected.length).toBeGreaterThan(0);
      expect(await ids(query)).toEqual(expected);
    });

    it("shows a workspace key only its own workspace's logs, and refuses another's", async () => {
      expect(await ids({}, ALPHA)).toEqual(newestFirst(EVENTS.filter((e) => e.workspace_id === 'alpha')));
      await expect(search({ workspace_id: 'beta' }, ALPHA)).rejects.toMatchObject({ type: 'permission_error' });
    });

    it('returns the whole record: tokens, cost, attempts, cache, trace and session', async () => {
      const e = EVENTS[10];
      const [log] = (await search({ trace_id: e.trace_id, session_id: e.session_id!, key_id: e.key_id!, from: e.timestamp, to: e.timestamp })).body.data;
      expect(log).toMatchObject({
        id: e.request_id,
        event_id: e.event_id,
        usage: e.usage,
        cost_micros: e.cost_micros,
        latency_ms: e.latency_ms,
        cache: e.cache,
        metadata: e.metadata,
        model_requested: e.model_requested,
      });
      expect(Date.parse(log.expires_at) - Date.parse(e.timestamp)).toBe(30 * 86_400_000);
    });

    it('pages through every log once, with no repeats or gaps, while newer requests are logged', async () => {
      const want = newestFirst(EVENTS);
      const seen: string[] = [];
      let cursor: string | undefined;
      let page = 0;
      do {
        const res = await search({ limit: '7', to: '2026-11-10', ...(cursor ? { cursor } : {}) });
        seen.push(...res.body.data.map((l: { id: string }) => l.id));
        cursor = res.body.next_cursor ?? undefined;
        // Newer traffic arrives between pages (later than every page read so far).
        await seed(store, [trafficEvent(++page, Date.parse('2026-11-06T00:00:00.000Z'))]);
      } while (cursor);
      expect(page).toBe(Math.ceil(want.length / 7));
      expect(seen).toEqual(want);
    });

    it('exports a page as CSV with the next cursor in a header', async () => {
      const res = await search({ limit: '5', format: 'csv' });
      const lines = (res.body as string).trim().split('\r\n');
      expect(lines[0].split(',').slice(0, 3)).toEqual(['timestamp', 'id', 'trace_id']);
      expect(lines.slice(1).map((l) => l.split(',')[1])).toEqual(newestFirst(EVENTS).slice(0, 5));
      expect(res.headers?.['x-gatehouse-next-cursor']).toEqual(expect.any(String));
    });

    it('rejects two metadata filters and a cursor it never issued', async () => {
      await expect(search({ 'metadata.team': 'web', 'metadata.user': 'u1' })).rejects.toMatchObject({ type: 'invalid_request_error' });
      await expect(search({ cursor: 'bm90IGEgY3Vyc29y' })).rejects.toThrow(/cursor/);
    });

    const range = { from: '2026-11-02', to: '2026-11-03' };
    const inRange = (e: UsageEvent) => e.timestamp < '2026-11-04';

    it.each<[string, (e: UsageEvent) => string | undefined]>([
      ['key', (e) => e.key_id],
      ['workspace', (e) => e.workspace_id],
      ['model', (e) => e.model_requested],
      ['provider', (e) => e.provider],
      ['metadata.team', (e) => e.metadata.team],
      ['metadata.user', (e) => e.metadata.user],
    ])('groups by %s with the sums of the seeded requests', async (groupBy, groupOf) => {
      const res = await ask(groups, GroupsQuery, { ...range, group_by: groupBy });
      const values = [
        ...new Set(
          EVENTS.filter(inRange)
            .map(groupOf)
            .filter((v) => v !== undefined),
        ),
      ];
      expect(res.body.data.map((g: { value: string }) => g.value).sort()).toEqual(values.sort());
      for (const g of res.body.data) expect(g).toMatchObject(expectedMetrics(EVENTS.filter((e) => inRange(e) && groupOf(e) === g.value)));
      expect(res.body.totals).toMatchObject(expectedMetrics(EVENTS.filter(inRange)));
    });

    it('groups inside one workspace, for a workspace key', async () => {
      const res = await ask(groups, GroupsQuery, { ...range, group_by: 'model', granularity: 'hour' }, ALPHA);
      for (const g of res.body.data) {
        expect(g).toMatchObject(expectedMetrics(EVENTS.filter((e) => inRange(e) && e.workspace_id === 'alpha' && e.model_requested === g.value)));
      }
      expect(res.body.totals).toMatchObject(expectedMetrics(EVENTS.filter((e) => inRange(e) && e.workspace_id === 'alpha')));
    });

    it('groups the same by the hour over a month, where it queries the dimension instead of reading by id', async () => {
      const month = { from: '2026-11-02', to: '2026-12-02' };
      const byHour = await ask(groups, GroupsQuery, { ...month, group_by: 'key', granularity: 'hour' });
      const byDay = await ask(groups, GroupsQuery, { ...month, group_by: 'key' });
      // 744 hours times the keys is past what a group-by reads by id (analytics.ts, MAX_BY_ID).
      expect(byHour.body.data.length * 744).toBeGreaterThan(2000);
      expect(byHour.body.data).toEqual(byDay.body.data);
      expect(byHour.body.totals).toEqual(byDay.body.totals);
    });

    it.each(['hour', 'day'] as const)('gives a %s time series with every bucket and the right sums', async (granularity) => {
      const res = await ask(timeseries, TimeseriesQuery, { ...range, granularity });
      const len = granularity === 'hour' ? 13 : 10;
      expect(res.body.buckets).toHaveLength(granularity === 'hour' ? 48 : 2);
      for (const b of res.body.buckets) {
        expect(b).toMatchObject(expectedMetrics(EVENTS.filter((e) => e.timestamp.slice(0, len) === b.start.slice(0, len))));
      }
      expect(res.body.totals).toMatchObject(expectedMetrics(EVENTS.filter(inRange)));
    });

    it.each<[string, Record<string, string>, (e: UsageEvent) => boolean]>([
      ['key', { key_id: 'key-b1' }, (e) => e.key_id === 'key-b1'],
      ['model', { model: 'claude-opus-4-1' }, (e) => e.model_requested === 'claude-opus-4-1'],
      ['provider', { provider: 'vertex-prod' }, (e) => e.provider === 'vertex-prod'],
      ['metadata', { 'metadata.team': 'api' }, (e) => e.metadata.team === 'api'],
      [
        'workspace and model',
        { workspace_id: 'beta', model: 'claude-sonnet-4-6' },
        (e) => e.workspace_id === 'beta' && e.model_requested === 'claude-sonnet-4-6',
      ],
    ])('filters a time series by %s', async (_name, filter, want) => {
      const res = await ask(timeseries, TimeseriesQuery, { ...range, ...filter });
      expect(res.body.totals).toMatchObject(expectedMetrics(EVENTS.filter((e) => inRange(e) && want(e))));
    });

    it('exports groups and time series as CSV', async () => {
      const csv = (await ask(groups, GroupsQuery, { ...range, group_by: 'workspace', format: 'csv' })).body as string;
      const [header, ...rows] = csv.trim().split('\r\n');
      expect(header.split(',').slice(0, 3)).toEqual(['value', 'requests', 'errors']);
      const alpha = rows.find((r) => r.startsWith('alpha,'))!.split(',');
      expect(Number(alpha[1])).toBe(EVENTS.filter((e) => inRange(e) && e.workspace_id === 'alpha').length);
      const series = (await ask(timeseries, TimeseriesQuery, { ...range, format: 'csv' })).body as string;
      expect(series.trim().split('\r\n')).toHaveLength(3);
    });

    it('refuses an hour series longer than 31 days and a second time-series filter', async () => {
      await expect(ask(timeseries, TimeseriesQuery, { from: '2026-01-01', to: '2026-03-01', granularity: 'hour' })).rejects.toThrow(/more than 744 hours/);
      await expect(ask(timeseries, TimeseriesQuery, { ...range, model: 'x', key_id: 'y' })).rejects.toThrow(/at most one/);
    });
  });
}

async function seed(store: Store, events: UsageEvent[]): Promise<void> {
  const agg = createAggregator({ store, log: silentLogger('worker'), alert: () => {}, maxWaitMs: 5, statusIntervalMs: 60_000, now: () => NOW });
  await agg.start();
  await Promise.all(events.map((e) => agg.apply(e)));
  await agg.close();
}

const ERRORS = new Set(['upstream_error', 'rejected', 'gateway_error']);

/** What the metrics of a set of requests must be, from the events themselves. */
function expectedMetrics(events: UsageEvent[]): Record<string, unknown> {
  const sum = (f: (e: UsageEvent) => number) => events.reduce((a, e) => a + f(e), 0);
  const lookups = events.filter((e) => e.cache && e.cache.status !== 'DISABLED').length;
  const hits = events.filter((e) => e.cache?.status === 'HIT').length;
  return {
    requests: events.length,
    errors: events.filter((e) => ERRORS.has(e.outcome)).length,
    cost_micros: sum((e) => e.cost_micros),
    input: sum((e) => e.usage.input),
    output: sum((e) => e.usage.output),
    cache_write_5m: sum((e) => e.usage.cache_write_5m),
    cache_write_1h: sum((e) => e.usage.cache_write_1h),
    cache_read: sum((e) => e.usage.cache_read),
    cache_hits: hits,
    cache_hit_rate: lookups ? hits / lookups : 0,
    cache_saved_micros: sum((e) => e.cache?.saved_micros ?? 0),
    latency_ms_p50: withinBucketOf(median(events.map((e) => e.latency_ms))),
    ttfb_ms_p50: withinBucketOf(median(events.flatMap((e) => (e.ttfb_ms === undefined ? [] : [e.ttfb_ms])))),
  };
}

function median(xs: number[]): number | undefined {
  if (!xs.length) return undefined;
  return [...xs].sort((a, b) => a - b)[Math.ceil(xs.length / 2) - 1];
}

/** A histogram percentile lands in the bucket of the true value (or, at its edge, the next one). */
function withinBucketOf(truth: number | undefined): unknown {
  if (truth === undefined) return null;
  const i = bucketOf(truth);
  const lower = i === 0 ? 0 : LATENCY_BOUNDS_MS[i - 1];
  const upper = LATENCY_BOUNDS_MS[i] ?? Number.POSITIVE_INFINITY;
  return { asymmetricMatch: (v: number) => v >= lower && v <= upper, toAsymmetricMatcher: () => `a number in [${lower}, ${upper}]` };
}
