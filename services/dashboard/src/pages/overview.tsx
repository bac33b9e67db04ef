import { useMemo, useState } from 'preact/hooks';
import { get } from '../api';
import { Chart } from '../chart';
import { compact, int, ms, percent, tokens, usd } from '../format';
import type { Groups, Key, Metrics, PageProps, Timeseries, Workspace } from '../types';
import { Card, ErrorBox, Loading, useLoad } from '../ui';

/** Time ranges, each with the rollup granularity the API serves it from (hour: at most 31 days). */
const RANGES = {
  '24h': { label: 'Last 24 hours', hours: 24, granularity: 'hour' },
  '7d': { label: 'Last 7 days', hours: 24 * 7, granularity: 'hour' },
  '30d': { label: 'Last 30 days', hours: 24 * 30, granularity: 'day' },
} as const;
type Range = keyof typeof RANGES;

function rangeQuery(range: Range, now = Date.now()) {
  const r = RANGES[range];
  return { from: new Date(now - r.hours * 3600_000).toISOString(), to: new Date(now).toISOString(), granularity: r.granularity };
}

const COLORS = { cost: '#2563eb', input: '#0891b2', output: '#7c3aed', cacheRead: '#16a34a', cacheWrite: '#d97706', errors: '#dc2626', requests: '#475569' };
const usdTick = (v: number) => (v < 0.1 && v > 0 ? `$${v.toFixed(3)}` : `$${v.toFixed(2)}`);

