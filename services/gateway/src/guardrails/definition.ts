import { z } from 'zod';
import { compileRegex } from '../routing/conditions';
import { BUILT_IN, GROUPS } from './detectors';

/**
 * What a guardrail is, as configs and the admin API write it (README, Guardrails):
 *
 *   { "id": "no-secrets", "action": "redact", "checks": ["secrets", {"type": "words", "words": ["project-x"]}] }
 *
 * or Portkey's shorthand (`{"default.contains": {"operator": "none", "words": […]}, "deny": true}`),
 * turned into the same form. `parseGuardrailEntry` is the only way in; it never throws.
 */

export const ACTIONS = ['deny', 'redact', 'flag'] as const;
export type GuardrailAction = (typeof ACTIONS)[number];

const DETECTOR_NAMES = [...Object.keys(BUILT_IN), ...Object.keys(GROUPS)] as [string, ...string[]];
const CHECK_TYPES = new Set([...DETECTOR_NAMES, 'words', 'regex', 'required_metadata', 'max_input_size', 'model_armor']);
const MODEL_ARMOR_TEMPLATE = /^projects\/[a-z0-9-]+\/locations\/[a-z0-9-]+\/templates\/[A-Za-z0-9_-]+$/;
const DetectorName = z.enum(DETECTOR_NAMES, {
  error: (i) => `unknown detector ${JSON.stringify(i.input)}; built-in detectors are ${DETECTOR_NAMES.join(', ')}`,
});
/** Exact strings a check lets through (a company's support address, a documented example key). */
const Allow = z.array(z.string().min(1).max(512)).max(1000).optional();

export const CheckSpec = z.union([
  DetectorName,
  z.discriminatedUnion('type', [
    z.strictObject({ type: DetectorName, allow: Allow }),
    z.strictObject({
      type: z.literal('words'),
      words: z.array(z.string().min(1).max(256)).min(1).max(1000),
      case_sensitive: z.boolean().optional(),
      allow: Allow,
    }),
    /** RE2 syntax (linear time; no backreferences or lookaround): a client-written pattern cannot stall the gateway. */
    z.strictObject({ type: z.literal('regex'), patterns: z.array(z.string().min(1).max(512)).min(1).max(50), allow: Allow }),
    z.strictObject({ type: z.literal('required_metadata'), keys: z.array(z.string().min(1).max(128)).min(1).max(64) }),
    z.strictObject({ type: z.literal('max_input_size'), bytes: z.int().positive() }),
    /** Google Cloud Model Armor (docs/model-armor.md): a network call, bounded by `timeout_ms`; `fail_open` lets the text through when it fails. */
    z.strictObject({
      type: z.literal('model_armor'),
      template: z.string().regex(MODEL_ARMOR_TEMPLATE, 'a template name: projects/P/locations/L/templates/T'),
      timeout_ms: z.int().positive().max(30_000).optional(),
      fail_open: z.boolean().optional(),
    }),
  ]),
]);
export type CheckSpec = z.infer<typeof CheckSpec>;

export const GUARDRAIL_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export const GuardrailSpec = z.strictObject({
  id: z.string().regex(GUARDRAIL_ID, 'letters, digits, "_", "." or "-", at most 128 characters').optional(),
  name: z.string().min(1).max(200).optional(),
  action: z.enum(ACTIONS).default('deny'),
  checks: z.array(CheckSpec).min(1).max(50),
  /** Output guardrails on a stream: replace what matched (`redact`) or end the stream with an SSE `error` (`error`). */
  on_stream: z.enum(['redact', 'error']).optional(),
});
export type GuardrailSpec = z.infer<typeof GuardrailSpec>;

/** A config's `input_guardrails` / `output_guardrails` entry: a stored guardrail's id, or a guardrail. */
export type GuardrailRef = string | GuardrailSpec;

