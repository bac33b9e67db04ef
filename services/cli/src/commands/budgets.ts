import type { z } from 'zod';
import type { BudgetAlertRecord } from '../../../shared/src/budget/alert';
import { formatAmount } from '../../../shared/src/budget/status';
import type { BudgetView } from '../../../gateway/src/admin/schemas';
import type { Command } from '../command';
import { storedEntityCommands } from './stored-entity';
import { table, when } from '../table';

type Budget = z.infer<typeof BudgetView>;
type BudgetAlert = z.infer<typeof BudgetAlertRecord>;

export function scopeText(s: Budget['scope']): string {
  switch (s.type) {
    case 'key':
      return `key ${s.key_id}`;
    case 'workspace':
      return `workspace ${s.workspace_id}`;
    case 'provider':
      return `provider ${s.provider}`;
    case 'metadata':
      return `${s.key}=${s.value}`;
  }
}

function periodText(p: Budget['period']): string {
  if (p.kind === 'none') return 'lifetime';
  return `${p.kind === 'days' ? `every ${p.every} days from ${p.anchor}` : p.kind} (${p.time_zone})`;
}

const [apply, get, del] = storedEntityCommands({ group: 'budgets', noun: 'budget', applyNote: 'a new limit keeps the window, a new period starts one' });

export const budgetCommands: Command[] = [
  apply,
  {
    name: 'budgets list',
    synopsis: "budgets list   (with each budget's state, usage and window end)",
    flags: {},
    async run(r) {
      const { data } = await r.client().get<{ data: Budget[] }>('/budgets');
      r.print(
        () =>
          data.length
            ? table(data, [
                ['ID', (b) => b.id],
                ['SCOPE', (b) => scopeText(b.scope)],
                ['PERIOD', (b) => periodText(b.period)],
                ['STATE', (b) => b.status?.state ?? 'ok'],
                ['USED', (b) => formatAmount(b.metric, b.status?.usage ?? 0)],
                ['LIMIT', (b) => formatAmount(b.metric, b.limit)],
                ['RESETS', (b) => when(b.status?.window_end)],
              ])
            : 'No budgets.\n',
        data,
      );
    },
  },
  {
    name: 'budgets alerts',
    synopsis: 'budgets alerts [--budget ID] [--workspace W] [--limit N]   (the alerts fired, newest first)',
    flags: { values: ['budget', 'workspace', 'limit'] },
    async run(r) {
      const query = { budget_id: r.args.get('budget'), workspace_id: r.args.get('workspace'), limit: r.args.get('limit') };
      const { data } = await r.client().get<{ data: BudgetAlert[] }>('/budget-alerts', query);
      r.print(
        () =>
          data.length
            ? table(data, [
                ['TIME', (a) => when(a.time)],
                ['BUDGET', (a) => a.budget_id],
                ['THRESHOLD', (a) => `${a.threshold}%`],
                ['USED', (a) => formatAmount(a.metric, a.usage)],
                ['LIMIT', (a) => formatAmount(a.metric, a.limit)],
                ['WINDOW', (a) => `${when(a.window_start)} – ${a.window_end ? when(a.window_end) : 'never resets'}`],
              ])
            : 'No budget alerts.\n',
        data,
      );
    },
  },
  get,
  del,
];
