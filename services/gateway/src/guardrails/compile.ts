import { RE2JS } from 're2js';
import { compileRegex } from '../routing/conditions';
import type { CheckSpec, GuardrailAction, GuardrailSpec } from './definition';
import { BUILT_IN, type Detector, type Finding, GROUPS } from './detectors';

/** A guardrail ready to run: its text detectors built once, its request-level checks as data. */
export interface CompiledGuardrail {
  id: string;
  action: GuardrailAction;
  onStream: 'redact' | 'error';
  /** Detectors over the scanned text (built-in, words, regex), each with its allow list applied. */
  detectors: Detector[];
  requiredMetadata: string[];
  maxBytes?: number;
  /** Model Armor templates to ask (guardrails/model-armor-guard.ts); usually none. */
  modelArmor: ModelArmorCheck[];
}

export interface ModelArmorCheck {
  template: string;
  timeoutMs: number;
  failOpen: boolean;
}

/** How long a Model Armor call may take unless the check says otherwise. */
export const MODEL_ARMOR_TIMEOUT_MS = 2000;

/** Drops findings whose text is allowed. */
function allowing(inner: Detector, allow: readonly string[] | undefined): Detector {
  if (!allow?.length) return inner;
  const ok = new Set(allow);
  return {
    id: inner.id,
    find(text, out) {
      const mine: Finding[] = [];
      inner.find(text, mine);
      for (const f of mine) if (!ok.has(text.slice(f.start, f.end))) out.push(f);
    },
  };
}

/** An RE2 pattern run over the text: linear time whatever the pattern (routing/conditions.ts). */
function re2Detector(id: string, regex: RE2JS): Detector {
  return {
    id,
    find(text, out) {
      const m = regex.matcher(text);
      while (m.find()) if (m.end() > m.start()) out.push({ detector: id, start: m.start(), end: m.end() });
    },
  };
}

const WORD_CHAR = /[\p{L}\p{N}_]/u;

function wordsPattern(words: readonly string[], caseSensitive: boolean): RE2JS {
  // A word boundary only where the word itself starts or ends with a word character.
  const alternatives = words.map((w) => `${WORD_CHAR.test(w[0]) ? '\\b' : ''}${RE2JS.quote(w)}${WORD_CHAR.test(w[w.length - 1]) ? '\\b' : ''}`);
  return RE2JS.compile(`(?:${alternatives.join('|')})`, caseSensitive ? 0 : RE2JS.CASE_INSENSITIVE);
}

type Check<T extends string> = Extract<Exclude<CheckSpec, string>, { type: T }>;
/** The built-in detectors' check type is a plain string in zod's inference: narrowed here by name. */
const is = <T extends string>(c: Exclude<CheckSpec, string>, type: T): c is Check<T> => c.type === type;

function detectorsOf(check: CheckSpec): Detector[] {
  const c = typeof check === 'string' ? { type: check } : check;
  if (is(c, 'words')) return [allowing(re2Detector('words', wordsPattern(c.words, !!c.case_sensitive)), c.allow)];
  if (is(c, 'regex'))
    return c.patterns.map((p) => {
      const compiled = compileRegex(p);
      if (!compiled.ok) throw new Error(`regex ${JSON.stringify(p)}: ${compiled.message}`); // validated on write
      return allowing(re2Detector('regex', compiled.regex), c.allow);
    });
  if (!(c.type in BUILT_IN) && !(c.type in GROUPS)) return []; // request-level checks
  const allow = 'allow' in c ? c.allow : undefined;
  const ids = c.type in GROUPS ? GROUPS[c.type as keyof typeof GROUPS] : [c.type];
  return ids.map((id) => allowing(BUILT_IN[id].detector, allow));
}

export function compileGuardrail(spec: GuardrailSpec, id: string): CompiledGuardrail {
  const objects = spec.checks.filter((c): c is Exclude<CheckSpec, string> => typeof c !== 'string');
  const sizes = objects.flatMap((c) => (is(c, 'max_input_size') ? [c.bytes] : []));
  return {
    id,
    action: spec.action,
    onStream: spec.on_stream ?? (spec.action === 'redact' ? 'redact' : 'error'),
    detectors: spec.checks.flatMap(detectorsOf),
    requiredMetadata: objects.flatMap((c) => (is(c, 'required_metadata') ? c.keys : [])),
    modelArmor: objects.flatMap((c) =>
      is(c, 'model_armor') ? [{ template: c.template, timeoutMs: c.timeout_ms ?? MODEL_ARMOR_TIMEOUT_MS, failOpen: c.fail_open ?? false }] : [],
    ),
    ...(sizes.length ? { maxBytes: Math.min(...sizes) } : {}),
  };
}

/**
 * Runs a guardrail's text detectors over one text. A finding inside another is dropped, and of two on
 * the same span the one from the earlier detector is kept: `AWS_ACCESS_KEY_ID=AKIA…` is an AWS key id,
 * not also a generic secret assignment (the generic detectors come last).
 */
export function findAll(g: CompiledGuardrail, text: string): Finding[] {
  const out: Finding[] = [];
  for (const d of g.detectors) d.find(text, out);
  if (out.length < 2) return out;
  const rank = new Map(g.detectors.map((d, i) => [d.id, i]));
  out.sort((a, b) => a.start - b.start || b.end - a.end || rank.get(a.detector)! - rank.get(b.detector)!);
  const kept: Finding[] = [];
  for (const f of out) if (!kept.some((k) => k.start <= f.start && f.end <= k.end)) kept.push(f);
  return kept;
}
