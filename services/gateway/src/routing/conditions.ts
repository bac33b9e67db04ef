/**
 * Conditional-routing queries (Portkey `strategy.conditions[].query`), evaluated against the request.
 *
 * A query is an object whose entries must all hold. An entry is either `$and` / `$or` with a list of
 * sub-queries, or a field (`metadata.<key>`, `params.<dotted.path>` into the request body,
 * `headers.<name>`) mapped to a scalar (shorthand for `$eq`) or to an operator object such as
 * `{ "$in": ["a", "b"] }` (several operators in one object must all hold).
 *
 * Where we differ from Portkey's `conditionalRouter.ts` (and why):
 * - Portkey returns as soon as it meets `$or` and ignores the entry's siblings; here every entry counts.
 * - Portkey compares with `===`; metadata values are always strings, so here a string equals a
 *   number or boolean that prints the same (`"3"` matches `3`), and a missing field equals `null`.
 * - `$gt`/`$gte`/`$lt`/`$lte` compare numerically when both sides read as finite numbers (Portkey:
 *   `parseFloat`), lexicographically when both are non-numeric strings (so ISO dates work), else fail.
 * - `$regex` patterns run in RE2 (linear time, no backreferences or lookaround) instead of
 *   JavaScript's backtracking engine, are checked when the config is validated (syntax, length, size)
 *   instead of failing silently per request, and never match a value longer than MAX_REGEX_INPUT.
 */
import { RE2JS } from 're2js';

export interface ConditionContext {
  /** `x-gatehouse-metadata` merged with the key's default metadata. */
  metadata: Record<string, string>;
  /** The request body. */
  params: Record<string, unknown>;
  /** Request headers, lower-case names. */
  headers: Record<string, string>;
}

export type Query = Record<string, unknown>;

export interface QueryIssue {
  path: (string | number)[];
  message: string;
}

export const FIELD_PREFIXES = ['metadata.', 'params.', 'headers.'] as const;
export const COMPARISON_OPERATORS = ['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$regex'] as const;
export const LOGICAL_OPERATORS = ['$and', '$or'] as const;
export const MAX_QUERY_DEPTH = 8;
export const MAX_REGEX_LENGTH = 512;
/** Of `regexSize`: about 20 ms of compiling, once per pattern and instance, for a stored config. */
export const MAX_REGEX_SIZE = 20_000;
/** Longer values never match a `$regex`: matching is linear, but a 32 MiB body field is still a long line. */
export const MAX_REGEX_INPUT = 16_384;

type Comparison = (typeof COMPARISON_OPERATORS)[number];
type Scalar = string | number | boolean | null;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isScalar = (v: unknown): v is Scalar => v === null || ['string', 'number', 'boolean'].includes(typeof v);
const isComparison = (op: string): op is Comparison => (COMPARISON_OPERATORS as readonly string[]).includes(op);

// ---------------------------------------------------------------------------------------------- regex

/**
 * An upper bound on the size of the program a pattern compiles to: its length times every counted
 * repeat's maximum (`a{1000}` is 7 characters and 1,000 instructions). Compiling costs about a
 * microsecond per instruction, so configs are held to a budget of this before anything is compiled.
 * Safety does not depend on it: RE2 matches in linear time whatever the pattern.
 */
export function regexSize(pattern: string): number {
  let size = pattern.length;
  for (const m of pattern.matchAll(/\{(\d+)(,(\d*))?\}/g)) size *= m[2] === undefined ? +m[1] : m[3] ? +m[3] : +m[1] + 1;
  return size;
}

const compiled = new Map<string, RE2JS>();

/**
 * Compiles a `$regex` pattern with RE2 (re2js), whose matching takes time linear in the input for
 * every pattern, `^(a|a)*$` included: no client-written pattern can hold the event loop. RE2 has no
 * backreferences or lookaround; a pattern using them is refused as invalid.
 */
export function compileRegex(pattern: string): { ok: true; regex: RE2JS } | { ok: false; message: string } {
  const hit = compiled.get(pattern);
  if (hit) return { ok: true, regex: hit };
  if (pattern.length > MAX_REGEX_LENGTH) return { ok: false, message: `regex longer than ${MAX_REGEX_LENGTH} characters` };
  if (regexSize(pattern) > MAX_REGEX_SIZE) return { ok: false, message: `regex too large: its repeats expand to more than ${MAX_REGEX_SIZE} steps` };
  let regex: RE2JS;
  try {
    regex = RE2JS.compile(pattern);
  } catch (err) {
    return { ok: false, message: `invalid regex (RE2 syntax): ${(err as Error).message}` };
  }
  if (compiled.size >= 256) compiled.clear(); // a memo, not state: bounded so odd configs cannot grow it
  compiled.set(pattern, regex);
  return { ok: true, regex };
}

/** Every `$regex` pattern in a query (walked at most MAX_QUERY_DEPTH + 1 levels deep). */
export function queryPatterns(query: unknown, depth = 1): string[] {
  if (!isObject(query) || depth > MAX_QUERY_DEPTH + 1) return [];
  return Object.entries(query).flatMap(([key, value]) => {
    if (key === '$and' || key === '$or') return Array.isArray(value) ? value.flatMap((q) => queryPatterns(q, depth + 1)) : [];
    return isObject(value) && typeof value.$regex === 'string' ? [value.$regex] : [];
  });
}

// ---------------------------------------------------------------------------------------- validation

