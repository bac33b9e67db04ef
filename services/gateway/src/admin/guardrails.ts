import type { z } from 'zod';
import type { StoredGuardrail } from '../../../shared/src/entities';
import { parseGuardrailSpec } from '../guardrails/definition';
import { audit } from './audit';
import { type AdminContext, badRequest, conflict, created, iso, noContent, notFound, ok, type Reply } from './context';
import type { GuardrailCreate, GuardrailPut } from './schemas';

/**
 * Stored guardrails (README, Guardrails): organisation-level policy, referenced by id from configs and
 * workspace defaults. Validated with the gateway's own parser on write; versioned, each write bumping it.
 */

function validate(id: string, guardrail: Record<string, unknown>): void {
  const parsed = parseGuardrailSpec(guardrail);
  if (!parsed.spec) throw badRequest(`Invalid guardrail: ${parsed.issues.map((i) => `${['guardrail', ...i.path].join('.')}: ${i.message}`).join('; ')}.`);
  if (parsed.spec.id !== undefined && parsed.spec.id !== id) throw badRequest(`guardrail.id: "${parsed.spec.id}" differs from the guardrail's id "${id}".`);
}

async function requireOwner(ctx: AdminContext, workspaceId: string | undefined): Promise<void> {
  if (workspaceId !== undefined && !(await ctx.store.workspaces.get(workspaceId))) throw badRequest(`workspace_id: no workspace "${workspaceId}".`);
}

export async function createGuardrail(ctx: AdminContext, body: z.infer<typeof GuardrailCreate>): Promise<Reply> {
  validate(body.id, body.guardrail);
  await requireOwner(ctx, body.workspace_id);
  const now = iso(ctx.now());
  const doc: StoredGuardrail = {
    id: body.id,
    version: 1,
    ...(body.workspace_id !== undefined && { workspace_id: body.workspace_id }),
    guardrail: body.guardrail,
    created_at: now,
    updated_at: now,
  };
  await ctx.store.guardrails.create(doc.id, doc);
  await audit(ctx, 'guardrail.create', { type: 'guardrail', id: doc.id }, doc.workspace_id, undefined, doc, 'id');
  return created(doc);
}

export async function listGuardrails(ctx: AdminContext): Promise<Reply> {
  return ok({ data: await ctx.store.guardrails.list() });
}

export async function getGuardrail(ctx: AdminContext, id: string): Promise<Reply> {
  const doc = await ctx.store.guardrails.get(id);
  if (!doc) throw notFound('guardrail', id);
  return ok(doc);
}

export async function putGuardrail(ctx: AdminContext, id: string, body: z.infer<typeof GuardrailPut>): Promise<Reply> {
  const before = await ctx.store.guardrails.get(id);
  if (body.version !== undefined && body.version !== (before?.version ?? 0))
    throw conflict(
      `Guardrail "${id}" is at version ${before?.version ?? '(none: it does not exist)'}, not ${body.version}; re-read it and apply your change again.`,
    );
  validate(id, body.guardrail);
  const owner = body.workspace_id ?? before?.workspace_id;
  await requireOwner(ctx, owner);
  const now = iso(ctx.now());
  const doc: StoredGuardrail = {
    id,
    version: (before?.version ?? 0) + 1,
    ...(owner !== undefined && { workspace_id: owner }),
    guardrail: body.guardrail,
    created_at: before?.created_at ?? now,
    updated_at: now,
  };
  if (before) await ctx.store.guardrails.put(id, doc);
  else await ctx.store.guardrails.create(id, doc);
  await audit(ctx, before ? 'guardrail.update' : 'guardrail.create', { type: 'guardrail', id }, owner, before, doc, 'id');
  return before ? ok(doc) : created(doc);
}

/** Refused while a workspace or a stored config names it: their requests would all fail (guardrails fail closed). */
export async function deleteGuardrail(ctx: AdminContext, id: string): Promise<Reply> {
  const before = await ctx.store.guardrails.get(id);
  if (!before) throw notFound('guardrail', id);
  const names = (list: unknown) => Array.isArray(list) && list.includes(id);
  const users = [
    ...(await ctx.store.workspaces.list())
      .filter((w) => names(w.defaults.input_guardrails) || names(w.defaults.output_guardrails))
      .map((w) => `workspace "${w.id}"`),
    ...(await ctx.store.configs.list()).filter((c) => names(c.config.input_guardrails) || names(c.config.output_guardrails)).map((c) => `config "${c.id}"`),
  ];
  if (users.length)
    throw conflict(
      `Guardrail "${id}" is used by ${users.slice(0, 10).join(', ')}${users.length > 10 ? ` and ${users.length - 10} more` : ''}; change those first.`,
    );
  await ctx.store.guardrails.delete(id);
  await audit(ctx, 'guardrail.delete', { type: 'guardrail', id }, before.workspace_id, before, undefined, 'id');
  return noContent();
}
