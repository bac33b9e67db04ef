import type { z } from 'zod';
import type { RateLimitView } from '../../../gateway/src/admin/schemas';
import type { Command } from '../command';
import { table } from '../table';
import { scopeText } from './budgets';
import { storedEntityCommands } from './stored-entity';

type RateLimit = z.infer<typeof RateLimitView>;

const [apply, get, del] = storedEntityCommands({ group: 'rate-limits', noun: 'rate limit', applyNote: 'a new limit applies to the current window' });

/** `gatehouse rate-limits apply|list|get|delete`. */
export const rateLimitCommands: Command[] = [
  apply,
  {
    name: 'rate-limits list',
    synopsis: 'rate-limits list',
    flags: {},
    async run(r) {
      const { data } = await r.client().get<{ data: RateLimit[] }>('/rate-limits');
      r.print(
        () =>
          data.length
            ? table(data, [
                ['ID', (l) => l.id],
                ['SCOPE', (l) => scopeText(l.scope)],
                ['LIMIT', (l) => `${l.limit.toLocaleString('en-US')} ${l.unit === 'tokens' ? 'input+output tokens' : 'requests'} per ${l.per}`],
                ['NAME', (l) => l.name],
              ])
            : 'No rate limits.\n',
        data,
      );
    },
  },
  get,
  del,
];
