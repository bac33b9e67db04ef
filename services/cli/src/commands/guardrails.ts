import type { StoredGuardrail } from '../../../shared/src/entities';
import type { Command } from '../command';
import { table, when } from '../table';
import { storedEntityCommands } from './stored-entity';

const [apply, get, del] = storedEntityCommands({
  group: 'guardrails',
  noun: 'guardrail',
  applyNote: 'the file holds {"id", "guardrail": {…}}; every instance runs the new version within seconds',
});

/** `gatehouse guardrails apply|list|get|delete`. */
export const guardrailCommands: Command[] = [
  apply,
  {
    name: 'guardrails list',
    synopsis: 'guardrails list',
    flags: {},
    async run(r) {
      const { data } = await r.client().get<{ data: StoredGuardrail[] }>('/guardrails');
      r.print(
        () =>
          data.length
            ? table(data, [
                ['ID', (g) => g.id],
                ['VERSION', (g) => g.version],
                ['ACTION', (g) => String(g.guardrail.action ?? (g.guardrail.deny === true ? 'deny' : '(portkey)'))],
                ['WORKSPACE', (g) => g.workspace_id ?? '(shared)'],
                ['UPDATED', (g) => when(g.updated_at ?? g.created_at)],
              ])
            : 'No guardrails.\n',
        data,
      );
    },
  },
  get,
  del,
];
