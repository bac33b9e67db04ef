import type { BudgetAlertRecord } from '../../services/shared/src/budget/alert';
import type { BudgetStatus } from '../../services/shared/src/budget/entity';
import type { CountedEvent, CounterDelta } from '../../services/shared/src/store/counters';
import type { Store } from '../../services/shared/src/store/port';
import { requestLogOf } from '../../services/shared/src/request-log';
import { usageEventFixture } from '../helpers/usage-event';

const delta = (id: string, n: number, fields: Record<string, string> = {}) => ({
  collection: 'budget_counters' as const,
  id,
  fields: { budget_id: 'b', ...fields },
  inc: { usage: n, requests: 1 },
});
const ev = (event_id: string, ...deltas: CounterDelta[]): CountedEvent => ({ event_id, deltas });

const status = (usage: number, over: Partial<BudgetStatus> = {}): BudgetStatus => ({
  budget_id: 'b',
  version: 1,
  window_start: '2025-06-01T00:00:00.000Z',
  usage,
  limit: 100,
  state: 'ok',
  alerted: [],
  updated_at: '2025-06-01T00:00:00.000Z',
  ...over,
});

const alert = (budget_id: string, threshold: number, time: string, workspace_id?: string): BudgetAlertRecord => ({
  version: 1,
  alert_id: `${budget_id}|2025-06-01T00:00:00.000Z|${threshold}`,
  budget_id,
  budget_name: `Budget ${budget_id}`,
  scope: { type: 'provider', provider: '@vertex' },
  metric: 'cost',
  threshold,
  usage: threshold,
  limit: 100,
  state: threshold >= 100 ? 'exhausted' : 'warning',
  window_start: '2025-06-01T00:00:00.000Z',
  window_end: '2025-07-01T00:00:00.000Z',
  time,
  ...(workspace_id ? { workspace_id } : {}),
  // Far ahead: the memory store drops records past their expiry, as the TTL policy does.
  expires_at: '2099-01-01T00:00:00.000Z',
});

