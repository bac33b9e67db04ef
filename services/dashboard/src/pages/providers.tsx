import { get } from '../api';
import { dateTime } from '../format';
import type { PageProps, Provider } from '../types';
import { ErrorBox, Loading, useLoad } from '../ui';

/** Where a credential lives (never the credential: the API holds only references). */
function credentialText(c: unknown): string {
  if (!c || typeof c !== 'object') return '–';
  const ref = c as Record<string, unknown>;
  if (ref.adc) return 'workload identity (ADC)';
  if (typeof ref.env === 'string') return `env ${ref.env}`;
  if (typeof ref.secret === 'string') return `secret ${ref.secret}`;
  return Object.keys(ref)
    .map((k) => `${k}: ${credentialText(ref[k])}`)
    .join(', ');
}

export function ProvidersPage(_: PageProps) {
  const list = useLoad(() => get<{ data: Provider[] }>('/providers'), []);
  return (
    <>
      <header class="page">
        <h1>Providers</h1>
      </header>
      <ErrorBox error={list.error} />
      <Loading when={list.loading} />
      {list.data && (
        <table>
          <thead>
            <tr>
              <th>Slug</th>
              <th>Kind</th>
              <th>Where</th>
              <th>Credentials</th>
              <th>Negotiated pricing</th>
              <th>Updated</th>
            </tr>
          </thead>
          <tbody>
            {list.data.data.map((p) => (
              <tr key={p.slug} data-provider={p.slug}>
                <td class="mono">@{p.slug}</td>
                <td>{p.kind}</td>
                <td>
                  {[p.project_id, p.region].filter(Boolean).join(' / ') || '–'}
                  {p.base_url && <div class="muted mono">{p.base_url}</div>}
                </td>
                <td>{credentialText(p.credentials)}</td>
                <td>
                  {p.pricing
                    ? `v${p.pricing.version}: ${p.pricing.discount_percent ?? 0}% off${p.pricing.models ? `, ${Object.keys(p.pricing.models).length} model rows` : ''}`
                    : 'list prices'}
                </td>
                <td>{dateTime(p.updated_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