function validateOperand(op: Comparison, v: unknown, path: (string | number)[]): QueryIssue[] {
  switch (op) {
    case '$eq':
    case '$ne':
      return isScalar(v) ? [] : [{ path, message: `${op} takes a string, number, boolean or null` }];
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte':
      return typeof v === 'number' || typeof v === 'string' ? [] : [{ path, message: `${op} takes a number or a string` }];
    case '$in':
    case '$nin':
      return Array.isArray(v) && v.every(isScalar) ? [] : [{ path, message: `${op} takes a list of strings, numbers or booleans` }];
    case '$regex': {
      if (typeof v !== 'string') return [{ path, message: '$regex takes a pattern string' }];
      const r = compileRegex(v);
      return r.ok ? [] : [{ path, message: r.message }];
    }
  }
}

/** Every problem in a query, with paths relative to `path`. Empty when the query is valid. */
export function validateQuery(query: unknown, path: (string | number)[] = [], depth = 1): QueryIssue[] {
  if (!isObject(query)) return [{ path, message: 'a query is an object, e.g. { "metadata.team": "search" }' }];
  if (depth > MAX_QUERY_DEPTH) return [{ path, message: `queries nest $and/$or at most ${MAX_QUERY_DEPTH} levels deep` }];
  const issues: QueryIssue[] = [];
  for (const [key, value] of Object.entries(query)) {
    const at = [...path, key];
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(value) || value.length === 0) issues.push({ path: at, message: `${key} takes a non-empty list of queries` });
      else value.forEach((q, i) => issues.push(...validateQuery(q, [...at, i], depth + 1)));
    } else if (key.startsWith('$')) {
      issues.push({
        path: at,
        message: `unknown operator "${key}" here: only $and and $or combine queries; put ${key} inside a field, e.g. { "metadata.x": { "${key}": … } }`,
      });
    } else if (!FIELD_PREFIXES.some((p) => key.startsWith(p) && key.length > p.length)) {
      issues.push({ path: at, message: `unknown field "${key}": fields start with metadata., params. or headers.` });
    } else if (isObject(value)) {
      const ops = Object.entries(value);
      if (ops.length === 0) issues.push({ path: at, message: 'an operator object needs at least one operator' });
      for (const [op, v] of ops) {
        if (isComparison(op)) issues.push(...validateOperand(op, v, [...at, op]));
        else issues.push({ path: [...at, op], message: `unknown operator "${op}": use one of ${COMPARISON_OPERATORS.join(' ')}` });
      }
    } else if (!isScalar(value)) {
      issues.push({ path: at, message: 'compare a field with a string, number, boolean or null, or use an operator such as $in' });
    }
  }
  return issues;
}

// ---------------------------------------------------------------------------------------- evaluation

const own = (o: Record<string, unknown>, k: string): unknown => (Object.hasOwn(o, k) ? o[k] : undefined);

/** The value a query field names, or undefined. `params.` paths walk objects (and arrays by index). */
export function fieldValue(field: string, ctx: ConditionContext): unknown {
  // Own properties only: `metadata.constructor` must not reach Object.prototype.
  if (field.startsWith('metadata.')) return own(ctx.metadata, field.slice(9));
  if (field.startsWith('headers.')) {
    const name = field.slice(8).toLowerCase();
    if (Object.hasOwn(ctx.headers, name)) return ctx.headers[name];
    return Object.entries(ctx.headers).find(([k]) => k.toLowerCase() === name)?.[1];
  }
  if (field.startsWith('params.')) {
    let v: unknown = ctx.params;
    for (const part of field.slice(7).split('.')) {
      if (Array.isArray(v) && /^\d+$/.test(part)) v = v[Number(part)];
      else if (isObject(v) && Object.hasOwn(v, part)) v = v[part];
      else return undefined;
    }
    return v;
  }
  return undefined;
}

function looseEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a == null && b == null) return true; // a missing field equals null
  if (typeof a === 'string' && (typeof b === 'number' || typeof b === 'boolean')) return a === String(b);
  if (typeof b === 'string' && (typeof a === 'number' || typeof a === 'boolean')) return b === String(a);
  return false;
}

function asNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') return Number(v);
  return NaN;
}

function compare(a: unknown, b: unknown): number | undefined {
  const x = asNumber(a);
  const y = asNumber(b);
  if (Number.isFinite(x) && Number.isFinite(y)) return x - y;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return undefined;
}

function holds(op: string, operand: unknown, value: unknown): boolean {
  switch (op) {
    case '$eq':
      return looseEqual(value, operand);
    case '$ne':
      return !looseEqual(value, operand);
    case '$in':
      return Array.isArray(operand) && operand.some((o) => looseEqual(value, o));
    case '$nin':
      return Array.isArray(operand) && !operand.some((o) => looseEqual(value, o));
    case '$regex': {
      if (typeof operand !== 'string' || !['string', 'number', 'boolean'].includes(typeof value)) return false;
      const text = String(value);
      const r = compileRegex(operand);
      return r.ok && text.length <= MAX_REGEX_INPUT && r.regex.matcher(text).find();
    }
  }
  const c = compare(value, operand);
  if (c === undefined) return false;
  if (op === '$gt') return c > 0;
  if (op === '$gte') return c >= 0;
  if (op === '$lt') return c < 0;
  if (op === '$lte') return c <= 0;
  return false; // unknown operator: schema validation rejects these, so only unvalidated input gets here
}

/** Whether the request satisfies the query. Total: an unvalidated or malformed query is false, never a throw. */
export function matches(query: Query, ctx: ConditionContext): boolean {
  if (!isObject(query)) return false;
  return Object.entries(query).every(([key, cond]) => {
    if (key === '$and') return Array.isArray(cond) && cond.every((q) => matches(q as Query, ctx));
    if (key === '$or') return Array.isArray(cond) && cond.some((q) => matches(q as Query, ctx));
    const value = fieldValue(key, ctx);
    if (isObject(cond)) return Object.entries(cond).every(([op, operand]) => holds(op, operand, value));
    return looseEqual(value, cond);
  });
}
