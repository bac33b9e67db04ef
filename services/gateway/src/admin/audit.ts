import { randomBytes } from 'node:crypto';
import type { AuditEntry } from '../../../shared/src/entities';
import { errorFields } from '../../../shared/src/log';
import { visibleWorkspace } from './authorize';
import { type AdminContext, iso, ok, type Reply } from './context';
import type { AuditQuery } from './schemas';
import type { z } from 'zod';

type Target = AuditEntry['target'];
type Summary = Record<string, unknown>;

/** Fields no summary may hold, whatever object it describes. */
const NEVER = new Set(['id', 'secret', 'key', 'key_hash', 'hash']);

/** A before/after summary: the object's public view minus anything secret-shaped. */
function summary(view: object | undefined, idField?: string): Summary | undefined {
  if (!view) return undefined;
  const out: Summary = {};
  for (const [k, v] of Object.entries(view)) if (v !== undefined && (k === idField || !NEVER.has(k))) out[k] = v;
  return out;
}

function changedFields(before: Summary | undefined, after: Summary | undefined): string[] {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  return [...keys].filter((k) => JSON.stringify(before?.[k]) !== JSON.stringify(after?.[k])).sort();
}

/**
 * Records one admin write. It runs after the write succeeded; if the audit write itself fails, the
 * entry goes to the log instead (Cloud Logging is the second record) and the caller still gets its answer.
 * `idField` keeps an object's own `id` (workspaces and configs are named by it; key views carry none).
 */
export async function audit(
  ctx: Omit<AdminContext, 'catalog'>,
  action: string,
  target: Target,
  workspaceId: string | undefined,
  before: object | undefined,
  after: object | undefined,
  idField?: string,
): Promise<void> {
  const now = ctx.now();
  const b = summary(before, idField);
  const a = summary(after, idField);
  const entry: AuditEntry = {
    id: `${iso(now)}_${randomBytes(4).toString('hex')}`,
    time: iso(now),
    expires_at: iso(now + ctx.auditRetentionDays * 86_400_000),
    actor: {
      key_id: ctx.actor.key_id,
      name: ctx.actor.name,
      type: ctx.actor.type,
      ...(ctx.actor.workspace_id ? { workspace_id: ctx.actor.workspace_id } : {}),
    },
    action,
    target,
    ...(workspaceId ? { workspace_id: workspaceId } : {}),
    ...(ctx.requestId ? { request_id: ctx.requestId } : {}),
    changes: changedFields(b, a),
    ...(b ? { before: b } : {}),
    ...(a ? { after: a } : {}),
  };
  const fields = { action, target, actorKeyId: ctx.actor.key_id, workspaceId, changes: entry.changes };
  try {
    await ctx.store.audit.create(entry.id, entry);
    ctx.log.info('admin write', fields);
  } catch (err) {
    ctx.log.error('admin write done but its audit entry was not stored', { ...fields, auditId: entry.id, ...errorFields(err) });
  }
}

/** `GET /admin/v1/audit`: newest first, filtered; workspace keys see their own workspace's entries. */
export async function listAudit(ctx: AdminContext, q: z.infer<typeof AuditQuery>): Promise<Reply> {
  const workspace = visibleWorkspace(ctx.actor, q.workspace_id, ctx.what);
  const now = iso(ctx.now());
  const matching = (await ctx.store.audit.list())
    .filter(
      (e) =>
        e.expires_at > now && // Firestore's TTL deletes within a day of expiry, not at it
        (workspace === undefined || e.workspace_id === workspace) &&
        (q.target_type === undefined || e.target.type === q.target_type) &&
        (q.target_id === undefined || e.target.id === q.target_id) &&
        (q.actor === undefined || e.actor.key_id === q.actor) &&
        (q.action === undefined || e.action === q.action) &&
        (q.before === undefined || e.id < q.before),
    )
    .sort((x, y) => (x.id < y.id ? 1 : x.id > y.id ? -1 : 0));
  const data = matching.slice(0, q.limit);
  const hasMore = matching.length > data.length;
  return ok({ data, has_more: hasMore, ...(hasMore ? { next_before: data.at(-1)!.id } : {}) });
}
