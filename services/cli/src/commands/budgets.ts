import type { z } from 'zod';
import { formatAmount } from '../../../shared/src/budget/status';
import type { BudgetView } from '../../../gateway/src/admin/schemas';
import { UsageError } from '../args';
import type { Command } from '../command';
import { readJson } from './read-json';
import { table, when } from '../table';

type Budget = z.infer<typeof BudgetView>;

function scopeText(s: Budget['scope']): string {
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

/** `budgets apply -f file`: `{"id": …, …budget}` or a list of those, each created or replaced (PUT). */
export const budgetCommands: Command[] = [
  {
    name: 'budgets apply',
    synopsis: 'budgets apply -f budget.json   (creates or replaces; a new limit keeps the window, a new period starts one)',
    flags: { values: ['file'] },
    async run(r) {
      const { value, file } = readJson(r);
      const entries = Array.isArray(value) ? value : [value];
      if (!entries.every((e) => typeof e === 'object' && e !== null && typeof (e as { id?: unknown }).id === 'string')) {
        throw new UsageError(`${file}: each budget needs an "id".`);
      }
      const client = r.client();
      const results: Budget[] = [];
      for (const { id, ...body } of entries as Array<{ id: string }>) {
        const { status, body: written } = await client.call<Budget>('PUT', `/budgets/${encodeURIComponent(id)}`, { body });
        results.push(written);
        if (!r.args.has('json')) r.io.stdout.write(`budget ${id}: ${status === 201 ? 'created' : 'updated'}, version ${written.version}\n`);
      }
      if (r.args.has('json')) r.print('', results.length === 1 ? results[0] : results);
    },
  },
  {
    name: 'budgets list',
    synopsis: 'budgets list   (with each budget\'s state, usage and window end)',
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
    name: 'budgets get',
    synopsis: 'budgets get <budget_id>',
    flags: {},
    async run(r) {
      const id = r.args.positionals[0];
      if (!id) throw new UsageError('budgets get needs a budget id.');
      const b = await r.client().get<Budget>(`/budgets/${encodeURIComponent(id)}`);
      r.print(() => `${JSON.stringify(b, null, 2)}\n`, b);
    },
  },
  {
    name: 'budgets delete',
    synopsis: 'budgets delete <budget_id>',
    flags: {},
    async run(r) {
      const id = r.args.positionals[0];
      if (!id) throw new UsageError('budgets delete needs a budget id.');
      await r.client().call('DELETE', `/budgets/${encodeURIComponent(id)}`);
      r.print(() => `budget ${id}: deleted\n`, { id, deleted: true });
    },
  },
];
