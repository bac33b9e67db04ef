import type { z } from 'zod';
import type { KeyView, KeyWithSecret } from '../../../gateway/src/admin/schemas';
import { pairs, UsageError } from '../args';
import type { Command, Run } from '../command';
import { block, table, when } from '../table';

type Key = z.infer<typeof KeyView>;
type KeyWithSecretT = z.infer<typeof KeyWithSecret>;

function keyBlock(k: Key): string {
  return block([
    ['key_id', k.key_id],
    ['name', k.name],
    ['type', `${k.type} (${k.kind})`],
    ['owner', k.owner],
    ['prefix', k.prefix ? `${k.prefix}…` : ''],
    ['status', k.status],
    ['scopes', k.scopes.join(', ')],
    ['allowed models', k.allowed_models?.join(', ')],
    ['default config', k.defaults.config_id],
    [
      'default metadata',
      k.defaults.metadata
        ? Object.entries(k.defaults.metadata)
            .map(([a, b]) => `${a}=${b}`)
            .join(', ')
        : undefined,
    ],
    ['expires', when(k.expires_at)],
    ['previous secret expires', when(k.previous_secret_expires_at)],
    ['created', when(k.created_at)],
    ['last used', when(k.last_used_at)],
  ]);
}

function withSecret(k: KeyWithSecretT, headline: string): string {
  return `${keyBlock(k)}\n${headline}\n\n  ${k.secret}\n\nStore it now: Gatehouse keeps only its hash and cannot show it again.\n`;
}

const keyId = (r: Run, verb: string): string => {
  const id = r.args.positionals[0];
  if (!id) throw new UsageError(`keys ${verb} needs the key's key_id (see \`gatehouse keys list\`).`);
  return id;
};

/** Fields shared by create and update. */
function keyFields(r: Run): Record<string, unknown> {
  const a = r.args;
  const metadata = pairs(a.list('metadata'), 'metadata');
  const config = a.get('config');
  return {
    ...(a.get('name') !== undefined ? { name: a.get('name') } : {}),
    ...(a.get('kind') !== undefined ? { kind: a.get('kind') } : {}),
    ...(a.list('scopes') ? { scopes: a.list('scopes') } : {}),
    ...(a.list('allowed-models') ? { allowed_models: a.list('allowed-models') } : {}),
    ...(a.get('expires-at') !== undefined ? { expires_at: a.get('expires-at') } : {}),
    ...(config !== undefined || metadata ? { defaults: { ...(config !== undefined ? { config_id: config } : {}), ...(metadata ? { metadata } : {}) } } : {}),
  };
}

const FIELD_FLAGS = ['name', 'kind', 'scopes', 'allowed-models', 'expires-at', 'config', 'metadata'] as const;

export const keyCommands: Command[] = [
  {
    name: 'keys create',
    synopsis:
      'keys create --name N [--type workspace|organisation] [--workspace W] [--scopes a,b] [--kind user|service] [--allowed-models p,q] [--config C] [--metadata k=v] [--expires-at ISO]',
    flags: { values: [...FIELD_FLAGS, 'type', 'workspace'] },
    async run(r) {
      if (!r.args.get('name')) throw new UsageError('keys create needs --name.');
      const body = {
        ...keyFields(r),
        ...(r.args.get('type') ? { type: r.args.get('type') } : {}),
        ...(r.args.get('workspace') ? { workspace_id: r.args.get('workspace') } : {}),
      };
      const { body: k } = await r.client().call<KeyWithSecretT>('POST', '/keys', { body });
      r.print(() => withSecret(k, `Created key ${k.key_id}. Its secret, shown once:`), k);
    },
  },
  {
    name: 'keys list',
    synopsis: 'keys list [--workspace W] [--type T] [--status active|revoked|expired]',
    flags: { values: ['workspace', 'type', 'status'] },
    async run(r) {
      const { data } = await r
        .client()
        .get<{ data: Key[] }>('/keys', { workspace_id: r.args.get('workspace'), type: r.args.get('type'), status: r.args.get('status') });
      r.print(
        () =>
          data.length
            ? table(data, [
                ['KEY_ID', (k) => k.key_id],
                ['NAME', (k) => k.name],
                ['OWNER', (k) => k.owner],
                ['PREFIX', (k) => (k.prefix ? `${k.prefix}…` : '')],
                ['STATUS', (k) => k.status],
                ['SCOPES', (k) => k.scopes.join(',')],
                ['LAST USED', (k) => when(k.last_used_at)],
                ['EXPIRES', (k) => when(k.expires_at)],
              ])
            : 'No keys.\n',
        data,
      );
    },
  },
  {
    name: 'keys get',
    synopsis: 'keys get <key_id>',
    flags: {},
    async run(r) {
      const k = await r.client().get<Key>(`/keys/${encodeURIComponent(keyId(r, 'get'))}`);
      r.print(() => keyBlock(k), k);
    },
  },
  {
    name: 'keys update',
    synopsis: 'keys update <key_id> [--name N] [--scopes a,b] [--kind K] [--allowed-models p,q] [--config C] [--metadata k=v] [--expires-at ISO]',
    flags: { values: FIELD_FLAGS },
    async run(r) {
      const id = keyId(r, 'update');
      const body = keyFields(r);
      if (!Object.keys(body).length) throw new UsageError('keys update: give at least one field to change, e.g. --scopes completions,keys.read');
      const { body: k } = await r.client().call<Key>('PATCH', `/keys/${encodeURIComponent(id)}`, { body });
      r.print(() => `Updated key ${k.key_id}.\n${keyBlock(k)}`, k);
    },
  },
  {
    name: 'keys rotate',
    synopsis: 'keys rotate <key_id> [--grace SECONDS]   (default 3600: the old secret works that long)',
    flags: { values: ['grace'] },
    async run(r) {
      const id = keyId(r, 'rotate');
      const grace = r.args.get('grace');
      if (grace !== undefined && !/^\d+$/.test(grace)) throw new UsageError('--grace takes a number of seconds, e.g. --grace 3600');
      const { body: k } = await r.client().call<KeyWithSecretT>('POST', `/keys/${encodeURIComponent(id)}/rotate`, {
        body: grace !== undefined ? { grace_seconds: Number(grace) } : {},
      });
      r.print(
        () => withSecret(k, `Rotated key ${k.key_id}; the previous secret works until ${when(k.previous_secret_expires_at)}. The new secret, shown once:`),
        k,
      );
    },
  },
  {
    name: 'keys revoke',
    synopsis: 'keys revoke <key_id>   (final: every secret the key has had stops working)',
    flags: {},
    async run(r) {
      const { body: k } = await r.client().call<Key>('POST', `/keys/${encodeURIComponent(keyId(r, 'revoke'))}/revoke`);
      r.print(`Revoked key ${k.key_id} (${k.name}).\n`, k);
    },
  },
];
