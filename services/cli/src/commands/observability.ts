import type { z } from 'zod';
import type { Groups, LogDetail, LogList, Metrics, Timeseries } from '../../../gateway/src/admin/observability-schemas';
import { UsageError } from '../args';
import type { Command, Run } from '../command';
import { block, count, table, usd, when } from '../table';

type Log = z.infer<typeof LogDetail>;
type MetricsRow = z.infer<typeof Metrics>;

/** `--metadata team=web` as the API's `metadata.team=web` parameter. */
function metadataParams(r: Run): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of r.args.list('metadata') ?? []) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new UsageError(`--metadata takes name=value, not "${pair}".`);
    out[`metadata.${pair.slice(0, eq)}`] = pair.slice(eq + 1);
  }
  return out;
}

const ms = (v: number | null | undefined) => (v === null || v === undefined ? '' : `${Math.round(v)} ms`);

const LOG_FLAGS = ['from', 'to', 'key-id', 'workspace', 'model', 'provider', 'status', 'outcome', 'trace', 'session', 'metadata', 'limit', 'cursor'];

/** `gatehouse logs search`: one page (or, with --all, every page), newest first. */
const search: Command = {
  name: 'logs search',
  synopsis:
    'logs search [--from T] [--to T] [--key-id K] [--workspace W] [--model M] [--provider P] [--status N] [--outcome O] [--trace ID] [--session ID] [--metadata name=value] [--limit N] [--cursor C] [--all] [--csv]',
  flags: { values: LOG_FLAGS, booleans: ['all', 'csv'] },
  async run(r) {
    const a = r.args;
    const query: Record<string, string | undefined> = {
      from: a.get('from'),
      to: a.get('to'),
      key_id: a.get('key-id'),
      workspace_id: a.get('workspace'),
      model: a.get('model'),
      provider: a.get('provider'),
      status: a.get('status'),
      outcome: a.get('outcome'),
      trace_id: a.get('trace'),
      session_id: a.get('session'),
      limit: a.get('limit'),
      ...metadataParams(r),
    };
    let cursor = a.get('cursor');
    if (a.has('csv')) {
      // CSV pages share one header: print it once.
      let first = true;
      do {
        const res = await r.client().call<string>('GET', '/logs', { query: { ...query, cursor, format: 'csv' }, text: true });
        r.io.stdout.write(first ? res.body : res.body.slice(res.body.indexOf('\n') + 1));
        first = false;
        cursor = res.headers?.get('x-gatehouse-next-cursor') ?? undefined;
      } while (cursor && a.has('all'));
      if (cursor) r.note(`More: --cursor ${cursor}`);
      return;
    }
    const logs: Log[] = [];
    let next: string | null;
    do {
      const page = await r.client().get<z.infer<typeof LogList>>('/logs', { ...query, cursor });
      logs.push(...page.data);
      next = page.next_cursor;
      cursor = next ?? undefined;
    } while (next && a.has('all'));
    r.print(
      () =>
        (logs.length
          ? table(logs, [
              ['TIME', (l) => when(l.timestamp)],
              ['REQUEST', (l) => l.id],
              ['KEY', (l) => l.key_name ?? l.key_id],
              ['MODEL', (l) => l.model_requested],
              ['STATUS', (l) => l.status],
              ['OUTCOME', (l) => l.outcome],
              ['IN/OUT', (l) => `${count(l.usage.input)}/${count(l.usage.output)}`],
              ['COST', (l) => usd(l.cost_micros)],
              ['LATENCY', (l) => ms(l.latency_ms)],
            ])
          : 'No request logs match.\n') + (next ? `More: --cursor ${next}\n` : ''),
      { data: logs, next_cursor: next },
    );
  },
};

