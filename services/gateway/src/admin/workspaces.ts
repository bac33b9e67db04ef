import type { z } from 'zod';
import type { Workspace } from '../../../shared/src/entities';
import { audit } from './audit';
import { requireOrganisation, requireWorkspace, visibleWorkspace } from './authorize';
import { type AdminContext, badRequest, requireConfig, created, iso, notFound, ok, type Reply } from './context';
import type { WorkspaceCreate, WorkspaceUpdate } from './schemas';

/**
 * Workspaces. Creating and archiving them, and their `status` and `allowed_models`, are
 * organisation-level (they set policy); a workspace key with `workspaces.write` may rename its own
 * workspace and change its default config and metadata.
 */
const GUARDRAIL_DEFAULTS = ['input_guardrails', 'output_guardrails'] as const;

/** Default guardrails must exist: a missing one would refuse every request of the workspace (it fails closed). */
async function requireGuardrails(ctx: AdminContext, defaults: Partial<Record<(typeof GUARDRAIL_DEFAULTS)[number], string[] | null>>): Promise<void> {
  for (const f of GUARDRAIL_DEFAULTS)
    for (const id of defaults[f] ?? []) if (!(await ctx.store.guardrails.get(id))) throw badRequest(`defaults.${f}: no guardrail "${id}".`);
}

async function load(ctx: AdminContext, id: string): Promise<Workspace> {
  requireWorkspace(ctx.actor, id, ctx.what);
  const ws = await ctx.store.workspaces.get(id);
  if (!ws) throw notFound('workspace', id);
  return ws;
}

export async function createWorkspace(ctx: AdminContext, body: z.infer<typeof WorkspaceCreate>): Promise<Reply> {
  await requireConfig(ctx, body.defaults.config_id, body.id);
  await requireGuardrails(ctx, body.defaults);
  const now = iso(ctx.now());
  const ws: Workspace = { id: body.id, name: body.name, status: 'active', defaults: body.defaults, created_at: now, updated_at: now };
  await ctx.store.workspaces.create(ws.id, ws);
  await audit(ctx, 'workspace.create', { type: 'workspace', id: ws.id }, ws.id, undefined, ws, 'id');
  return created(ws);
}

export async function listWorkspaces(ctx: AdminContext): Promise<Reply> {
  const only = visibleWorkspace(ctx.actor, undefined, ctx.what);
  const data = (await ctx.store.workspaces.list()).filter((w) => only === undefined || w.id === only);
  return ok({ data });
}

export async function getWorkspace(ctx: AdminContext, id: string): Promise<Reply> {
  return ok(await load(ctx, id));
}

export async function updateWorkspace(ctx: AdminContext, id: string, body: z.infer<typeof WorkspaceUpdate>): Promise<Reply> {
  const before = await load(ctx, id);
  if (body.status !== undefined) requireOrganisation(ctx.actor, "changing a workspace's status");
  if (body.defaults?.allowed_models !== undefined) requireOrganisation(ctx.actor, "changing a workspace's allowed_models");
  if (body.defaults?.allowed_providers !== undefined) requireOrganisation(ctx.actor, "changing a workspace's allowed_providers");
  for (const f of GUARDRAIL_DEFAULTS) if (body.defaults?.[f] !== undefined) requireOrganisation(ctx.actor, `changing a workspace's ${f}`);
  await requireGuardrails(ctx, body.defaults ?? {});
  await requireConfig(ctx, body.defaults?.config_id, id);
  const after: Workspace = structuredClone(before);
  if (body.name !== undefined) after.name = body.name;
  if (body.status !== undefined) after.status = body.status;
  for (const f of ['config_id', 'metadata', 'allowed_models', 'allowed_providers', 'capture_bodies', ...GUARDRAIL_DEFAULTS] as const) {
    const v = body.defaults?.[f];
    if (v === null) delete after.defaults[f];
    else if (v !== undefined) (after.defaults as Record<string, unknown>)[f] = v;
  }
  after.updated_at = iso(ctx.now());
  await ctx.store.workspaces.put(id, after);
  await audit(ctx, 'workspace.update', { type: 'workspace', id }, id, before, after, 'id');
  return ok(after);
}

/** Archived workspaces keep their keys and usage; no new keys can be created in them. */
export async function archiveWorkspace(ctx: AdminContext, id: string): Promise<Reply> {
  const before = await load(ctx, id);
  const after: Workspace = { ...before, status: 'archived', updated_at: iso(ctx.now()) };
  await ctx.store.workspaces.put(id, after);
  await audit(ctx, 'workspace.archive', { type: 'workspace', id }, id, before, after, 'id');
  return ok(after);
}
