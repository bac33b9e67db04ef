import type { BudgetAlert } from '../../services/shared/src/budget/alert';
import type { Budget } from '../../services/shared/src/budget/entity';
import { budgetFixture } from '../helpers/budget';
import { createFirestoreStore } from '../../services/shared/src/store/firestore';
import { createMemoryStore } from '../../services/shared/src/store/memory';
import type { Store } from '../../services/shared/src/store/port';
import { createAggregator } from '../../services/worker/src/budgets/aggregator';
import { describeIf, eventually, firestoreAvailable, uniqueProjectId } from '../helpers/emulators';
import { silentLogger } from '../helpers/log';
import { usageEventFixture } from '../helpers/usage-event';

const budget = (over: Partial<Budget>): Budget => budgetFixture({ limit: 10_000, ...over });

const web = (over = {}) => usageEventFixture({ metadata: { team: 'web' }, cost_micros: 1000, ...over });

/** The worker's usage pipeline against one store adapter: exactly once, group-committed, alerting once. */
function aggregatorSuite(name: string, makeStores: (n: number) => Promise<Store[]>): void {
  describe(`usage aggregation: ${name}`, () => {
    const closers: Array<() => Promise<void>> = [];
    afterAll(async () => {
      for (const c of closers.reverse()) await c();
    });

    async function worker(store: Store, maxWaitMs = 5) {
      const alerts: BudgetAlert[] = [];
      const agg = createAggregator({ store, log: silentLogger('worker'), alert: (a) => alerts.push(a), maxWaitMs, statusIntervalMs: 60_000 });
      await agg.start();
      closers.push(() => agg.close());
      return { agg, alerts };
    }

    async function stores(n: number, budgets: Budget[]) {
      const all = await makeStores(n);
      closers.push(async () => void (await Promise.all(all.map((s) => s.close()))));
      for (const b of budgets) await all[0].budgets.put(b.id, b);
      return all;
    }

    it('counts each event into every covering budget window, the monthly totals and the daily rollups', async () => {
      const [store] = await stores(1, [
        budget({}),
        budget({
          id: 'key-a-tokens',
          scope: { type: 'key', key_id: 'key-a' },
          metric: 'input_output_tokens',
          limit: 1000,
          period: { kind: 'day', time_zone: 'UTC' },
        }),
        budget({ id: 'other-team', scope: { type: 'metadata', key: 'team', value: 'api' } }),
      ]);
      const { agg } = await worker(store);
      const events = [
        web({ timestamp: '2025-06-15T10:00:00.000Z' }),
        web({ timestamp: '2025-06-16T10:00:00.000Z' }),
        web({ timestamp: '2025-07-01T00:00:00.000Z', model_requested: 'claude-opus-4-1' }),
      ];
      expect(await Promise.all(events.map((e) => agg.apply(e)))).toEqual([true, true, true]);
      expect(await store.counter('budget_counters', 'team-web|2025-06-01T00:00:00.000Z')).toMatchObject({ usage: 2000, requests: 2 });
      expect(await store.counter('budget_counters', 'team-web|2025-07-01T00:00:00.000Z')).toMatchObject({ usage: 1000, requests: 1 });
      expect(await store.counter('budget_counters', 'key-a-tokens|2025-06-16T00:00:00.000Z')).toMatchObject({ usage: 30, requests: 1 });
      expect(await store.queryCounters('budget_counters', { where: { budget_id: 'other-team' } })).toEqual([]);
      expect(await store.usageTotals('key', 'key-a', '2025-06')).toMatchObject({ requests: 2, cost_micros: 2000 });
      const byModel = await store.queryCounters('usage_rollups', {
        where: { dimension: 'model' },
        range: { field: 'day', from: '2025-06-01', to: '2025-07-31' },
      });
      expect(byModel.map((d) => [d.value, d.day, d.requests, d.cost_micros])).toEqual([
        ['claude-opus-4-1', '2025-07-01', 1, 1000],
        ['claude-sonnet-4-5', '2025-06-15', 1, 1000],
        ['claude-sonnet-4-5', '2025-06-16', 1, 1000],
      ]);
      const byTeam = await store.queryCounters('usage_rollups', {
        where: { dimension: 'metadata.team', value: 'web' },
        range: { field: 'day', from: '2025-06-01', to: '2025-06-30' },
      });
      expect(byTeam.map((d) => d.input)).toEqual([10, 10]);
    });

    it('applies a redelivered event once, in the same batch or a later one', async () => {
      const [store] = await stores(1, [budget({})]);
      const { agg } = await worker(store);
      const e = web();
      expect((await Promise.all([agg.apply(e), agg.apply(e)])).sort()).toEqual([false, true]);
      expect(await agg.apply(e)).toBe(false);
      expect(await store.counter('budget_counters', 'team-web|2025-06-01T00:00:00.000Z')).toMatchObject({ usage: 1000, requests: 1 });
    });

    it('applies events pushed to two workers at once exactly once', async () => {
      const [s1, s2] = await stores(2, [budget({})]);
      const [a, b] = [await worker(s1), await worker(s2)];
      const events = Array.from({ length: 40 }, (_, i) => web({ event_id: `two-${i}`, cost_micros: i + 1 }));
      const results = await Promise.all(events.flatMap((e) => [a.agg.apply(e), b.agg.apply(e)]));
      expect(results.filter(Boolean)).toHaveLength(40);
      expect(await s1.counter('budget_counters', 'team-web|2025-06-01T00:00:00.000Z')).toMatchObject({ usage: (40 * 41) / 2, requests: 40 });
    });

    it('a worker killed between commit and ack: the redelivery to another worker changes nothing', async () => {
      const [s1, s2] = await stores(2, [budget({})]);
      const first = await worker(s1);
      const events = Array.from({ length: 5 }, (_, i) => web({ event_id: `crash-${i}` }));
      await Promise.all(events.map((e) => first.agg.apply(e))); // committed; the acks never reach Pub/Sub
      const second = await worker(s2);
      expect(await Promise.all(events.map((e) => second.agg.apply(e)))).toEqual([false, false, false, false, false]);
      expect(await s2.counter('budget_counters', 'team-web|2025-06-01T00:00:00.000Z')).toMatchObject({ usage: 5000, requests: 5 });
    });

    it('writes a hot budget once per group commit, not once per event', async () => {
      const [store] = await stores(1, [budget({ limit: 1e12 })]);
      let commits = 0;
      const counted = store.applyCounted.bind(store);
      store.applyCounted = (events) => {
        commits++;
        return counted(events);
      };
      const { agg } = await worker(store, 200);
      await Promise.all(Array.from({ length: 300 }, (_, i) => agg.apply(web({ event_id: `hot-${i}` }))));
      expect(commits).toBeLessThanOrEqual(3); // 200 per batch, or whatever arrived within 200 ms
      expect(await store.counter('budget_counters', 'team-web|2025-06-01T00:00:00.000Z')).toMatchObject({ requests: 300 });
    });

    it('keeps the budget status and raises each threshold once per window', async () => {
      const [store] = await stores(1, [budget({})]);
      const { agg, alerts } = await worker(store);
      const at = (day: string, i: number) => web({ event_id: `st-${day}-${i}`, timestamp: `2025-06-${day}T10:00:00.000Z`, cost_micros: 3000 });
      for (let i = 0; i < 2; i++) await agg.apply(at('10', i));
      await agg.flush();
      expect(await store.budgetStatus.get('team-web')).toMatchObject({
        usage: 6000,
        limit: 10_000,
        state: 'warning',
        alerted: [50],
        window_start: '2025-06-01T00:00:00.000Z',
        window_end: '2025-07-01T00:00:00.000Z',
      });
      await agg.apply(at('11', 0));
      await agg.flush();
      await agg.apply(at('11', 1));
      await agg.flush();
      await agg.apply(at('11', 2));
      await agg.flush();
      expect(await store.budgetStatus.get('team-web')).toMatchObject({ usage: 15_000, state: 'exhausted', alerted: [50, 80, 100] });
      expect(alerts.map((a) => [a.threshold, a.usage, a.alert_id])).toEqual([
        [50, 6000, 'team-web|2025-06-01T00:00:00.000Z|50'],
        [80, 9000, 'team-web|2025-06-01T00:00:00.000Z|80'],
        [100, 12_000, 'team-web|2025-06-01T00:00:00.000Z|100'],
      ]);
      // a new window starts at zero and alerts again
      await agg.apply(web({ event_id: 'july', timestamp: '2025-07-02T00:00:00.000Z', cost_micros: 5000 }));
      await agg.flush();
      expect(await store.budgetStatus.get('team-web')).toMatchObject({
        usage: 5000,
        state: 'warning',
        alerted: [50],
        window_start: '2025-07-01T00:00:00.000Z',
      });
      expect(alerts).toHaveLength(4);
      // The history holds each alert delivered, once, newest first, kept as long as the request logs.
      const history = await store.budgetAlerts.list({ budget_id: 'team-web', limit: 10 });
      expect(history.map((a) => a.alert_id)).toEqual([...alerts].reverse().map((a) => a.alert_id));
      expect(history.map(({ expires_at: _e, workspace_id: _w, ...a }) => a)).toEqual([...alerts].reverse());
      for (const a of history) expect(Date.parse(a.expires_at) - Date.parse(a.time)).toBe(30 * 86_400_000);
    });

    it('recomputes statuses on its timer without being flushed', async () => {
      const [store] = await stores(1, [budget({})]);
      const agg = createAggregator({ store, log: silentLogger('worker'), alert: () => {}, maxWaitMs: 5, statusIntervalMs: 50 });
      await agg.start();
      closers.push(() => agg.close());
      await agg.apply(web({ cost_micros: 10_000 }));
      await eventually(async () => expect((await store.budgetStatus.get('team-web'))?.state).toBe('exhausted'));
    });
  });
}

aggregatorSuite('memory', async (n) => {
  const store = createMemoryStore();
  return Array.from({ length: n }, () => store);
});

describeIf(firestoreAvailable())('Firestore emulator', () => {
  const projectId = uniqueProjectId('aggregator');
  let i = 0;
  // Two workers are two clients on one database.
  aggregatorSuite('firestore', async (n) => {
    const prefix = `a${++i}_`;
    return Array.from({ length: n }, () => createFirestoreStore({ projectId, prefix }));
  });
});