export interface SpecIssue {
  path: (string | number)[];
  message: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Portkey hook keys that are not checks. */
const PORTKEY_RESERVED = new Set(['deny', 'async', 'on_fail', 'on_success', 'sequential', 'id', 'name', 'type']);
const PORTKEY_SUPPORTED = 'default.regexMatch, default.contains (operator "none"), default.requiredMetadataKeys, portkey.pii, gatehouse.<detector>';

/** One Portkey check (`<plugin>.<fn>: params`) as a Gatehouse check, or a message saying why not. */
function portkeyCheck(name: string, params: unknown): { check?: unknown; redact?: boolean; message?: string } {
  const p = isObj(params) ? params : {};
  const [plugin, fn] = name.includes('.') ? [name.slice(0, name.indexOf('.')), name.slice(name.indexOf('.') + 1)] : ['default', name];
  if (plugin === 'default' && fn === 'regexMatch') {
    if (p.not === true) return { message: '"not": true (the text must match) is not supported; only deny patterns are' };
    return { check: { type: 'regex', patterns: [p.rule] } };
  }
  if (plugin === 'default' && fn === 'contains') {
    if (p.operator !== 'none')
      return { message: `operator ${JSON.stringify(p.operator)} is not supported: Gatehouse guardrails deny words ("operator": "none")` };
    return { check: { type: 'words', words: p.words } };
  }
  if (plugin === 'default' && fn === 'requiredMetadataKeys') return { check: { type: 'required_metadata', keys: p.metadataKeys } };
  if ((plugin === 'portkey' || plugin === 'default') && fn === 'pii') return { check: 'pii', redact: p.redact === true };
  if (plugin === 'gatehouse') return { check: { ...p, type: fn } };
  return { message: `Portkey check "${name}" is not supported by Gatehouse; supported: ${PORTKEY_SUPPORTED}` };
}

/** Portkey's shorthand: reserved keys lifted, every other key a check; `deny: true` denies, else flags. */
function fromPortkey(entry: Obj, path: (string | number)[], issues: SpecIssue[]): Obj {
  const checks: unknown[] = [];
  let redact = false;
  for (const [key, params] of Object.entries(entry)) {
    if (PORTKEY_RESERVED.has(key)) continue;
    const c = portkeyCheck(key, params);
    if (c.message) issues.push({ path: [...path, key], message: c.message });
    else checks.push(c.check), (redact ||= !!c.redact);
  }
  const action = entry.deny === true ? 'deny' : redact ? 'redact' : 'flag';
  return { ...(typeof entry.id === 'string' ? { id: entry.id } : {}), action, checks };
}

function zodIssues(error: z.ZodError, path: (string | number)[]): SpecIssue[] {
  return error.issues.map((i) => ({ path: [...path, ...(i.path as (string | number)[])], message: i.message }));
}

/** Validates one guardrail (Gatehouse form or Portkey shorthand). */
export function parseGuardrailSpec(value: unknown, path: (string | number)[] = []): { spec?: GuardrailSpec; issues: SpecIssue[] } {
  if (!isObj(value)) return { issues: [{ path, message: 'a guardrail is an object such as {"action": "redact", "checks": ["secrets"]}' }] };
  const issues: SpecIssue[] = [];
  const portkey = !('checks' in value) && Object.keys(value).some((k) => k.includes('.'));
  const candidate = portkey ? fromPortkey(value, path, issues) : value;
  if (issues.length) return { issues };
  // Named before zod sees them: its union error would only say "Invalid input".
  if (Array.isArray(candidate.checks))
    candidate.checks.forEach((c, i) => {
      const type = typeof c === 'string' ? c : isObj(c) ? c.type : undefined;
      if (typeof type !== 'string' || !CHECK_TYPES.has(type))
        issues.push({
          path: [...path, 'checks', i],
          message: `unknown detector ${JSON.stringify(type)}; checks are ${[...CHECK_TYPES].join(', ')} (a string, or an object with "type")`,
        });
    });
  if (issues.length) return { issues };
  const parsed = GuardrailSpec.safeParse(candidate);
  if (!parsed.success) return { issues: zodIssues(parsed.error, path) };
  const spec = parsed.data;
  spec.checks.forEach((c, i) => {
    const type = typeof c === 'string' ? c : c.type;
    if (typeof c !== 'string' && c.type === 'regex')
      (c as { patterns: string[] }).patterns.forEach((p, j) => {
        const compiled = compileRegex(p);
        if (!compiled.ok) issues.push({ path: [...path, 'checks', i, 'patterns', j], message: compiled.message });
      });
    if (spec.action === 'redact' && (type === 'required_metadata' || type === 'max_input_size' || type === 'model_armor'))
      issues.push({ path: [...path, 'checks', i], message: `a ${type} check has nothing to redact; put it in a guardrail whose action is "deny" or "flag"` });
  });
  return issues.length ? { issues } : { spec, issues };
}

/** Validates a config's guardrail list: ids of stored guardrails, and guardrails written inline. */
export function parseGuardrailList(value: unknown, path: (string | number)[]): { refs?: GuardrailRef[]; issues: SpecIssue[] } {
  if (!Array.isArray(value)) return { issues: [{ path, message: 'a list of guardrails: stored guardrail ids or guardrail objects' }] };
  if (value.length > 20) return { issues: [{ path, message: `${value.length} guardrails; the limit is 20` }] };
  const refs: GuardrailRef[] = [];
  const issues: SpecIssue[] = [];
  value.forEach((entry, i) => {
    if (typeof entry === 'string') {
      if (GUARDRAIL_ID.test(entry)) refs.push(entry);
      else issues.push({ path: [...path, i], message: 'a stored guardrail id: letters, digits, "_", "." or "-"' });
      return;
    }
    const r = parseGuardrailSpec(entry, [...path, i]);
    if (r.spec) refs.push(r.spec);
    issues.push(...r.issues);
  });
  return issues.length ? { issues } : { refs, issues };
}
