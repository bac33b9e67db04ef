import type { Budget, BudgetStatus } from '../../services/shared/src/budget/entity';
import { budgetFixture } from '../helpers/budget';
import type { GatewayError } from '../../services/shared/src/errors';
import { createMemoryStore } from '../../services/shared/src/store/memory';
import { BudgetGuard } from '../../services/gateway/src/policy/budget-guard';
import { eventually } from '../helpers/emulators';
import { silentLogger } from '../helpers/log';
import { usageEventFixture } from '../helpers/usage-event';

const NOW = Date.parse('2025-06-15T12:00:00Z');
const budget = budgetFixture;
const status = (usage: number, over: Partial<BudgetStatus> = {}): BudgetStatus => ({
  budget_id: 'team-web',
  version: 1,
  window_start: '2025-06-01T00:00:00.000Z',
  window_end: '2025-07-01T00:00:00.000Z',
  usage,
  limit: 500_000_000,
  state: usage >= 500_000_000 ? 'exhausted' : 'ok',
  alerted: [],
  updated_at: `2025-06-15T11:00:00.${String(usage % 1000).padStart(3, '0')}Z`,
  ...over,
});
const web = { key_id: 'k1', workspace_id: 'w1', metadata: { team: 'web' } };

async function guard(b: Budget, st?: BudgetStatus) {
  const store = createMemoryStore();
  await store.budgets.put(b.id, b);
  if (st) await store.budgetStatus.put(st.budget_id, st);
  const g = new BudgetGuard(store, silentLogger());
  await Promise.all(Object.values(g.listeners).map((l) => l.start()));
  return { store, g };
}

function closeGuard(g: BudgetGuard): void {
  for (const l of Object.values(g.listeners)) l.close();
}

function refusal(fn: () => void): GatewayError | undefined {
  try {
    fn();
  } catch (err) {
    return err as GatewayError;
  }
  return undefined;
}

describe('budget enforcement on the request path', () => {
  it('refuses a request an exhausted budget covers with 402 billing_error naming budget, usage, limit and reset', async () => {
    const { g } = await guard(budget(), status(512_340_000));
    const err = refusal(() => g.admit(web, NOW));
    expect(err?.status).toBe(402);
    expect(err?.type).toBe('billing_error');
    expect(err?.message).toBe('Gatehouse budget "Team web" (team-web) is exhausted: $512.34 used of its $500.00 limit. It resets at 2025-07-01T00:00:00.000Z.');
    expect(refusal(() => g.admit({ ...web, metadata: { team: 'api' } }, NOW))).toBeUndefined();
    closeGuard(g);
  });

  it('re-admits when the limit is raised, from the budget alone, without a new status', async () => {
    const { g, store } = await guard(budget(), status(600_000_000));
    expect(refusal(() => g.admit(web, NOW))).toBeDefined();
    await store.budgets.put('team-web', budget({ limit: 1_000_000_000, version: 2 }));
    await eventually(() => expect(refusal(() => g.admit(web, NOW))).toBeUndefined());
    closeGuard(g);
  });

  it('re-admits in a new window before the worker has written its status', async () => {
    const { g } = await guard(budget(), status(600_000_000));
    expect(refusal(() => g.admit(web, Date.parse('2025-06-30T23:59:59Z')))).toBeDefined();
    expect(refusal(() => g.admit(web, Date.parse('2025-07-01T00:00:00Z')))).toBeUndefined();
    closeGuard(g);
  });

  it('ignores a status from before the period was changed', async () => {
    const { g } = await guard(budget({ period: { kind: 'week', time_zone: 'UTC' }, period_since: '2025-06-10T00:00:00.000Z' }), status(600_000_000));
    expect(refusal(() => g.admit(web, NOW))).toBeUndefined();
    closeGuard(g);
  });

  it('adds its own spend since the last status: it refuses before the worker reports exhaustion', async () => {
    const { g, store } = await guard(budget(), status(400_000_000));
    const spend = (cost: number) => g.spent(usageEventFixture({ ...web, cost_micros: cost }), NOW);
    spend(60_000_000);
    expect(g.usage(budget(), NOW)).toBe(460_000_000);
    expect(refusal(() => g.admit(web, NOW))).toBeUndefined();
    spend(40_000_000);
    expect(refusal(() => g.admit(web, NOW))?.message).toContain('$500.00 used of its $500.00 limit');
    // The worker's next status includes that spend: the local part starts again from zero.
    await store.budgetStatus.put('team-web', status(500_000_001));
    await eventually(() => expect(g.usage(budget(), NOW)).toBe(500_000_001));
    closeGuard(g);
  });

  it.each([
    [
      'tokens',
      'tokens',
      1_000,
      'Gatehouse budget "Team web" (team-web) is exhausted: 1,200 tokens used of its 1,000 tokens limit. It resets at 2025-07-01T00:00:00.000Z.',
    ],
    [
      'input+output tokens, no period',
      'input_output_tokens',
      1_000,
      'Gatehouse budget "Team web" (team-web) is exhausted: 1,200 input+output tokens used of its 1,000 input+output tokens limit. It has no period: an administrator must raise its limit.',
    ],
  ] as const)('names the amounts of a %s budget', async (_name, metric, limit, message) => {
    const period = metric === 'tokens' ? { kind: 'month' as const, time_zone: 'UTC' } : { kind: 'none' as const };
    const { g } = await guard(
      budget({ metric, limit, period }),
      status(1_200, { limit, window_end: metric === 'tokens' ? '2025-07-01T00:00:00.000Z' : undefined, window_start: '2025-01-01T00:00:00.000Z' }),
    );
    expect(refusal(() => g.admit(web, NOW))?.message).toBe(message);
    closeGuard(g);
  });

  it('covers by key, workspace and provider too', async () => {
    for (const scope of [
      { type: 'key', key_id: 'k1' },
      { type: 'workspace', workspace_id: 'w1' },
      { type: 'provider', provider: '@vertex' },
    ] as const) {
      const { g } = await guard(budget({ scope }), status(600_000_000));
      expect(refusal(() => g.admit({ ...web, metadata: {}, provider: 'vertex' }, NOW))?.status).toBe(402);
      expect(refusal(() => g.admit({ key_id: 'k2', workspace_id: 'w2', metadata: {}, provider: 'anthropic' }, NOW))).toBeUndefined();
      closeGuard(g);
    }
  });
});
