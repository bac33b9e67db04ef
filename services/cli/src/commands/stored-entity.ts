import { UsageError } from '../args';
import type { Command } from '../command';
import { readJson } from './read-json';

/** An admin collection the CLI applies from files: `/budgets`, `/rate-limits`. */
interface Entity {
  /** The command group, also the path under /admin/v1: `budgets`, `rate-limits`. */
  group: string;
  /** What one is called in messages: `budget`, `rate limit`. */
  noun: string;
  /** Said after `apply`'s synopsis: what replacing one does. */
  applyNote: string;
}

/** `<group> apply -f file`, `<group> get <id>`, `<group> delete <id>`: the same for every versioned admin entity. */
export function storedEntityCommands({ group, noun, applyNote }: Entity): Command[] {
  return [
    {
      name: `${group} apply`,
      synopsis: `${group} apply -f ${noun.replace(' ', '-')}.json   (creates or replaces; ${applyNote})`,
      flags: { values: ['file'] },
      async run(r) {
        const { value, file } = readJson(r);
        const entries = Array.isArray(value) ? value : [value];
        if (!entries.every((e) => typeof e === 'object' && e !== null && typeof (e as { id?: unknown }).id === 'string')) {
          throw new UsageError(`${file}: each ${noun} needs an "id".`);
        }
        const client = r.client();
        const results: Array<{ version?: number }> = [];
        for (const { id, ...body } of entries as Array<{ id: string }>) {
          const { status, body: written } = await client.call<{ version?: number }>('PUT', `/${group}/${encodeURIComponent(id)}`, { body });
          results.push(written);
          const version = written.version === undefined ? '' : `, version ${written.version}`;
          if (!r.args.has('json')) r.io.stdout.write(`${noun} ${id}: ${status === 201 ? 'created' : 'updated'}${version}\n`);
        }
        if (r.args.has('json')) r.print('', results.length === 1 ? results[0] : results);
      },
    },
    {
      name: `${group} get`,
      synopsis: `${group} get <id>`,
      flags: {},
      async run(r) {
        const id = r.args.positionals[0];
        if (!id) throw new UsageError(`${group} get needs a ${noun} id.`);
        const doc = await r.client().get<object>(`/${group}/${encodeURIComponent(id)}`);
        r.print(() => `${JSON.stringify(doc, null, 2)}\n`, doc);
      },
    },
    {
      name: `${group} delete`,
      synopsis: `${group} delete <id>`,
      flags: {},
      async run(r) {
        const id = r.args.positionals[0];
        if (!id) throw new UsageError(`${group} delete needs a ${noun} id.`);
        await r.client().call('DELETE', `/${group}/${encodeURIComponent(id)}`);
        r.print(() => `${noun} ${id}: deleted\n`, { id, deleted: true });
      },
    },
  ];
}
