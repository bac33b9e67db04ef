import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { ApiKey } from '../../../shared/src/entities';
import type { Store } from '../../../shared/src/store/port';
import { usagePeriod } from '../../../shared/src/store/port';
import { displayPrefix, generateKeySecret, hashKey } from '../auth/keys';
import { audit } from './audit';
import { requireGrantable, requireOrganisation, requireWithinOwnLimits, requireWorkspace, visibleWorkspace } from './authorize';
import { type AdminContext, badRequest, requireConfig, conflict, created, iso, notFound, ok, type Reply } from './context';
import type { KeyCreate, KeyListQuery, KeyRotate, KeyUpdate, KeyView } from './schemas';

/**
 * API keys by `key_id`. A key is one or more documents keyed by the SHA-256 of a secret: the current
 * one, and after a rotation the replaced ones (marked `rotated_at`), which keep working until their
 * `expires_at` — the grace period. Updates and revocation apply to every document of the key, so an
 * old secret never holds more than the key does now.
 */
type View = z.infer<typeof KeyView>;

export function newKeyId(): string {
  return `key_${randomBytes(8).toString('hex')}`;
}

export function keyStatus(doc: ApiKey, now: number): View['status'] {
  if (doc.status === 'revoked') return 'revoked';
  if (doc.expires_at && Date.parse(doc.expires_at) <= now) return 'expired';
  return 'active';
}

/** The public view of a key: never its secret, never its hash. */
export function keyView(doc: ApiKey, now: number, extra: { lastUsed?: string; previousExpires?: string } = {}): View {
  const lastUsed = [doc.last_used_at, extra.lastUsed]
    .filter((t): t is string => Boolean(t))
    .sort()
    .at(-1);
  return {
    key_id: doc.key_id,
    name: doc.name,
    type: doc.type,
    kind: doc.kind,
    owner: doc.type === 'organisation' ? 'organisation' : (doc.workspace_id ?? ''),
    ...(doc.workspace_id ? { workspace_id: doc.workspace_id } : {}),
    scopes: doc.scopes,
    defaults: doc.defaults,
    ...(doc.allowed_models ? { allowed_models: doc.allowed_models } : {}),
    prefix: doc.prefix,
    status: keyStatus(doc, now),
    ...(doc.expires_at ? { expires_at: doc.expires_at } : {}),
    ...(doc.created_at ? { created_at: doc.created_at } : {}),
    ...(doc.updated_at ? { updated_at: doc.updated_at } : {}),
    ...(doc.created_by ? { created_by: doc.created_by } : {}),
    ...(lastUsed ? { last_used_at: lastUsed } : {}),
    ...(extra.previousExpires ? { previous_secret_expires_at: extra.previousExpires } : {}),
  };
}

interface KeyDocs {
  current: ApiKey;
  /** Replaced secrets still inside their grace period. */
  previous: ApiKey[];
  all: ApiKey[];
}

function group(docs: ApiKey[], now: number): Map<string, KeyDocs> {
  const byId = new Map<string, ApiKey[]>();
  for (const d of docs) byId.set(d.key_id, [...(byId.get(d.key_id) ?? []), d]);
  const out = new Map<string, KeyDocs>();
  for (const [keyId, all] of byId) {
    const current = all
      .filter((d) => !d.rotated_at)
      .sort((a, b) => (a.created_at ?? '').localeCompare(b.created_at ?? ''))
      .at(-1);
    if (!current) continue; // only replaced secrets left: the key was never fully written
    const previous = all.filter((d) => d.rotated_at && keyStatus(d, now) === 'active');
    out.set(keyId, { current, previous, all });
  }
  return out;
}

async function loadKey(ctx: AdminContext, keyId: string): Promise<KeyDocs> {
  const found = group(
    (await ctx.store.apiKeys.list()).filter((d) => d.key_id === keyId),
    ctx.now(),
  ).get(keyId);
  if (!found) throw notFound('API key', keyId);
  requireWorkspace(ctx.actor, found.current.type === 'organisation' ? undefined : found.current.workspace_id, ctx.what);
  return found;
}

/** "Last used" comes from the worker's usage totals (this month, else last month): no write per request. */
async function lastUsed(store: Store, keyId: string, now: number): Promise<string | undefined> {
  const thisMonth = usagePeriod(iso(now));
  const d = new Date(now);
  const lastMonth = usagePeriod(iso(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1)));
  return (await store.usageTotals('key', keyId, thisMonth))?.last_used_at ?? (await store.usageTotals('key', keyId, lastMonth))?.last_used_at;
}