/** `gatehouse logs get REQUEST_ID`: one log, its attempts, and captured bodies when there are. */
const get: Command = {
  name: 'logs get',
  synopsis: 'logs get REQUEST_ID',
  flags: {},
  async run(r) {
    const id = r.args.positionals[0];
    if (!id) throw new UsageError('Give the request id (x-gatehouse-request-id).');
    const l = await r.client().get<Log>(`/logs/${encodeURIComponent(id)}`);
    r.print(() => {
      const head = block([
        ['request', l.id],
        ['time', when(l.timestamp)],
        ['trace', l.trace_id],
        ['cloud trace', l.cloud_trace_id],
        ['session', l.session_id],
        ['workspace', l.workspace_id],
        ['key', l.key_name ? `${l.key_name} (${l.key_id})` : l.key_id],
        ['provider', l.provider],
        ['model', l.model_upstream && l.model_upstream !== l.model_requested ? `${l.model_requested} → ${l.model_upstream}` : l.model_requested],
        ['status', `${l.status} ${l.outcome}${l.error_type ? ` (${l.error_type})` : ''}`],
        [
          'tokens',
          `input ${count(l.usage.input)}, output ${count(l.usage.output)}, cache read ${count(l.usage.cache_read)}, cache write ${count(l.usage.cache_write_5m + l.usage.cache_write_1h)}`,
        ],
        ['cost', usd(l.cost_micros)],
        ['latency', `${ms(l.latency_ms)}${l.ttfb_ms !== undefined ? `, first byte ${ms(l.ttfb_ms)}` : ''}`],
        ['cache', l.cache?.status],
        ['metadata', Object.keys(l.metadata).length ? JSON.stringify(l.metadata) : undefined],
      ]);
      const attempts = l.attempts.length
        ? `\n${table(l.attempts, [
            ['ATTEMPT', (a) => a.target],
            ['PROVIDER', (a) => a.provider],
            ['STATUS', (a) => a.status],
            ['LATENCY', (a) => ms(a.latency_ms)],
            ['ERROR', (a) => a.error_type],
          ])}`
        : '';
      const bodies = Object.entries(l.bodies ?? {})
        .map(([part, b]) => `\n${part} body (${b.content_type}${b.truncated ? ', truncated' : ''}):\n${b.text}\n`)
        .join('');
      return head + attempts + bodies;
    }, l);
  },
};

const METRIC_COLUMNS: Array<[string, (m: MetricsRow) => string | number]> = [
  ['REQUESTS', (m) => count(m.requests)],
  ['ERRORS', (m) => count(m.errors)],
  ['COST', (m) => usd(m.cost_micros)],
  ['INPUT', (m) => count(m.input)],
  ['OUTPUT', (m) => count(m.output)],
  ['P50', (m) => ms(m.latency_ms_p50)],
  ['P95', (m) => ms(m.latency_ms_p95)],
  ['TTFB P50', (m) => ms(m.ttfb_ms_p50)],
  ['CACHE HITS', (m) => `${(m.cache_hit_rate * 100).toFixed(0)}%`],
  ['SAVED', (m) => usd(m.cache_saved_micros)],
];

const RANGE_FLAGS = ['from', 'to', 'granularity', 'workspace'];

function rangeQuery(r: Run): Record<string, string | undefined> {
  const today = new Date().toISOString().slice(0, 10);
  return { from: r.args.get('from') ?? today, to: r.args.get('to') ?? today, granularity: r.args.get('granularity'), workspace_id: r.args.get('workspace') };
}

async function csvOr<T>(r: Run, path: string, query: Record<string, string | undefined>, show: (body: T) => string): Promise<void> {
  if (r.args.has('csv')) {
    r.io.stdout.write((await r.client().call<string>('GET', path, { query: { ...query, format: 'csv' }, text: true })).body);
    return;
  }
  const body = await r.client().get<T>(path, query);
  r.print(() => show(body), body);
}

/** `gatehouse analytics timeseries`: metrics per UTC hour or day (default: today, by day). */
const series: Command = {
  name: 'analytics timeseries',
  synopsis:
    'analytics timeseries [--from T] [--to T] [--granularity hour|day] [--workspace W] [--key-id K | --model M | --provider P | --metadata name=value] [--csv]',
  flags: { values: [...RANGE_FLAGS, 'key-id', 'model', 'provider', 'metadata'], booleans: ['csv'] },
  run: (r) =>
    csvOr<z.infer<typeof Timeseries>>(
      r,
      '/analytics/timeseries',
      { ...rangeQuery(r), key_id: r.args.get('key-id'), model: r.args.get('model'), provider: r.args.get('provider'), ...metadataParams(r) },
      (t) => `${table(t.buckets, [['START (UTC)', (b) => when(b.start)], ...METRIC_COLUMNS])}\n${table([t.totals], [['TOTAL', () => ''], ...METRIC_COLUMNS])}`,
    ),
};

/** `gatehouse analytics groups --by model`: the same metrics per value, most expensive first. */
const groups: Command = {
  name: 'analytics groups',
  synopsis: 'analytics groups --by key|workspace|provider|model|metadata.NAME [--from T] [--to T] [--granularity hour|day] [--workspace W] [--limit N] [--csv]',
  flags: { values: [...RANGE_FLAGS, 'by', 'limit'], booleans: ['csv'] },
  run(r) {
    const by = r.args.get('by');
    if (!by) throw new UsageError('Give --by key, workspace, provider, model or metadata.NAME.');
    return csvOr<z.infer<typeof Groups>>(r, '/analytics/groups', { ...rangeQuery(r), group_by: by, limit: r.args.get('limit') }, (g) =>
      g.data.length
        ? `${table(g.data, [[by.toUpperCase(), (m) => m.value], ...METRIC_COLUMNS])}\n${table([g.totals], [['TOTAL', () => ''], ...METRIC_COLUMNS])}`
        : `No requests from ${g.from} to ${g.to}.\n`,
    );
  },
};

export const observabilityCommands: Command[] = [search, get, series, groups];
