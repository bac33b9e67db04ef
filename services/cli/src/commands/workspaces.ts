import type { Workspace } from '../../../shared/src/entities';
import { pairs, UsageError } from '../args';
import type { Command, Run } from '../command';
import { block, table, when } from '../table';

function wsBlock(w: Workspace): string {
  return block([
    ['id', w.id],
    ['name', w.name],
    ['status', w.status],
    ['default config', w.defaults.config_id],
    [
      'default metadata',
      w.defaults.metadata
        ? Object.entries(w.defaults.metadata)
            .map(([a, b]) => `${a}=${b}`)
            .join(', ')
        : undefined,
    ],
    ['allowed models', w.defaults.allowed_models?.join(', ')],
    ['allowed providers', w.defaults.allowed_providers?.join(', ')],
    ['created', when(w.created_at)],
    ['updated', when(w.updated_at)],
  ]);
}

const wsId = (r: Run, verb: string): string => {
  const id = r.args.positionals[0];
  if (!id) throw new UsageError(`workspaces ${verb} needs a workspace id.`);
  return id;
};

function defaults(r: Run): Record<string, unknown> | undefined {
  const metadata = pairs(r.args.list('metadata'), 'metadata');
  const config = r.args.get('config');
  const models = r.args.list('allowed-models');
  const providers = r.args.list('allowed-providers');
  const out = {
    ...(config !== undefined ? { config_id: config } : {}),
    ...(metadata ? { metadata } : {}),
    ...(models ? { allowed_models: models } : {}),
    ...(providers ? { allowed_providers: providers } : {}),
  };
  return Object.keys(out).length ? out : undefined;
}

export const workspaceCommands: Command[] = [
  {
    name: 'workspaces create',
    synopsis: 'workspaces create <id> --name N [--config C] [--metadata k=v] [--allowed-models p,q] [--allowed-providers @a,@b]',
    flags: { values: ['name', 'config', 'metadata', 'allowed-models', 'allowed-providers'] },
    async run(r) {
      const id = wsId(r, 'create');
      const name = r.args.get('name') ?? id;
      const d = defaults(r);
      const { body: w } = await r.client().call<Workspace>('POST', '/workspaces', { body: { id, name, ...(d ? { defaults: d } : {}) } });
      r.print(() => `Created workspace ${w.id}.\n${wsBlock(w)}`, w);
    },
  },
  {
    name: 'workspaces list',
    synopsis: 'workspaces list',
    flags: {},
    async run(r) {
      const { data } = await r.client().get<{ data: Workspace[] }>('/workspaces');
      r.print(
        () =>
          data.length
            ? table(data, [
                ['ID', (w) => w.id],
                ['NAME', (w) => w.name],
                ['STATUS', (w) => w.status],
                ['CONFIG', (w) => w.defaults.config_id],
                ['ALLOWED MODELS', (w) => w.defaults.allowed_models?.join(',') ?? '(all)'],
                ['ALLOWED PROVIDERS', (w) => w.defaults.allowed_providers?.join(',') ?? '(all)'],
              ])
            : 'No workspaces.\n',
        data,
      );
    },
  },
  {
    name: 'workspaces get',
    synopsis: 'workspaces get <workspace_id>',
    flags: {},
    async run(r) {
      const w = await r.client().get<Workspace>(`/workspaces/${encodeURIComponent(wsId(r, 'get'))}`);
      r.print(() => wsBlock(w), w);
    },
  },
  {
    name: 'workspaces update',
    synopsis: 'workspaces update <workspace_id> [--name N] [--config C] [--metadata k=v] [--allowed-models p,q] [--allowed-providers @a,@b]',
    flags: { values: ['name', 'config', 'metadata', 'allowed-models', 'allowed-providers'] },
    async run(r) {
      const id = wsId(r, 'update');
      const d = defaults(r);
      const body = { ...(r.args.get('name') ? { name: r.args.get('name') } : {}), ...(d ? { defaults: d } : {}) };
      if (!Object.keys(body).length) throw new UsageError('workspaces update: give at least one field to change, e.g. --name "Frontend"');
      const { body: w } = await r.client().call<Workspace>('PATCH', `/workspaces/${encodeURIComponent(id)}`, { body });
      r.print(() => `Updated workspace ${w.id}.\n${wsBlock(w)}`, w);
    },
  },
  {
    name: 'workspaces archive',
    synopsis: 'workspaces archive <workspace_id>',
    flags: {},
    async run(r) {
      const { body: w } = await r.client().call<Workspace>('POST', `/workspaces/${encodeURIComponent(wsId(r, 'archive'))}/archive`);
      r.print(`Archived workspace ${w.id}.\n`, w);
    },
  },
];
