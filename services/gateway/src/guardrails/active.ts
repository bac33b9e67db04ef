import type { ApiKey, StoredGuardrail, Workspace } from '../../../shared/src/entities';
import { GatewayError } from '../../../shared/src/errors';
import type { RoutingConfig } from '../routing/config-schema';
import { type CompiledGuardrail, compileGuardrail } from './compile';
import { type GuardrailRef, type GuardrailSpec, parseGuardrailSpec } from './definition';

/** A stored guardrail as every instance mirrors it: compiled once per change, or why it is invalid. */
export type StoredGuardrailState = ({ ok: true; guardrail: CompiledGuardrail } | { ok: false; message: string }) & Pick<StoredGuardrail, 'workspace_id'>;

export function deriveStoredGuardrail(doc: StoredGuardrail): StoredGuardrailState {
  const parsed = parseGuardrailSpec(doc.guardrail);
  if (!parsed.spec)
    return { ok: false, message: parsed.issues.map((i) => `${i.path.join('.') || '(guardrail)'}: ${i.message}`).join('; '), workspace_id: doc.workspace_id };
  return { ok: true, guardrail: compileGuardrail(parsed.spec, doc.id), workspace_id: doc.workspace_id };
}

export type GuardrailKind = 'input' | 'output';

const NONE: readonly CompiledGuardrail[] = [];
/** Inline guardrails compiled once per parsed config (stored configs live in the mirror, inline ones in its LRU). */
const compiledInline = new WeakMap<GuardrailSpec, CompiledGuardrail>();

function inline(spec: GuardrailSpec, fallbackId: string): CompiledGuardrail {
  let g = compiledInline.get(spec);
  if (!g) compiledInline.set(spec, (g = compileGuardrail(spec, spec.id ?? fallbackId)));
  return g;
}

function stored(lookup: { get(id: string): StoredGuardrailState | undefined }, id: string, key: ApiKey, source: string): CompiledGuardrail {
  const s = lookup.get(id);
  // Fail closed: a guardrail that cannot run must not let the request through unguarded.
  if (!s) throw new GatewayError('invalid_request_error', `Guardrail "${id}" (from ${source}) does not exist.`);
  if (s.workspace_id !== undefined && s.workspace_id !== key.workspace_id)
    throw new GatewayError('permission_error', `Guardrail "${id}" (from ${source}) belongs to another workspace.`);
  if (!s.ok) throw new GatewayError('invalid_request_error', `Stored guardrail "${id}" is invalid: ${s.message}`);
  return s.guardrail;
}

/**
 * The guardrails of one kind a request runs: the workspace's defaults first (a key's config cannot
 * switch them off: they are added whatever the config says), then the config's, each id once. No
 * guardrails anywhere costs two property reads.
 */
export function activeGuardrails(
  kind: GuardrailKind,
  config: RoutingConfig,
  workspace: Workspace | undefined,
  key: ApiKey,
  lookup: { get(id: string): StoredGuardrailState | undefined },
): readonly CompiledGuardrail[] {
  const field = kind === 'input' ? 'input_guardrails' : 'output_guardrails';
  const defaults = workspace?.defaults[field];
  const refs: GuardrailRef[] | undefined = config[field];
  if (!defaults?.length && !refs?.length) return NONE;
  const out: CompiledGuardrail[] = [];
  const add = (g: CompiledGuardrail) => out.some((x) => x.id === g.id) || out.push(g);
  for (const id of defaults ?? []) add(stored(lookup, id, key, `workspace "${workspace!.id}" default ${field}`));
  (refs ?? []).forEach((r, i) => add(typeof r === 'string' ? stored(lookup, r, key, `config ${field}`) : inline(r, `${field}[${i}]`)));
  return out;
}
