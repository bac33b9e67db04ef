import type { z } from 'zod';
import type { IdentityMappingView, IdentityView } from '../../../gateway/src/admin/identity-schemas';
import { UsageError } from '../args';
import type { Command, Run } from '../command';
import { table } from '../table';
import { readJson } from './read-json';

type Identity = z.infer<typeof IdentityView>;
type Mapping = z.infer<typeof IdentityMappingView>;

const idArg = (r: Run, what: string) => {
  const id = r.args.positionals[0];
  if (!id) throw new UsageError(`${what} needs an id.`);
  return encodeURIComponent(id);
};

const matchText = (m: Mapping['match']) => ('email' in m ? `email ${m.email}` : 'domain' in m ? `domain ${m.domain}` : `${m.claim} = ${m.value}`);

/** `gatehouse identities list|revoke`, `gatehouse identity-mappings list|apply|delete` (sign-in with an identity token). */
export const identityCommands: Command[] = [
  {
    name: 'identities list',
    synopsis: 'identities list [--workspace W]   (people signed in with identity tokens)',
    flags: { values: ['workspace'] },
    async run(r) {
      const { data } = await r.client().get<{ data: Identity[] }>('/identities', { workspace_id: r.args.get('workspace') });
      r.print(
        () =>
          data.length
            ? table(data, [
                ['ID', (i) => i.id],
                ['EMAIL', (i) => i.email],
                ['WORKSPACE', (i) => i.workspace_id],
                ['STATUS', (i) => i.status],
                ['MAPPING', (i) => i.mapping_id],
                ['SINCE', (i) => i.created_at],
              ])
            : 'No identities.\n',
        data,
      );
    },
  },
  {
    name: 'identities revoke',
    synopsis: "identities revoke <identity_id>   (final: the person's every token is refused)",
    flags: {},
    async run(r) {
      const { body: i } = await r.client().call<Identity>('POST', `/identities/${idArg(r, 'identities revoke')}/revoke`);
      r.print(`Revoked identity ${i.id} (${i.email}).\n`, i);
    },
  },
  {
    name: 'identity-mappings list',
    synopsis: 'identity-mappings list',
    flags: {},
    async run(r) {
      const { data } = await r.client().get<{ data: Mapping[] }>('/identity-mappings');
      r.print(
        () =>
          data.length
            ? table(data, [
                ['ID', (m) => m.id],
                ['MATCH', (m) => matchText(m.match)],
                ['WORKSPACE', (m) => m.workspace_id],
                ['SCOPES', (m) => m.scopes.join(',')],
              ])
            : 'No identity mappings.\n',
        data,
      );
    },
  },
  {
    name: 'identity-mappings apply',
    synopsis: 'identity-mappings apply -f mappings.json   ({"id", "match": {"email"|"domain"|"claim"+"value"}, "workspace_id", …}; creates or replaces)',
    flags: { values: ['file'] },
    async run(r) {
      const { value, file } = readJson(r);
      const entries = (Array.isArray(value) ? value : [value]) as Array<{ id?: unknown }>;
      if (!entries.every((e) => typeof e === 'object' && e !== null && typeof e.id === 'string')) throw new UsageError(`${file}: each mapping needs an "id".`);
      const written: Mapping[] = [];
      for (const { id, ...body } of entries as Array<{ id: string }>) {
        const { status, body: m } = await r.client().call<Mapping>('PUT', `/identity-mappings/${encodeURIComponent(id)}`, { body });
        written.push(m);
        if (!r.args.has('json')) r.io.stdout.write(`identity mapping ${id}: ${status === 201 ? 'created' : 'updated'}\n`);
      }
      if (r.args.has('json')) r.print('', written.length === 1 ? written[0] : written);
    },
  },
  {
    name: 'identity-mappings delete',
    synopsis: 'identity-mappings delete <id>',
    flags: {},
    async run(r) {
      const id = idArg(r, 'identity-mappings delete');
      await r.client().call('DELETE', `/identity-mappings/${id}`);
      r.print(() => `identity mapping ${decodeURIComponent(id)}: deleted\n`, { id: decodeURIComponent(id), deleted: true });
    },
  },
];