async function viewOf(ctx: AdminContext, k: KeyDocs): Promise<View> {
  const previousExpires = k.previous
    .map((d) => d.expires_at!)
    .sort()
    .at(-1);
  return keyView(k.current, ctx.now(), { lastUsed: await lastUsed(ctx.store, k.current.key_id, ctx.now()), previousExpires });
}

function futureTimestamp(value: string, now: number, field: string): string {
  const ms = Date.parse(value);
  if (ms <= now) throw badRequest(`${field}: ${value} is in the past.`);
  return iso(ms);
}

export async function createKey(ctx: AdminContext, body: z.infer<typeof KeyCreate>): Promise<Reply> {
  const { actor } = ctx;
  let workspaceId: string | undefined;
  if (body.type === 'organisation') {
    requireOrganisation(actor, 'creating an organisation key');
    if (body.workspace_id) throw badRequest('workspace_id: an organisation key belongs to no workspace; omit it or use type "workspace".');
  } else {
    workspaceId = body.workspace_id ?? (actor.type === 'workspace' ? actor.workspace_id : undefined);
    if (!workspaceId) throw badRequest('workspace_id: required for a workspace key.');
    requireWorkspace(actor, workspaceId, ctx.what);
    const ws = await ctx.store.workspaces.get(workspaceId);
    if (!ws) throw badRequest(`workspace_id: no workspace "${workspaceId}".`);
    if (ws.status === 'archived') throw badRequest(`workspace_id: workspace "${workspaceId}" is archived.`);
  }
  requireGrantable(actor, body.scopes, 'create a key');
  requireWithinOwnLimits(actor, body, 'create a key');
  await requireConfig(ctx, body.defaults.config_id, workspaceId);
  const now = ctx.now();
  const secret = generateKeySecret();
  const doc: ApiKey = {
    id: hashKey(secret),
    key_id: newKeyId(),
    name: body.name,
    type: body.type,
    kind: body.kind,
    ...(workspaceId ? { workspace_id: workspaceId } : {}),
    scopes: [...new Set(body.scopes)],
    defaults: body.defaults,
    ...(body.allowed_models ? { allowed_models: body.allowed_models } : {}),
    prefix: displayPrefix(secret),
    status: 'active',
    ...(body.expires_at ? { expires_at: futureTimestamp(body.expires_at, now, 'expires_at') } : {}),
    created_at: iso(now),
    created_by: actor.key_id,
  };
  await ctx.store.apiKeys.create(doc.id, doc);
  const view = keyView(doc, now);
  await audit(ctx, 'key.create', { type: 'key', id: doc.key_id }, workspaceId, undefined, view);
  return created({ ...view, secret });
}

export async function listKeys(ctx: AdminContext, q: z.infer<typeof KeyListQuery>): Promise<Reply> {
  const workspace = visibleWorkspace(ctx.actor, q.workspace_id, ctx.what);
  const now = ctx.now();
  const keys = [...group(await ctx.store.apiKeys.list(), now).values()].filter(
    ({ current: k }) =>
      (workspace === undefined || (k.type === 'workspace' && k.workspace_id === workspace)) &&
      (q.type === undefined || k.type === q.type) &&
      (q.status === undefined || keyStatus(k, now) === q.status),
  );
  const data = await Promise.all(keys.map((k) => viewOf(ctx, k)));
  data.sort((a, b) => (a.created_at ?? '').localeCompare(b.created_at ?? '') || a.key_id.localeCompare(b.key_id));
  return ok({ data });
}

export async function getKey(ctx: AdminContext, keyId: string): Promise<Reply> {
  return ok(await viewOf(ctx, await loadKey(ctx, keyId)));
}

