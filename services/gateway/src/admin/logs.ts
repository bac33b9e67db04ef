import type { z } from 'zod';
import type { RequestLog } from '../../../shared/src/request-log';
import type { LogPosition, LogSearch } from '../../../shared/src/store/log-search';
import { requireWorkspace, visibleWorkspace } from './authorize';
import { type AdminContext, badRequest, iso, notFound, ok, type Reply } from './context';
import { toCsv } from './csv';
import { instant, orderedRange } from './instant';
import type { LogSearchQuery } from './observability-schemas';

const DAY_MS = 86_400_000;

/** `GET /admin/v1/logs`: a page of request logs, newest first, and the cursor of the next. */
export async function searchLogs(ctx: AdminContext, q: z.infer<typeof LogSearchQuery>): Promise<Reply> {
  const workspaceId = visibleWorkspace(ctx.actor, q.workspace_id, ctx.what);
  const metadata = Object.entries(q.metadata ?? {});
  if (metadata.length > 1) throw badRequest('Give at most one metadata.<name>=<value> filter per search.');
  const to = q.to ? instant(q.to, 'to') : iso(ctx.now());
  const from = q.from ? instant(q.from, 'from') : iso(Date.parse(to) - DAY_MS);
  const equal: LogSearch['equal'] = {
    ...(q.key_id !== undefined ? { key_id: q.key_id } : {}),
    ...(workspaceId !== undefined ? { workspace_id: workspaceId } : {}),
    ...(q.model !== undefined ? { model_requested: q.model } : {}),
    // Events name providers by slug; admins often write the config spelling, `@slug`.
    ...(q.provider !== undefined ? { provider: q.provider.replace(/^@/, '') } : {}),
    ...(q.status !== undefined ? { status: q.status } : {}),
    ...(q.outcome !== undefined ? { outcome: q.outcome } : {}),
    ...(q.trace_id !== undefined ? { trace_id: q.trace_id } : {}),
    ...(q.session_id !== undefined ? { session_id: q.session_id } : {}),
  };
  const found = await ctx.store.requestLogs.search({
    equal,
    ...(metadata.length ? { metadata: `${metadata[0][0]}=${metadata[0][1]}` } : {}),
    ...orderedRange(from, to),
    ...(q.cursor ? { after: decodeCursor(q.cursor) } : {}),
    // One more than asked: whether a next page exists.
    limit: q.limit + 1,
  });
  const data = found.slice(0, q.limit);
  const last = data.at(-1);
  const next = found.length > q.limit && last ? encodeCursor(last) : null;
  if (q.format === 'csv') {
    return {
      status: 200,
      body: toCsv(CSV_COLUMNS, data.map(csvRow)),
      contentType: 'text/csv; charset=utf-8',
      headers: next ? { 'x-gatehouse-next-cursor': next } : {},
    };
  }
  return ok({ data, next_cursor: next });
}

/** `GET /admin/v1/logs/{request_id}`: one log, with its captured bodies when there are any. */
export async function getLog(ctx: AdminContext, id: string): Promise<Reply> {
  const log = await ctx.store.requestLogs.get(id);
  if (!log) throw notFound('request log', id);
  requireWorkspace(ctx.actor, log.workspace_id, ctx.what);
  if (!log.bodies_captured || !ctx.bodies) return ok(log);
  const [request, response] = await Promise.all([ctx.bodies.get(id, 'request'), ctx.bodies.get(id, 'response')]);
  return ok({ ...log, bodies: { ...(request ? { request } : {}), ...(response ? { response } : {}) } });
}

/** An opaque position: the last log of a page. */
export function encodeCursor(log: LogPosition): string {
  return Buffer.from(JSON.stringify([log.timestamp, log.id])).toString('base64url');
}

function decodeCursor(cursor: string): LogPosition {
  try {
    const [timestamp, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown[];
    if (typeof timestamp === 'string' && typeof id === 'string') return { timestamp, id };
  } catch {
    // fall through
  }
  throw badRequest('cursor: not a cursor this API returned (pass next_cursor as it came).');
}

const CSV_COLUMNS = [
  'timestamp',
  'id',
  'trace_id',
  'session_id',
  'workspace_id',
  'key_id',
  'key_name',
  'provider',
  'model_requested',
  'model_upstream',
  'status',
  'outcome',
  'error_type',
  'input',
  'output',
  'cache_write_5m',
  'cache_write_1h',
  'cache_read',
  'cost_usd',
  'latency_ms',
  'ttfb_ms',
  'cache_status',
  'attempts',
  'metadata',
] as const;

function csvRow(log: RequestLog): Record<string, unknown> {
  return { ...log, ...log.usage, cache_status: log.cache?.status, attempts: log.attempts.length };
}
