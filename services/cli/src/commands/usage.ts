import type { z } from 'zod';
import type { Workspace } from '../../../shared/src/entities';
import type { KeyView, UsageBreakdownView, UsageView } from '../../../gateway/src/admin/schemas';
import { UsageError } from '../args';
import type { AdminClient } from '../client';
import type { Command } from '../command';
import { type Column, count, table, usd, when } from '../table';

type Usage = z.infer<typeof UsageView>;
type Key = z.infer<typeof KeyView>;

interface Row extends Usage {
  label: string;
}

async function usageOf(client: AdminClient, query: Record<string, string | undefined>, label: string): Promise<Row> {
  return { ...(await client.get<Usage>('/usage', query)), label };
}

type Breakdown = z.infer<typeof UsageBreakdownView>;
type Sums = Pick<Usage, 'requests' | 'input' | 'output' | 'cache_read' | 'cache_write_5m' | 'cache_write_1h' | 'cost_micros'>;

const SUM_COLUMNS: Column<Sums>[] = [
  ['REQUESTS', (u) => count(u.requests)],
  ['INPUT', (u) => count(u.input)],
  ['OUTPUT', (u) => count(u.output)],
  ['CACHE READ', (u) => count(u.cache_read)],
  ['CACHE WRITE', (u) => count(u.cache_write_5m + u.cache_write_1h)],
  ['COST', (u) => usd(u.cost_micros)],
];

/** `usage --by model --from D --to D`: one row per value, from the worker's daily rollups. */
async function breakdown(r: Parameters<Command['run']>[0], by: string): Promise<void> {
  const today = new Date().toISOString().slice(0, 10);
  const from = r.args.get('from') ?? `${today.slice(0, 8)}01`;
  const to = r.args.get('to') ?? today;
  const b = await r.client().get<Breakdown>('/usage/breakdown', { by, from, to });
  r.print(
    () =>
      b.data.length
        ? `Usage by ${by}, ${from} to ${to} (UTC days):\n\n${table(b.data, [[by.toUpperCase(), (u) => u.value], ...SUM_COLUMNS])}`
        : `No usage by ${by} from ${from} to ${to}.\n`,
    b,
  );
}

/**
 * `gatehouse usage`: this month's totals (or --period YYYY-MM). With --key: that key. With
 * --workspace: the workspace and each of its keys. Otherwise every workspace the admin key can see.
 * With --by: totals per model, provider, key, workspace or metadata.<name> over --from..--to.
 */
export const usageCommand: Command = {
  name: 'usage',
  synopsis:
    'usage [--workspace W | --key-id KEY_ID] [--period YYYY-MM] | usage --by model|provider|key|workspace|metadata.NAME [--from YYYY-MM-DD] [--to YYYY-MM-DD]',
  flags: { values: ['workspace', 'key-id', 'period', 'by', 'from', 'to'] },
  async run(r) {
    const by = r.args.get('by');
    if (by) return breakdown(r, by);
    const period = r.args.get('period');
    if (period !== undefined && !/^\d{4}-\d{2}$/.test(period)) throw new UsageError('--period takes a month, YYYY-MM.');
    const client = r.client();
    const keyId = r.args.get('key-id');
    const workspace = r.args.get('workspace');
    let rows: Row[];
    if (keyId) {
      rows = [await usageOf(client, { key_id: keyId, period }, `key ${keyId}`)];
    } else if (workspace) {
      const { data: keys } = await client.get<{ data: Key[] }>('/keys', { workspace_id: workspace });
      rows = [
        await usageOf(client, { workspace_id: workspace, period }, `workspace ${workspace}`),
        ...(await Promise.all(keys.map((k) => usageOf(client, { key_id: k.key_id, period }, `  key ${k.key_id} (${k.name})`)))),
      ];
    } else {
      const { data } = await client.get<{ data: Workspace[] }>('/workspaces');
      rows = await Promise.all(data.map((w) => usageOf(client, { workspace_id: w.id, period }, `workspace ${w.id}`)));
    }
    const month = rows[0]?.period ?? period ?? '';
    r.print(
      () =>
        rows.length
          ? `Usage for ${month} (UTC; the worker updates totals within seconds):\n\n${table(rows, [
              ['', (u) => u.label],
              ...SUM_COLUMNS,
              ['LAST USED', (u) => when(u.last_used_at)],
            ])}`
          : 'No workspaces.\n',
      rows.map(({ label: _label, ...u }) => u),
    );
  },
};