export function OverviewPage({ me, can }: PageProps) {
  const [range, setRange] = useState<Range>('24h');
  const [workspace, setWorkspace] = useState('');
  const q = useMemo(() => ({ ...rangeQuery(range), workspace_id: workspace || undefined }), [range, workspace]);
  // An organisation key may narrow everything to one workspace; a workspace key sees its own.
  const workspaces = useLoad(
    () => (me.type === 'organisation' && can('workspaces.read') ? get<{ data: Workspace[] }>('/workspaces') : Promise.resolve({ data: [] })),
    [],
  );
  const series = useLoad(() => get<Timeseries>('/analytics/timeseries', q), [q]);
  const byModel = useLoad(() => get<Groups>('/analytics/groups', { ...q, group_by: 'model', limit: 5 }), [q]);
  const byKey = useLoad(() => get<Groups>('/analytics/groups', { ...q, group_by: 'key', limit: 5 }), [q]);
  const byTeam = useLoad(() => get<Groups>('/analytics/groups', { ...q, group_by: 'metadata.team', limit: 5 }), [q]);
  // Key ids become names when the key may list keys; otherwise the ids stay.
  const keys = useLoad(() => (can('keys.read') ? get<{ data: Key[] }>('/keys') : Promise.resolve({ data: [] })), []);
  const keyName = (id: string) => keys.data?.data.find((k) => k.key_id === id)?.name ?? id;

  const t = series.data;
  const charts = useMemo(() => {
    if (!t) return undefined;
    const times = t.buckets.map((b) => Date.parse(b.start));
    const pick = (f: (b: Metrics) => number | null) => t.buckets.map(f);
    return {
      times,
      cost: [{ label: 'cost', values: pick((b) => b.cost_usd), color: COLORS.cost }],
      tokens: [
        { label: 'input', values: pick((b) => b.input), color: COLORS.input },
        { label: 'output', values: pick((b) => b.output), color: COLORS.output },
        { label: 'cache read', values: pick((b) => b.cache_read), color: COLORS.cacheRead },
        { label: 'cache write', values: pick((b) => b.cache_write_5m + b.cache_write_1h), color: COLORS.cacheWrite },
      ],
      requests: [
        { label: 'requests', values: pick((b) => b.requests), color: COLORS.requests },
        { label: 'errors', values: pick((b) => b.errors), color: COLORS.errors },
      ],
      latency: [
        { label: 'p50', values: pick((b) => b.latency_ms_p50), color: COLORS.cost },
        { label: 'p95', values: pick((b) => b.latency_ms_p95), color: COLORS.output },
        { label: 'TTFB p50', values: pick((b) => b.ttfb_ms_p50), color: COLORS.cacheRead },
      ],
    };
  }, [t]);
  const per = RANGES[range].granularity;

  return (
    <>
      <header class="page">
        <h1>Overview</h1>
        {workspaces.data && workspaces.data.data.length > 0 && (
          <select aria-label="Workspace" value={workspace} onChange={(e) => setWorkspace(e.currentTarget.value)}>
            <option value="">All workspaces</option>
            {workspaces.data.data.map((w) => (
              <option key={w.id} value={w.id}>
                {w.name}
              </option>
            ))}
          </select>
        )}
        <select aria-label="Time range" value={range} onChange={(e) => setRange(e.currentTarget.value as Range)}>
          {Object.entries(RANGES).map(([k, r]) => (
            <option key={k} value={k}>
              {r.label}
            </option>
          ))}
        </select>
      </header>
      <ErrorBox error={series.error} />
      <Loading when={series.loading && !t} />
      {t && (
        <div class="stats">
          <Stat id="cost" label="Cost" value={usd(t.totals.cost_micros)} raw={t.totals.cost_micros} />
          <Stat id="requests" label="Requests" value={int(t.totals.requests)} raw={t.totals.requests} />
          <Stat
            id="tokens"
            label="Tokens"
            value={compact(tokens(t.totals))}
            raw={tokens(t.totals)}
            hint={`${int(t.totals.input)} in, ${int(t.totals.output)} out`}
          />
          <Stat id="error-rate" label="Error rate" value={percent(t.totals.error_rate)} raw={t.totals.errors} hint={`${int(t.totals.errors)} errors`} />
          <Stat
            id="cache-saved"
            label="Cache savings"
            value={usd(t.totals.cache_saved_micros)}
            raw={t.totals.cache_saved_micros}
            hint={`hit rate ${percent(t.totals.cache_hit_rate)}`}
          />
          <Stat
            id="latency"
            label="Latency p50 / p95"
            value={`${ms(t.totals.latency_ms_p50)} / ${ms(t.totals.latency_ms_p95)}`}
            hint={`TTFB p50 ${ms(t.totals.ttfb_ms_p50)}`}
          />
        </div>
      )}
      {charts && (
        <div class="grid2">
          <Chart title={`Cost per ${per}`} unit="USD" times={charts.times} series={charts.cost} format={usdTick} />
          <Chart title={`Tokens per ${per}, by kind`} unit="tokens" times={charts.times} series={charts.tokens} format={compact} />
          <Chart title={`Requests and errors per ${per}`} unit="requests" times={charts.times} series={charts.requests} format={compact} />
          <Chart title="Latency" unit="ms" times={charts.times} series={charts.latency} format={(v) => `${Math.round(v)}`} />
        </div>
      )}
      <div class="grid3">
        <Top title="Top models" groups={byModel} label={(v) => v} />
        <Top title="Top keys" groups={byKey} label={keyName} />
        <Top title="Top teams" groups={byTeam} label={(v) => v || '(no team)'} />
      </div>
    </>
  );
}

function Stat({ id, label, value, raw, hint }: { id: string; label: string; value: string; raw?: number; hint?: string }) {
  return (
    <div class="stat" data-stat={id} data-value={raw}>
      <div class="label">{label}</div>
      <div class="value">{value}</div>
      {hint && <div class="hint">{hint}</div>}
    </div>
  );
}

function Top({ title, groups, label }: { title: string; groups: ReturnType<typeof useLoad<Groups>>; label: (v: string) => string }) {
  return (
    <Card title={title}>
      <ErrorBox error={groups.error} />
      {groups.data && groups.data.data.length === 0 && <p class="muted">No requests in this range.</p>}
      {groups.data && groups.data.data.length > 0 && (
        <table>
          <thead>
            <tr>
              <th />
              <th class="num">Requests</th>
              <th class="num">Tokens</th>
              <th class="num">Cost</th>
            </tr>
          </thead>
          <tbody>
            {groups.data.data.map((g) => (
              <tr key={g.value}>
                <td title={g.value}>{label(g.value)}</td>
                <td class="num">{int(g.requests)}</td>
                <td class="num">{compact(tokens(g))}</td>
                <td class="num">{usd(g.cost_micros)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}
