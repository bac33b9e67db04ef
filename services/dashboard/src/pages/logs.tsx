import { useEffect, useMemo, useState } from 'preact/hooks';
import { downloadCsv, get, type Query } from '../api';
import { dateTime, int, ms, tokens, usd } from '../format';
import { setQuery } from '../router';
import { zone } from '../zone';
import type { LogPage, PageProps, RequestLog } from '../types';
import { asApiError, ErrorBox, Loading, useLoad } from '../ui';
import { LogDetail } from './log-detail';

/** The filters the log search takes (docs/observability-api.md), kept in the page's query string. */
const FIELDS = [
  ['trace_id', 'Trace id'],
  ['session_id', 'Session id'],
  ['key_id', 'Key id'],
  ['model', 'Model'],
  ['provider', 'Provider'],
  ['status', 'Status'],
] as const;
const OUTCOMES = ['success', 'upstream_error', 'client_cancel', 'rejected', 'gateway_error'];
const SINCE = { '1h': 1, '24h': 24, '7d': 24 * 7, '30d': 24 * 30 } as const;

interface Filters {
  /** A preset, or `custom`: then `from` and `to` (ISO instants; either may be empty). */
  since: keyof typeof SINCE | 'custom';
  from: string;
  to: string;
  outcome: string;
  /** `team=web`: one metadata filter, as the API allows. */
  metadata: string;
  [field: string]: string;
}

function readFilters(): Filters {
  const q = new URLSearchParams(location.search);
  const f: Filters = {
    since: (q.get('since') as Filters['since']) || '24h',
    from: q.get('from') ?? '',
    to: q.get('to') ?? '',
    outcome: q.get('outcome') ?? '',
    metadata: q.get('metadata') ?? '',
  };
  for (const [k] of FIELDS) f[k] = q.get(k) ?? '';
  return f;
}

function toQuery(f: Filters, now = Date.now()): Query {
  const range =
    f.since === 'custom' ? { from: f.from || undefined, to: f.to || undefined } : { from: new Date(now - (SINCE[f.since] ?? 24) * 3600_000).toISOString() };
  const q: Query = { ...range, outcome: f.outcome || undefined, limit: 100 };
  for (const [k] of FIELDS) q[k] = f[k]?.trim() || undefined;
  const eq = f.metadata.indexOf('=');
  if (eq > 0) q[`metadata.${f.metadata.slice(0, eq).trim()}`] = f.metadata.slice(eq + 1).trim();
  return q;
}

/** A custom range starts as the preset it replaces, so it only needs narrowing. */
function withSince(f: Filters, since: Filters['since'], now = Date.now()): Filters {
  if (since !== 'custom' || f.from || f.since === 'custom') return { ...f, since };
  return { ...f, since, from: new Date(now - (SINCE[f.since] ?? 24) * 3600_000).toISOString(), to: new Date(now).toISOString() };
}

export function LogsPage(_: PageProps) {
  const [filters, setFilters] = useState<Filters>(readFilters);
  const [draft, setDraft] = useState<Filters>(filters);
  const [grouped, setGrouped] = useState(false);
  const [selected, setSelected] = useState<string | null>(null);
  const [more, setMore] = useState<{ rows: RequestLog[]; cursor: string | null }>({ rows: [], cursor: null });
  const [moreError, setMoreError] = useState<ReturnType<typeof asApiError> | null>(null);
  const query = useMemo(() => toQuery(filters), [filters]);
  const page = useLoad(() => get<LogPage>('/logs', query), [query]);

  useEffect(() => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(filters)) {
      if (v && !(k === 'since' && v === '24h') && !((k === 'from' || k === 'to') && filters.since !== 'custom')) q.set(k, v);
    }
    setQuery(q);
    setMore({ rows: [], cursor: null });
  }, [filters]);

  const rows = [...(page.data?.data ?? []), ...more.rows];
  const cursor = more.rows.length ? more.cursor : (page.data?.next_cursor ?? null);
  const apply = (f: Filters) => {
    setDraft(f);
    setFilters(f);
    setSelected(null);
  };
  const openSession = (id: string) => apply({ ...readFilters(), since: '7d', session_id: id, trace_id: '', metadata: '', outcome: '' });

  return (
    <div class={selected ? 'with-panel' : ''}>
      <div>
        <header class="page">
          <h1>Logs</h1>
          <span class="muted">newest first</span>
        </header>
        <form
          class="filters"
          onSubmit={(e) => {
            e.preventDefault();
            apply(draft);
          }}
        >
          <label>
            Since
            <select name="since" value={draft.since} onChange={(e) => setDraft(withSince(draft, e.currentTarget.value as Filters['since']))}>
              {Object.keys(SINCE).map((s) => (
                <option key={s}>{s}</option>
              ))}
              <option value="custom">custom range</option>
            </select>
          </label>
          {draft.since === 'custom' &&
            (['from', 'to'] as const).map((k) => (
              <label key={k}>
                {k === 'from' ? 'From' : 'To'} <span class="zone">({zone.label()})</span>
                <input
                  type="datetime-local"
                  step={1}
                  name={k}
                  value={zone.toWallClock(draft[k])}
                  onInput={(e) => setDraft({ ...draft, [k]: zone.toInstant(e.currentTarget.value) })}
                />
              </label>
            ))}
          {FIELDS.map(([k, label]) => (
            <label key={k}>
              {label}
              <input name={k} value={draft[k]} onInput={(e) => setDraft({ ...draft, [k]: e.currentTarget.value })} />
            </label>
          ))}
          <label>
            Outcome
            <select name="outcome" value={draft.outcome} onChange={(e) => setDraft({ ...draft, outcome: e.currentTarget.value })}>
              <option value="">any</option>
              {OUTCOMES.map((o) => (
                <option key={o}>{o}</option>
              ))}
            </select>
          </label>
          <label>
            Metadata
            <input name="metadata" placeholder="team=web" value={draft.metadata} onInput={(e) => setDraft({ ...draft, metadata: e.currentTarget.value })} />
          </label>
          <div class="buttons">
            <button type="submit">Search</button>
            <button
              type="button"
              class="secondary"
              onClick={() => apply({ since: '24h', from: '', to: '', outcome: '', metadata: '', ...Object.fromEntries(FIELDS.map(([k]) => [k, ''])) })}
            >
              Clear
            </button>
            <button
              type="button"
              class="secondary"
              onClick={() => downloadCsv('/logs', { ...query, limit: 1000 }, 'gatehouse-logs.csv').catch((e) => setMoreError(asApiError(e)))}
            >
              Export CSV
            </button>
            <label class="inline">
              <input type="checkbox" name="grouped" checked={grouped} onChange={(e) => setGrouped(e.currentTarget.checked)} /> Group by session
            </label>
          </div>
        </form>
        <ErrorBox error={page.error} />
        <Loading when={page.loading} />
        {filters.session_id && <SessionSummary id={filters.session_id} rows={rows} />}
        {page.data && rows.length === 0 && <p class="muted">No requests match.</p>}
        {rows.length > 0 &&
          (grouped ? (
            groupBySession(rows).map(([session, list]) => (
              <section class="session-group" key={session} data-session={session}>
                <header>
                  <strong>{session ? `Session ${session}` : 'No session'}</strong>
                  <span class="muted">
                    {list.length} requests · {usd(sum(list, (r) => r.cost_micros))} · {dateTime(list[list.length - 1].timestamp)} →{' '}
                    {dateTime(list[0].timestamp)}
                  </span>
                  {session && (
                    <button type="button" class="link" onClick={() => openSession(session)}>
                      Open session
                    </button>
                  )}
                </header>
                <LogTable rows={list} selected={selected} onSelect={setSelected} onSession={openSession} />
              </section>
            ))
          ) : (
            <LogTable rows={rows} selected={selected} onSelect={setSelected} onSession={openSession} />
          ))}
        <ErrorBox error={moreError} />
        {cursor && (
          <button
            type="button"
            class="secondary"
            onClick={() =>
              get<LogPage>('/logs', { ...query, cursor }).then(
                (p) => setMore({ rows: [...more.rows, ...p.data], cursor: p.next_cursor }),
                (e) => setMoreError(asApiError(e)),
              )
            }
          >
            Older requests
          </button>
        )}
      </div>
      {selected && <LogDetail id={selected} onClose={() => setSelected(null)} onSession={openSession} />}
    </div>
  );
}

