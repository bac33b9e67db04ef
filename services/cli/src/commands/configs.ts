import { basename, extname } from 'node:path';
import type { StoredConfig } from '../../../shared/src/entities';
import { UsageError } from '../args';
import type { Command } from '../command';
import { readJson } from './read-json';
import { table, when } from '../table';

type ConfigWritten = StoredConfig & { warnings: string[] };

type Entry = { id: string; workspace_id?: string; config: unknown };

/**
 * `configs apply -f file`: the file holds `{"id": …, "workspace_id"?: …, "config": {…}}`, a list of
 * those, or a bare config with `--id` (default: the file name without .json). Each is created or
 * replaced (PUT); `--workspace` gives entries without a `workspace_id` an owner.
 */
function configEntries(value: unknown, file: string, id: string | undefined): Entry[] {
  const isEntry = (v: unknown): v is Entry =>
    typeof v === 'object' && v !== null && typeof (v as { id?: unknown }).id === 'string' && typeof (v as { config?: unknown }).config === 'object';
  if (Array.isArray(value)) {
    if (!value.every(isEntry)) throw new UsageError(`${file}: a list must hold {"id": "…", "config": {…}} entries.`);
    return value;
  }
  if (isEntry(value)) return [value];
  return [{ id: id ?? basename(file, extname(file)), config: value }];
}

export const configCommands: Command[] = [
  {
    name: 'configs apply',
    synopsis: 'configs apply -f file.json [--id ID] [--workspace W]   (creates or replaces; each write bumps the version; W owns it, else it is shared)',
    flags: { values: ['file', 'id', 'workspace'] },
    async run(r) {
      const { value, file } = readJson(r);
      const client = r.client();
      const results: ConfigWritten[] = [];
      for (const entry of configEntries(value, file, r.args.get('id'))) {
        const owner = entry.workspace_id ?? r.args.get('workspace');
        const put = { ...(owner !== undefined ? { workspace_id: owner } : {}), config: entry.config };
        const { status, body } = await client.call<ConfigWritten>('PUT', `/configs/${encodeURIComponent(entry.id)}`, { body: put });
        results.push(body);
        for (const w of body.warnings) r.note(`warning: config ${body.id}: ${w}`);
        if (!r.args.has('json')) r.io.stdout.write(`config ${body.id}: ${status === 201 ? 'created' : 'updated'}, version ${body.version}\n`);
      }
      if (r.args.has('json')) r.print('', results.length === 1 ? results[0] : results);
    },
  },
  {
    name: 'configs list',
    synopsis: 'configs list',
    flags: {},
    async run(r) {
      const { data } = await r.client().get<{ data: StoredConfig[] }>('/configs');
      r.print(
        () =>
          data.length
            ? table(data, [
                ['ID', (c) => c.id],
                ['VERSION', (c) => c.version],
                ['WORKSPACE', (c) => c.workspace_id ?? '(shared)'],
                ['MODE', (c) => (c.config.strategy as { mode?: string } | undefined)?.mode ?? (c.config.provider ? `single ${String(c.config.provider)}` : '')],
                ['UPDATED', (c) => when(c.updated_at ?? c.created_at)],
              ])
            : 'No configs.\n',
        data,
      );
    },
  },
  {
    name: 'configs get',
    synopsis: 'configs get <config_id>   (prints the config as JSON, ready for configs apply)',
    flags: {},
    async run(r) {
      const id = r.args.positionals[0];
      if (!id) throw new UsageError('configs get needs a config id.');
      const c = await r.client().get<StoredConfig>(`/configs/${encodeURIComponent(id)}`);
      r.print(
        () => `${JSON.stringify({ id: c.id, ...(c.workspace_id !== undefined ? { workspace_id: c.workspace_id } : {}), config: c.config }, null, 2)}\n`,
        c,
      );
    },
  },
];
