import type { BudgetStatus } from '../../services/shared/src/budget/entity';
import type { BudgetTouch } from '../../services/worker/src/budgets/deltas';
import { nextStatus } from '../../services/worker/src/budgets/next-status';
import { budgetFixture } from '../helpers/budget';

const WINDOW_START = Date.parse('2025-06-01T00:00:00.000Z');
const touch: BudgetTouch = {
  budget: budgetFixture({ limit: 100 }),
  counterId: 'team-web|2025-06-01T00:00:00.000Z',
  windowStart: WINDOW_START,
  windowEnd: Date.parse('2025-07-01T00:00:00.000Z'),
};
const counter = (usage: number) => ({ id: touch.counterId, usage });
const NOW = Date.parse('2025-06-10T00:00:00.000Z');

/** The status pass reads the counter before its transaction: another worker may have written a newer status since. */
describe('budget status from a counter read', () => {
  it('leaves a newer status of the same window alone when the counter read is older than it', () => {
    const newer = nextStatus(touch, counter(90), undefined, NOW).status as BudgetStatus;
    expect(newer).toMatchObject({ usage: 90, alerted: [50, 80] });
    expect(nextStatus(touch, counter(60), newer, NOW)).toEqual({ alerts: [] });
  });

  it('moves the status on when the counter is ahead of it', () => {
    const prev = nextStatus(touch, counter(60), undefined, NOW).status as BudgetStatus;
    const next = nextStatus(touch, counter(100), prev, NOW);
    expect(next.status).toMatchObject({ usage: 100, state: 'exhausted', alerted: [50, 80, 100] });
    expect(next.alerts.map((a) => a.threshold)).toEqual([80, 100]);
  });

  it('starts a new window from its own counter, however much the last window used', () => {
    const prev = nextStatus(touch, counter(100), undefined, NOW).status as BudgetStatus;
    const july = { ...touch, windowStart: touch.windowEnd!, windowEnd: Date.parse('2025-08-01T00:00:00.000Z') };
    expect(nextStatus(july, counter(5), prev, NOW).status).toMatchObject({ usage: 5, state: 'ok', alerted: [] });
  });
});
