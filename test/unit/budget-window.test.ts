import { Budget, type BudgetPeriod } from '../../services/shared/src/budget/entity';
import { budgetState, metricAmount, newAlerts, reachedThresholds } from '../../services/shared/src/budget/status';
import { budgetWindow, reviseBudget, windowCounterId } from '../../services/shared/src/budget/window';
import { startOfLocalDay } from '../../services/shared/src/budget/zoned-time';

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const SINCE = '2000-01-01T00:00:00.000Z';

describe('budget windows', () => {
  it.each<[string, BudgetPeriod, string, string, string | undefined]>([
    ['a UTC day', { kind: 'day', time_zone: 'UTC' }, '2025-06-15T12:00:00Z', '2025-06-15T00:00:00.000Z', '2025-06-16T00:00:00.000Z'],
    [
      'a Paris day in summer (UTC+2)',
      { kind: 'day', time_zone: 'Europe/Paris' },
      '2025-06-15T23:30:00Z',
      '2025-06-15T22:00:00.000Z',
      '2025-06-16T22:00:00.000Z',
    ],
    [
      'a Paris day that loses an hour (DST starts)',
      { kind: 'day', time_zone: 'Europe/Paris' },
      '2025-03-30T12:00:00Z',
      '2025-03-29T23:00:00.000Z',
      '2025-03-30T22:00:00.000Z',
    ],
    [
      'a New York day that gains an hour (DST ends)',
      { kind: 'day', time_zone: 'America/New_York' },
      '2025-11-02T12:00:00Z',
      '2025-11-02T04:00:00.000Z',
      '2025-11-03T05:00:00.000Z',
    ],
    [
      'a Santiago day whose midnight does not exist starts at 01:00',
      { kind: 'day', time_zone: 'America/Santiago' },
      '2025-09-07T12:00:00Z',
      '2025-09-07T04:00:00.000Z',
      '2025-09-08T03:00:00.000Z',
    ],
    [
      'a Tokyo day seen from UTC the evening before',
      { kind: 'day', time_zone: 'Asia/Tokyo' },
      '2025-06-15T16:00:00Z',
      '2025-06-15T15:00:00.000Z',
      '2025-06-16T15:00:00.000Z',
    ],
    ['a half-hour zone (Kolkata)', { kind: 'day', time_zone: 'Asia/Kolkata' }, '2025-06-15T20:00:00Z', '2025-06-15T18:30:00.000Z', '2025-06-16T18:30:00.000Z'],
    ['an ISO week from Monday', { kind: 'week', time_zone: 'UTC' }, '2025-06-15T12:00:00Z', '2025-06-09T00:00:00.000Z', '2025-06-16T00:00:00.000Z'],
    ['a week across a year end', { kind: 'week', time_zone: 'UTC' }, '2026-01-01T12:00:00Z', '2025-12-29T00:00:00.000Z', '2026-01-05T00:00:00.000Z'],
    [
      'a Berlin week across DST start (167 hours)',
      { kind: 'week', time_zone: 'Europe/Berlin' },
      '2025-03-27T12:00:00Z',
      '2025-03-23T23:00:00.000Z',
      '2025-03-30T22:00:00.000Z',
    ],
    ['a month', { kind: 'month', time_zone: 'UTC' }, '2025-02-28T23:59:59Z', '2025-02-01T00:00:00.000Z', '2025-03-01T00:00:00.000Z'],
    ['December rolls into January', { kind: 'month', time_zone: 'UTC' }, '2025-12-31T12:00:00Z', '2025-12-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'],
    [
      'a Los Angeles month: still May there at 03:00 UTC on June 1',
      { kind: 'month', time_zone: 'America/Los_Angeles' },
      '2025-06-01T03:00:00Z',
      '2025-05-01T07:00:00.000Z',
      '2025-06-01T07:00:00.000Z',
    ],
    [
      'every 14 days from an anchor',
      { kind: 'days', every: 14, anchor: '2025-06-02', time_zone: 'UTC' },
      '2025-06-20T00:00:00Z',
      '2025-06-16T00:00:00.000Z',
      '2025-06-30T00:00:00.000Z',
    ],
    [
      'every 14 days, on the first instant of a window',
      { kind: 'days', every: 14, anchor: '2025-06-02', time_zone: 'UTC' },
      '2025-06-30T00:00:00Z',
      '2025-06-30T00:00:00.000Z',
      '2025-07-14T00:00:00.000Z',
    ],
    [
      'every 3 days before the anchor counts backwards',
      { kind: 'days', every: 3, anchor: '2025-06-10', time_zone: 'UTC' },
      '2025-06-08T05:00:00Z',
      '2025-06-07T00:00:00.000Z',
      '2025-06-10T00:00:00.000Z',
    ],
    [
      'every 7 days in Paris across DST end',
      { kind: 'days', every: 7, anchor: '2025-10-20', time_zone: 'Europe/Paris' },
      '2025-10-25T12:00:00Z',
      '2025-10-19T22:00:00.000Z',
      '2025-10-26T23:00:00.000Z',
    ],
    ['no period: one lifetime window', { kind: 'none' }, '2031-01-01T00:00:00Z', SINCE, undefined],
  ])('%s', (_name, period, at, start, end) => {
    const w = budgetWindow({ period, period_since: SINCE }, Date.parse(at));
    expect({ start: iso(w?.start), end: iso(w?.end) }).toEqual({ start, end });
  });

  it('every 14 days: windows tile time with no gap or overlap', () => {
    const b = { period: { kind: 'days', every: 14, anchor: '2025-01-06', time_zone: 'Europe/London' } as const, period_since: SINCE };
    let w = budgetWindow(b, Date.parse('2025-01-06T00:00:00Z'))!;
    for (let i = 0; i < 40; i++) {
      const next = budgetWindow(b, w.end!)!;
      expect(next.start).toBe(w.end);
      expect(budgetWindow(b, w.end! - 1)!.start).toBe(w.start);
      w = next;
    }
  });

  it('a window never starts before the period setting took effect, and nothing before it is counted', () => {
    const b = { period: { kind: 'month', time_zone: 'UTC' } as const, period_since: '2025-06-10T08:00:00.000Z' };
    expect(iso(budgetWindow(b, Date.parse('2025-06-20T00:00:00Z'))!.start)).toBe('2025-06-10T08:00:00.000Z');
    expect(iso(budgetWindow(b, Date.parse('2025-07-02T00:00:00Z'))!.start)).toBe('2025-07-01T00:00:00.000Z');
    expect(budgetWindow(b, Date.parse('2025-06-10T07:59:59Z'))).toBeUndefined();
  });

  it('names one counter per budget and window', () => {
    expect(windowCounterId('b1', { start: Date.parse('2025-06-01T00:00:00Z') })).toBe('b1|2025-06-01T00:00:00.000Z');
  });

  it('finds the first instant of each day of a year in zones with DST', () => {
    for (const tz of ['Europe/Paris', 'America/New_York', 'America/Santiago', 'Australia/Lord_Howe', 'UTC']) {
      for (let d = 0; d < 366; d++) {
        const day = new Date(Date.UTC(2025, 0, 1 + d));
        const local = { year: day.getUTCFullYear(), month: day.getUTCMonth() + 1, day: day.getUTCDate() };
        const start = startOfLocalDay(local, tz);
        const fmt = (ms: number) => new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
        expect(fmt(start)).toBe(day.toISOString().slice(0, 10));
        expect(fmt(start - 1000)).not.toBe(day.toISOString().slice(0, 10));
      }
    }
  });
});

