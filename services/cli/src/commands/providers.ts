import type { Provider, ProviderPricing } from '../../../shared/src/entities';
import { UsageError } from '../args';
import type { Command } from '../command';
import { table } from '../table';
import { readJson } from './read-json';

export const providerCommands: Command[] = [
  {
    name: 'providers apply',
    synopsis: 'providers apply -f file.json   (a provider with its slug, or a list; created or replaced)',
    flags: { values: ['file'] },
    async run(r) {
      const { value, file } = readJson(r);
      const list = Array.isArray(value) ? value : [value];
      const client = r.client();
      const results: Provider[] = [];
      for (const p of list) {
        const slug = (p as { slug?: unknown } | null)?.slug;
        if (typeof slug !== 'string' || !slug) throw new UsageError(`${file}: each provider needs a "slug".`);
        const { status, body } = await client.call<Provider>('PUT', `/providers/${encodeURIComponent(slug.replace(/^@/, ''))}`, { body: p });
        results.push(body);
        if (!r.args.has('json')) r.io.stdout.write(`provider @${body.slug}: ${status === 201 ? 'created' : 'updated'}\n`);
      }
      if (r.args.has('json')) r.print('', results.length === 1 ? results[0] : results);
    },
  },
  {
    name: 'providers pricing',
    synopsis: 'providers pricing SLUG (--discount PERCENT | -f pricing.json)   (negotiated prices; replace the previous ones, as a new version)',
    flags: { values: ['file', 'discount'] },
    async run(r) {
      const slug = r.args.positionals[0]?.replace(/^@/, '');
      if (!slug) throw new UsageError('providers pricing needs the provider slug.');
      const discount = r.args.get('discount');
      if ((discount === undefined) === !r.args.get('file'))
        throw new UsageError('Give --discount PERCENT or -f pricing.json ({"discount_percent": …, "models": {…}}).');
      const body = discount !== undefined ? { discount_percent: Number(discount) } : readJson(r).value;
      const { body: pricing } = await r.client().call<ProviderPricing>('PUT', `/providers/${encodeURIComponent(slug)}/pricing`, { body });
      r.print(() => `provider @${slug}: pricing version ${pricing.version}\n`, pricing);
    },
  },
  {
    name: 'providers list',
    synopsis: 'providers list',
    flags: {},
    async run(r) {
      const { data } = await r.client().get<{ data: Provider[] }>('/providers');
      r.print(
        () =>
          data.length
            ? table(data, [
                ['SLUG', (p) => `@${p.slug}`],
                ['KIND', (p) => p.kind],
                ['WHERE', (p) => (p.kind === 'vertex' ? `${p.project_id}/${p.region}` : p.kind === 'bedrock' ? p.region : '')],
                ['CREDENTIALS', (p) => credentialLabel(p)],
                ['BASE URL', (p) => p.base_url],
              ])
            : 'No providers.\n',
        data,
      );
    },
  },
];

/** Where the credential lives, never a value (providers only hold references). */
function credentialLabel(p: Provider): string {
  const ref = (c: Record<string, unknown>) => ('adc' in c ? 'ADC' : 'env' in c ? `env ${String(c.env)}` : `secret ${String(c.secret).split('/')[3] ?? ''}`);
  if (p.kind === 'bedrock') return `access key: ${ref(p.credentials.access_key_id)}`;
  return ref(p.credentials);
}
