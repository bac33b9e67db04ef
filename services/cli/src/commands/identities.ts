import type { z } from 'zod';
import type { IdentityMappingView, IdentityView } from '../../../gateway/src/admin/identity-schemas';
import { UsageError } from '../args';
import type { Command, Run } from '../command';
import { table } from '../table';
import { storedEntityCommands } from './stored-entity';

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
  ...storedEntityCommands({ group: 'identity-mappings', noun: 'identity mapping', applyNote: 'applies to the next request of everyone it admits' }),
];