describe('budget thresholds and state', () => {
  it.each([
    [0, 'ok', []],
    [499, 'ok', []],
    [500, 'warning', [50]],
    [800, 'warning', [50, 80]],
    [999, 'warning', [50, 80]],
    [1000, 'exhausted', [50, 80, 100]],
    [5000, 'exhausted', [50, 80, 100]],
  ])('usage %d of 1000 is %s', (usage, state, reached) => {
    expect(budgetState(usage, 1000, [50, 80, 100])).toBe(state);
    expect(reachedThresholds(usage, 1000, [100, 80, 50, 80])).toEqual(reached);
  });

  it('alerts only the thresholds not alerted before in the window', () => {
    const b = { limit: 1000, thresholds: [50, 80, 100] };
    expect(newAlerts(b, 850, [])).toEqual([50, 80]);
    expect(newAlerts(b, 850, [50])).toEqual([80]);
    expect(newAlerts(b, 1200, [50, 80])).toEqual([100]);
    expect(newAlerts(b, 1200, [50, 80, 100])).toEqual([]);
  });

  it.each([
    ['cost', 123],
    ['tokens', 1 + 2 + 3 + 4 + 5],
    ['input_output_tokens', 1 + 2],
  ] as const)('a %s budget counts %d', (metric, want) => {
    expect(metricAmount(metric, 123, { input: 1, output: 2, cache_write_5m: 3, cache_write_1h: 4, cache_read: 5 })).toBe(want);
  });
});

describe('budget edits', () => {
  const base = Budget.parse({
    id: 'b1',
    name: 'team',
    scope: { type: 'workspace', workspace_id: 'w' },
    metric: 'cost',
    limit: 1_000_000,
    period: { kind: 'month', time_zone: 'Europe/Paris' },
    period_since: '2025-01-01T00:00:00.000Z',
  });
  const now = Date.parse('2025-06-15T10:00:00Z');
  const { version: _v, period_since: _p, ...fields } = base;

  it('a first write starts its period now, at version 1', () => {
    expect(reviseBudget(undefined, fields, now)).toMatchObject({ version: 1, period_since: '2025-06-15T10:00:00.000Z' });
  });
  it('editing the limit keeps the window (and so its usage)', () => {
    const next = reviseBudget(base, { ...fields, limit: 5_000_000 }, now);
    expect(next).toMatchObject({ version: 2, period_since: base.period_since, limit: 5_000_000 });
    expect(budgetWindow(next, now)).toEqual(budgetWindow(base, now));
  });
  it.each([
    ['the period', { kind: 'week', time_zone: 'Europe/Paris' }],
    ['the time zone', { kind: 'month', time_zone: 'UTC' }],
  ] as const)('changing %s starts a new window now', (_what, period) => {
    const next = reviseBudget(base, { ...fields, period }, now);
    expect(next.period_since).toBe('2025-06-15T10:00:00.000Z');
    expect(iso(budgetWindow(next, now + 1)!.start)).toBe('2025-06-15T10:00:00.000Z');
  });
  it('rejects an unknown time zone by name', () => {
    const r = Budget.safeParse({ ...base, period: { kind: 'day', time_zone: 'Mars/Olympus' } });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('unknown IANA time zone \\"Mars/Olympus\\"');
  });
  it('defaults to UTC and to thresholds 50/80/100', () => {
    const b = Budget.parse({ ...base, thresholds: undefined, period: { kind: 'day' } });
    expect(b.thresholds).toEqual([50, 80, 100]);
    expect(b.period).toEqual({ kind: 'day', time_zone: 'UTC' });
  });
});