/** Counters, rollups and budget statuses: what the worker's group commits rely on. */
export function countersContract(name: string, make: () => Promise<Store>): void {
  describe(`Store counters contract: ${name}`, () => {
    const opened: Store[] = [];
    const fresh = async () => {
      const s = await make();
      opened.push(s);
      return s;
    };
    afterAll(() => Promise.all(opened.map((s) => s.close())));

    it('applies a batch once per event id, summing every delta of the events it applies', async () => {
      const s = await fresh();
      const applied = await s.applyCounted([ev('e1', delta('c1', 5)), ev('e2', delta('c1', 7), delta('c2', 1)), ev('e1', delta('c1', 5))]);
      expect([...applied].sort()).toEqual(['e1', 'e2']);
      expect(await s.counter('budget_counters', 'c1')).toMatchObject({ id: 'c1', budget_id: 'b', usage: 12, requests: 2 });
      expect(await s.counter('budget_counters', 'c2')).toMatchObject({ usage: 1, requests: 1 });
      // redelivered in a later batch, alone or beside a new event
      expect([...(await s.applyCounted([ev('e2', delta('c1', 7)), ev('e3', delta('c1', 1))]))]).toEqual(['e3']);
      expect(await s.counter('budget_counters', 'c1')).toMatchObject({ usage: 13, requests: 3 });
      expect(await s.counter('budget_counters', 'nope')).toBeUndefined();
      const some = await s.counters('budget_counters', ['c2', 'nope', 'c1', 'c2']);
      expect(some.sort((a, b) => (a.id < b.id ? -1 : 1))).toMatchObject([
        { id: 'c1', usage: 13, requests: 3 },
        { id: 'c2', usage: 1, requests: 1 },
      ]);
      expect(await s.counters('budget_counters', [])).toEqual([]);
      // A field named for a value (rollups.ts, `values:` rollups) keeps dots and spaces as they are.
      await s.applyCounted([ev('odd', { collection: 'usage_rollups', id: 'values:metadata.team|*|2025-06-01', fields: {}, inc: { 'v:web.ui team': 2 } })]);
      expect(await s.counter('usage_rollups', 'values:metadata.team|*|2025-06-01')).toMatchObject({ 'v:web.ui team': 2 });
    });

    it('applies one event pushed to two workers at once exactly once', async () => {
      const s = await fresh();
      const batchA = [ev('x1', delta('hot', 1)), ev('x2', delta('hot', 2)), ev('x3', delta('hot', 4))];
      const batchB = [ev('x2', delta('hot', 2)), ev('x4', delta('hot', 8)), ev('x1', delta('hot', 1))];
      const [a, b] = await Promise.all([s.applyCounted(batchA), s.applyCounted(batchB)]);
      expect([...a, ...b].sort()).toEqual(['x1', 'x2', 'x3', 'x4']);
      expect(await s.counter('budget_counters', 'hot')).toMatchObject({ usage: 15, requests: 4 });
    });

    it("writes a redelivered event's request log again, without counting the event again", async () => {
      const s = await fresh();
      const log = requestLogOf(usageEventFixture({ request_id: 'req-redelivered', timestamp: new Date().toISOString() }), 86_400_000);
      // The first delivery's commit succeeded and its log write did not (the push was nacked).
      await s.applyCounted([ev('r1', delta('c1', 5))]);
      expect(await s.requestLogs.get(log.id)).toBeUndefined();
      expect([...(await s.applyCounted([{ ...ev('r1', delta('c1', 5)), log }]))]).toEqual([]);
      expect(await s.requestLogs.get(log.id)).toEqual(log);
      expect(await s.counter('budget_counters', 'c1')).toMatchObject({ usage: 5, requests: 1 });
    });

    it('keeps string fields at their latest value (ISO times) across batches', async () => {
      const s = await fresh();
      for (const [id, at] of [
        ['t1', '2025-06-02T00:00:00.000Z'],
        ['t2', '2025-06-05T00:00:00.000Z'],
        ['t3', '2025-06-03T00:00:00.000Z'],
      ]) {
        await s.applyCounted([ev(id, delta('c', 1, { last_used_at: at }))]);
      }
      expect((await s.counter('budget_counters', 'c'))?.last_used_at).toBe('2025-06-05T00:00:00.000Z');
    });

    it('queries counters by field and an inclusive range, one result per counter', async () => {
      const s = await fresh();
      const roll = (dimension: string, value: string, day: string, n: number) => ({
        collection: 'usage_rollups' as const,
        id: `${dimension}|${value}|${day}`,
        fields: { dimension, value, day },
        inc: { requests: n },
      });
      await s.applyCounted([
        ev('r1', roll('model', 'opus', '2025-06-01', 1)),
        ev('r2', roll('model', 'opus', '2025-06-02', 2)),
        ev('r3', roll('model', 'haiku', '2025-06-02', 4)),
      ]);
      await s.applyCounted([
        ev('r4', roll('model', 'opus', '2025-06-02', 8)),
        ev('r5', roll('key', 'k', '2025-06-02', 16)),
        ev('r6', roll('model', 'opus', '2025-06-03', 32)),
      ]);
      const got = await s.queryCounters('usage_rollups', { where: { dimension: 'model' }, range: { field: 'day', from: '2025-06-02', to: '2025-06-03' } });
      expect(got.map((d) => [d.id, d.requests])).toEqual([
        ['model|haiku|2025-06-02', 4],
        ['model|opus|2025-06-02', 10],
        ['model|opus|2025-06-03', 32],
      ]);
      const one = await s.queryCounters('usage_rollups', {
        where: { dimension: 'model', value: 'opus' },
        range: { field: 'day', from: '2025-06-01', to: '2025-06-02' },
      });
      expect(one.map((d) => d.requests)).toEqual([1, 10]);
    });

    it('updates a budget status from its counter atomically, and leaves it when told nothing changed', async () => {
      const s = await fresh();
      await s.applyCounted([ev('s1', delta('b|w', 40)), ev('s2', delta('b|w', 30))]);
      const written = await s.updateBudgetStatus('b', 'b|w', (counter, prev) => {
        expect(prev).toBeUndefined();
        return { status: status(counter!.usage as number) };
      });
      expect(written).toEqual(status(70));
      expect(await s.budgetStatus.get('b')).toEqual(status(70));
      expect(await s.updateBudgetStatus('b', 'b|w', () => undefined)).toBeUndefined();
      expect(await s.budgetStatus.get('b')).toEqual(status(70));
    });

    it('lets only one of two concurrent status updates record a threshold as alerted', async () => {
      const s = await fresh();
      await s.applyCounted([ev('a1', delta('b|w', 60))]);
      let fired = 0;
      const update = () =>
        s
          .updateBudgetStatus('b', 'b|w', (counter, prev) => {
            if (prev?.alerted.includes(50)) return undefined;
            return { status: status(counter!.usage as number, { alerted: [50] }), alerts: [alert('b', 50, '2025-06-01T00:00:01.000Z')] };
          })
          .then((st) => {
            if (st) fired++;
          });
      await Promise.all([update(), update(), update()]);
      expect(fired).toBe(1);
      expect((await s.budgetStatus.get('b'))?.alerted).toEqual([50]);
      expect(await s.budgetAlerts.list({ limit: 10 })).toEqual([alert('b', 50, '2025-06-01T00:00:01.000Z')]);
    });

    it('lists the alert history newest first, by budget and by workspace, up to the limit', async () => {
      const s = await fresh();
      const fire = (a: BudgetAlertRecord) =>
        s.updateBudgetStatus(a.budget_id, `${a.budget_id}|w`, () => ({ status: status(1, { budget_id: a.budget_id }), alerts: [a] }));
      const org = alert('org', 80, '2025-06-01T03:00:00.000Z');
      const ws50 = alert('b', 50, '2025-06-01T01:00:00.000Z', 'ws-a');
      const ws80 = alert('b', 80, '2025-06-01T02:00:00.000Z', 'ws-a');
      const other = alert('c', 50, '2025-06-01T04:00:00.000Z', 'ws-b');
      for (const a of [ws50, org, ws80, other]) await fire(a);
      expect(await s.budgetAlerts.list({ limit: 10 })).toEqual([other, org, ws80, ws50]);
      expect(await s.budgetAlerts.list({ limit: 2 })).toEqual([other, org]);
      expect(await s.budgetAlerts.list({ workspace_id: 'ws-a', limit: 10 })).toEqual([ws80, ws50]);
      expect(await s.budgetAlerts.list({ budget_id: 'b', workspace_id: 'ws-a', limit: 1 })).toEqual([ws80]);
      expect(await s.budgetAlerts.list({ budget_id: 'org', limit: 10 })).toEqual([org]);
      expect(await s.budgetAlerts.list({ budget_id: 'c', workspace_id: 'ws-a', limit: 10 })).toEqual([]);
    });
  });
}
