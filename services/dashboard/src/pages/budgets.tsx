import { get } from '../api';
import { dateTime, int, relative, usd } from '../format';
import { zone } from '../zone';
import type { Budget, BudgetAlert, PageProps, RateLimit } from '../types';
import { Card, ErrorBox, Loading, useLoad } from '../ui';

function scopeText(s: Budget['scope'] | RateLimit['scope']): string {
  if (s.type === 'key') return `key ${s.key_id}`;
  if (s.type === 'workspace') return `workspace ${s.workspace_id}`;
  if (s.type === 'provider') return `provider ${s.provider}`;
  if (s.type === 'metadata' && 'key' in s) return `${s.key} = ${s.value}`;
  return s.type;
}

const amount = (b: Pick<Budget, 'metric'>, v: number) => (b.metric === 'cost' ? usd(v) : `${int(v)} tokens`);

/** Budgets as progress bars against their limits, with the window's end and the alerts it has sent; then the rate limits. */
export function BudgetsPage(_: PageProps) {
  const budgets = useLoad(() => get<{ data: Budget[] }>('/budgets'), []);
  const limits = useLoad(() => get<{ data: RateLimit[] }>('/rate-limits'), []);
  const alerts = useLoad(() => get<{ data: BudgetAlert[] }>('/budget-alerts', { limit: '100' }), []);
  return (
    <>
      <header class="page">
        <h1>Budgets</h1>
      </header>
      <ErrorBox error={budgets.error} />
      <Loading when={budgets.loading} />
      {budgets.data?.data.length === 0 && <p class="muted">No budgets yet: `gatehouse budgets apply -f budgets.json`.</p>}
      <div class="budgets">
        {budgets.data?.data.map((b) => {
          const usage = b.status?.usage ?? 0;
          const ratio = usage / b.limit;
          const state = b.status?.state ?? 'ok';
          return (
            <section class={`card budget ${state}`} key={b.id} data-budget={b.id}>
              <header>
                <h2>{b.name}</h2>
                <span class={`badge ${state === 'ok' ? 'ok' : state === 'warning' ? 'warn' : 'bad'}`}>{state}</span>
              </header>
              <div class="muted">
                {scopeText(b.scope)} · {b.metric === 'cost' ? 'cost' : b.metric.replace(/_/g, ' ')} · per{' '}
                {b.period.kind === 'days' ? `${b.period.every} days` : b.period.kind}
                {b.period.time_zone ? ` (${b.period.time_zone})` : ''}
              </div>
              <div class="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(ratio * 100)}>
                <span class="fill" style={{ width: `${Math.min(100, ratio * 100)}%` }} />
                {b.thresholds
                  .filter((t) => t < 100)
                  .map((t) => (
                    <span key={t} class="mark" style={{ left: `${t}%` }} title={`alert at ${t}%`} />
                  ))}
              </div>
              <div class="row">
                <span>
                  <strong>{amount(b, usage)}</strong> of {amount(b, b.limit)} ({(ratio * 100).toFixed(1)}%)
                </span>
                <span class="muted">
                  {b.status?.window_end
                    ? `resets ${relative(b.status.window_end)}, ${dateTime(b.status.window_end)}`
                    : b.status
                      ? 'no reset (lifetime)'
                      : 'no usage yet'}
                </span>
              </div>
              <div class="muted">
                Alerts this window: {b.status?.alerted.length ? b.status.alerted.map((t) => `${t}%`).join(', ') : 'none'} (thresholds{' '}
                {b.thresholds.map((t) => `${t}%`).join(', ')}){b.status && ` · window since ${dateTime(b.status.window_start)}`}
              </div>
            </section>
          );
        })}
      </div>
      <Card title={`Alert history (times in ${zone.label()})`}>
        <ErrorBox error={alerts.error} />
        {alerts.data?.data.length === 0 && <p class="muted">No alerts yet: each threshold alerts once per budget window.</p>}
        {alerts.data && alerts.data.data.length > 0 && (
          <table class="alerts">
            <thead>
              <tr>
                <th>Time</th>
                <th>Budget</th>
                <th class="num">Threshold</th>
                <th class="num">Usage</th>
                <th>Window</th>
              </tr>
            </thead>
            <tbody>
              {alerts.data.data.map((a) => (
                <tr key={a.alert_id} data-alert={a.alert_id}>
                  <td>{dateTime(a.time)}</td>
                  <td>{a.budget_name}</td>
                  <td class="num">
                    <span class={`badge ${a.threshold >= 100 ? 'bad' : 'warn'}`}>{a.threshold}%</span>
                  </td>
                  <td class="num">
                    {amount(a, a.usage)} of {amount(a, a.limit)}
                  </td>
                  <td class="muted">
                    {dateTime(a.window_start)} – {a.window_end ? dateTime(a.window_end) : 'lifetime'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      <Card title="Rate limits">
        <ErrorBox error={limits.error} />
        {limits.data?.data.length === 0 && <p class="muted">No rate limits.</p>}
        {limits.data && limits.data.data.length > 0 && (
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Scope</th>
                <th class="num">Limit</th>
              </tr>
            </thead>
            <tbody>
              {limits.data.data.map((l) => (
                <tr key={l.id}>
                  <td>{l.name}</td>
                  <td>{scopeText(l.scope)}</td>
                  <td class="num">
                    {int(l.limit)} {l.unit} / {l.per}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}
