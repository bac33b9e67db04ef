import type { Budget, BudgetPeriod } from './entity';
import { addDays, daysBetween, isoWeekday, type LocalDate, localDate, startOfLocalDay } from './zoned-time';

/** The span of a budget's usage counter: [start, end), `end` absent for a budget without period. */
export interface BudgetWindow {
  start: number;
  end?: number;
}

/**
 * The window of a budget that contains the instant `at`, or undefined before the budget's current
 * period setting took effect (such usage belonged to a window of the earlier setting, which is closed).
 * Calendar windows start at local midnight in the budget's time zone, weeks on Monday; `days` windows
 * follow each other from the anchor date. A window never starts before `period_since`: the first
 * window after a change of period is cut short at its start.
 */
export function budgetWindow(b: Pick<Budget, 'period' | 'period_since'>, at: number): BudgetWindow | undefined {
  const since = Date.parse(b.period_since);
  if (at < since) return undefined;
  const p = b.period;
  if (p.kind === 'none') return { start: since };
  const today = localDate(at, p.time_zone);
  const [first, next] = calendarSpan(p, today);
  return { start: Math.max(since, startOfLocalDay(first, p.time_zone)), end: startOfLocalDay(next, p.time_zone) };
}

/** The local dates of the window's first day and of the day after it. */
function calendarSpan(p: Exclude<BudgetPeriod, { kind: 'none' }>, d: LocalDate): [LocalDate, LocalDate] {
  switch (p.kind) {
    case 'day':
      return [d, addDays(d, 1)];
    case 'week': {
      const monday = addDays(d, -isoWeekday(d));
      return [monday, addDays(monday, 7)];
    }
    case 'month':
      return [{ year: d.year, month: d.month, day: 1 }, d.month === 12 ? { year: d.year + 1, month: 1, day: 1 } : { year: d.year, month: d.month + 1, day: 1 }];
    case 'days': {
      const [year, month, day] = p.anchor.split('-').map(Number);
      const anchor = { year, month, day };
      const first = addDays(anchor, Math.floor(daysBetween(anchor, d) / p.every) * p.every);
      return [first, addDays(first, p.every)];
    }
  }
}

/** The id of a budget's counter for one window: a new window (or a new period setting) starts at zero. */
export function windowCounterId(budgetId: string, w: BudgetWindow): string {
  return `${budgetId}|${new Date(w.start).toISOString()}`;
}

/**
 * A budget as stored after an edit: the version moves on; the period's start moves to `now` only when
 * the period or time zone changed, so a raised or lowered limit keeps the usage of the current window.
 */
export function reviseBudget(prev: Budget | undefined, next: Omit<Budget, 'version' | 'period_since'>, now: number): Budget {
  const keepWindow = prev !== undefined && JSON.stringify(normalisedPeriod(prev.period)) === JSON.stringify(normalisedPeriod(next.period));
  return {
    ...next,
    version: (prev?.version ?? 0) + 1,
    period_since: keepWindow ? prev.period_since : new Date(now).toISOString(),
  };
}

function normalisedPeriod(p: BudgetPeriod): unknown[] {
  return p.kind === 'none' ? ['none'] : p.kind === 'days' ? ['days', p.every, p.anchor, p.time_zone] : [p.kind, p.time_zone];
}