export async function updateKey(ctx: AdminContext, keyId: string, body: z.infer<typeof KeyUpdate>): Promise<Reply> {
  const k = await loadKey(ctx, keyId);
  const now = ctx.now();
  if (keyStatus(k.current, now) === 'revoked') throw conflict(`API key "${keyId}" is revoked; revocation is final. Create a new key.`);
  requireGrantable(ctx.actor, k.current.scopes, 'update a key');
  if (body.scopes) requireGrantable(ctx.actor, body.scopes, 'give a key');
  await requireConfig(ctx, body.defaults?.config_id, k.current.workspace_id);
  const expires = body.expires_at === null ? null : body.expires_at ? futureTimestamp(body.expires_at, now, 'expires_at') : undefined;
  const apply = (d: ApiKey): ApiKey => {
    const next: ApiKey = { ...d, updated_at: iso(now) };
    if (body.name !== undefined) next.name = body.name;
    if (body.kind !== undefined) next.kind = body.kind;
    if (body.scopes !== undefined) next.scopes = [...new Set(body.scopes)];
    if (body.defaults) {
      const defaults = { ...d.defaults };
      for (const f of ['config_id', 'metadata'] as const) {
        if (body.defaults[f] === null) delete defaults[f];
        else if (body.defaults[f] !== undefined) (defaults as Record<string, unknown>)[f] = body.defaults[f];
      }
      next.defaults = defaults;
    }
    if (body.allowed_models === null) delete next.allowed_models;
    else if (body.allowed_models !== undefined) next.allowed_models = body.allowed_models;
    // A replaced secret keeps its grace deadline, or the key's new expiry when that comes first.
    if (d.rotated_at) {
      if (expires && expires < d.expires_at!) next.expires_at = expires;
    } else if (expires === null) delete next.expires_at;
    else if (expires !== undefined) next.expires_at = expires;
    return next;
  };
  const updated = k.all.filter((d) => !d.rotated_at || keyStatus(d, now) === 'active').map(apply);
  const current = updated.find((d) => !d.rotated_at)!;
  requireWithinOwnLimits(ctx.actor, current, 'update a key into one');
  for (const d of updated) await ctx.store.apiKeys.put(d.id, d);
  const before = keyView(k.current, now);
  const after = keyView(current, now);
  await audit(ctx, 'key.update', { type: 'key', id: keyId }, current.workspace_id, before, after);
  return ok(await viewOf(ctx, { ...k, current, previous: updated.filter((d) => d.rotated_at) }));
}

export async function rotateKey(ctx: AdminContext, keyId: string, body: z.infer<typeof KeyRotate>): Promise<Reply> {
  const k = await loadKey(ctx, keyId);
  const now = ctx.now();
  const status = keyStatus(k.current, now);
  if (status !== 'active') throw conflict(`API key "${keyId}" is ${status} and cannot be rotated. Create a new key.`);
  requireGrantable(ctx.actor, k.current.scopes, 'rotate a key');
  requireWithinOwnLimits(ctx.actor, k.current, 'rotate a key');
  const secret = generateKeySecret();
  const next: ApiKey = { ...k.current, id: hashKey(secret), prefix: displayPrefix(secret), updated_at: iso(now) };
  const graceEnd = iso(now + body.grace_seconds * 1000);
  const old: ApiKey = {
    ...k.current,
    rotated_at: iso(now),
    expires_at: k.current.expires_at && k.current.expires_at < graceEnd ? k.current.expires_at : graceEnd,
  };
  // New secret first: if the second write fails, both secrets work, which the caller can retry.
  await ctx.store.apiKeys.create(next.id, next);
  await ctx.store.apiKeys.put(old.id, old);
  // Replaced secrets past their grace period are dead weight in every instance's key cache.
  for (const d of k.all) if (d.rotated_at && keyStatus(d, now) !== 'active') await ctx.store.apiKeys.delete(d.id);
  const view = keyView(next, now, { previousExpires: old.expires_at });
  await audit(ctx, 'key.rotate', { type: 'key', id: keyId }, next.workspace_id, keyView(k.current, now), view);
  return ok({ ...view, secret });
}

export async function revokeKey(ctx: AdminContext, keyId: string): Promise<Reply> {
  const k = await loadKey(ctx, keyId);
  const now = ctx.now();
  if (k.all.every((d) => d.status === 'revoked')) return ok(keyView(k.current, now)); // already; nothing to record
  const revoked = k.all.map((d): ApiKey => ({ ...d, status: 'revoked', updated_at: iso(now) }));
  for (const d of revoked) await ctx.store.apiKeys.put(d.id, d);
  const current = revoked.find((d) => d.id === k.current.id)!;
  const view = keyView(current, now);
  await audit(ctx, 'key.revoke', { type: 'key', id: keyId }, current.workspace_id, keyView(k.current, now), view);
  return ok(view);
}