function sum(rows: RequestLog[], f: (r: RequestLog) => number): number {
  return rows.reduce((n, r) => n + f(r), 0);
}

/** Rows of one Claude Code session together, sessions in the order of their newest request. */
function groupBySession(rows: RequestLog[]): [string, RequestLog[]][] {
  const groups = new Map<string, RequestLog[]>();
  for (const r of rows) {
    const k = r.session_id ?? '';
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return [...groups];
}

function SessionSummary({ id, rows }: { id: string; rows: RequestLog[] }) {
  if (!rows.length) return null;
  const models = [...new Set(rows.map((r) => r.model_requested).filter(Boolean))];
  const span = Date.parse(rows[0].timestamp) - Date.parse(rows[rows.length - 1].timestamp);
  return (
    <div class="session-summary" data-testid="session-summary">
      <strong>Claude Code session {id}</strong>
      <span>{rows.length} requests</span>
      <span>{usd(sum(rows, (r) => r.cost_micros))}</span>
      <span>{int(sum(rows, (r) => tokens(r.usage)))} tokens</span>
      <span>over {ms(span)}</span>
      <span class="muted">{models.join(', ')}</span>
    </div>
  );
}

function LogTable({
  rows,
  selected,
  onSelect,
  onSession,
}: {
  rows: RequestLog[];
  selected: string | null;
  onSelect: (id: string) => void;
  onSession: (id: string) => void;
}) {
  return (
    <table class="logs">
      <thead>
        <tr>
          <th>Time</th>
          <th>Status</th>
          <th>Model</th>
          <th>Key</th>
          <th class="wide">Provider</th>
          <th class="num">In / out tokens</th>
          <th class="num">Cost</th>
          <th class="num">Latency</th>
          <th class="num wide">TTFB</th>
          <th>Session</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.id} data-request-id={r.id} class={r.id === selected ? 'selected' : ''} onClick={() => onSelect(r.id)}>
            <td class="nowrap">{dateTime(r.timestamp)}</td>
            <td>
              <span class={`badge ${r.status < 400 ? 'ok' : 'bad'}`} title={r.outcome}>
                {r.status}
              </span>
              {r.cache?.status === 'HIT' && <span class="badge info">cache</span>}
            </td>
            <td>{r.model_requested ?? '–'}</td>
            <td>{r.key_name ?? r.key_id ?? '–'}</td>
            <td class="wide">{r.provider ?? '–'}</td>
            <td class="num">
              {int(r.usage.input + r.usage.cache_read + r.usage.cache_write_5m + r.usage.cache_write_1h)} / {int(r.usage.output)}
            </td>
            <td class="num">{usd(r.cost_micros)}</td>
            <td class="num">{ms(r.latency_ms)}</td>
            <td class="num wide">{ms(r.ttfb_ms)}</td>
            <td>
              {r.session_id && (
                <button
                  type="button"
                  class="link mono"
                  title="This session's requests"
                  onClick={(e) => {
                    e.stopPropagation();
                    onSession(r.session_id!);
                  }}
                >
                  {r.session_id.slice(0, 8)}
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
