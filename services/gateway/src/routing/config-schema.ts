import { z } from 'zod';
import { type GuardrailRef, parseGuardrailList } from '../guardrails/definition';
import { checkConfig } from './config-checks';
import { bytesMessage, type ConfigLimits, type KnownKeys, normaliseConfig, type RawIssue, STORED_LIMITS } from './config-normalise';
import type { Query } from './conditions';
import { HEADER_NAME } from './forwardable';

/**
 * Portkey-compatible routing configs (docs/design.md §6; Portkey `src/middlewares/requestValidator/schema/config.ts`).
 * `parseConfig` is the only entry point: it renames camelCase keys, enforces the limits, validates the
 * shape with zod and the cross-field rules with `checkConfig`, and returns the config in canonical form
 * (`load-balance` → `loadbalance`, `virtual_key` → `provider: "@slug"`, header names lower-case).
 */

export type StrategyMode = 'single' | 'fallback' | 'loadbalance' | 'conditional';

export interface RoutingCondition {
  query: Query;
  /** The `name` of one of this config's own `targets`. */
  then: string;
}

export interface StickySettings {
  enabled: boolean;
  /** `metadata.<key>`, `headers.<name>` or `params.<path>` values mixed into the sticky hash. */
  hash_fields?: string[];
  /** Seconds. Accepted for Portkey compatibility; hash-based stickiness needs no stored mapping. */
  ttl?: number;
}

export interface RoutingStrategy {
  mode: StrategyMode;
  /** fallback: fall through only on these statuses (Portkey); unset = any non-2xx. */
  on_status_codes?: number[];
  conditions?: RoutingCondition[];
  default?: string;
  sticky?: StickySettings;
  /** Portkey's hosted circuit-breaker settings: accepted, ignored (our breaker has fixed settings). */
  cb_config?: unknown;
}

export interface RetrySettings {
  attempts: number;
  on_status_codes?: number[];
  use_retry_after_header?: boolean;
}

export interface CacheSettings {
  mode: 'simple' | 'semantic';
  /** Seconds (Portkey's hosted docs; its OSS in-memory cache reads milliseconds). */
  max_age?: number;
}

export interface RoutingConfig {
  name?: string;
  weight?: number;
  /** `@slug` of a stored provider. */
  provider?: string;
  strategy?: RoutingStrategy;
  targets?: RoutingConfig[];
  override_params?: Record<string, unknown>;
  retry?: RetrySettings;
  cache?: CacheSettings;
  /** Milliseconds. */
  request_timeout?: number;
  /** Lower-case header names. */
  forward_headers?: string[];
  /** Root only: stored guardrail ids or guardrails written inline (README, Guardrails). */
  input_guardrails?: GuardrailRef[];
  output_guardrails?: GuardrailRef[];
  // Portkey fields we accept and ignore for now (see IGNORED_KEYS).
  before_request_hooks?: unknown;
  after_request_hooks?: unknown;
  input_mutators?: unknown;
  output_mutators?: unknown;
  strict_open_ai_compliance?: unknown;
}

export interface ConfigIssue {
  /** JSON path such as `targets[1].retry.attempts`; `""` is the config itself. */
  path: string;
  message: string;
}

export type ParseConfigResult = { ok: true; config: RoutingConfig; ignored: string[] } | { ok: false; issues: ConfigIssue[] };

/** Portkey fields that are valid there and have no effect here yet; reported in `ignored`, never an error. */
export const IGNORED_KEYS = ['before_request_hooks', 'after_request_hooks', 'input_mutators', 'output_mutators', 'strict_open_ai_compliance'] as const;

/**
 * The shortest `request_timeout` a config may set. Claude's first byte commonly takes one to a few
 * seconds; below a second a config can only fail. (Short timeouts never open the shared breaker
 * anyway: routing/breaker.ts `countsAgainstUpstream`.)
 */
export const REQUEST_TIMEOUT_MIN_MS = 1000;

const SLUG = '[a-z0-9][a-z0-9_-]{0,62}';
const SLUG_HINT = 'lowercase letters, digits, "-" or "_"';
const CODE_MSG = 'must be an HTTP status code (100–599)';
const StatusCodes = z.array(z.int({ error: CODE_MSG }).min(100, CODE_MSG).max(599, CODE_MSG)).max(100);

const RetrySchema = z.strictObject({
  attempts: z.int().min(0).max(10),
  on_status_codes: StatusCodes.optional(),
  use_retry_after_header: z.boolean().optional(),
});

const CacheSchema = z.strictObject({
  mode: z.enum(['simple', 'semantic']),
  max_age: z.int().positive().max(31_536_000).optional(),
});

const StickySchema = z.strictObject({
  enabled: z.boolean(),
  hash_fields: z
    .array(z.string().regex(/^(metadata|headers|params)\..+/, 'must start with metadata., headers. or params.'))
    .max(10)
    .optional(),
  ttl: z.int().positive().optional(),
});

const ConditionSchema = z.strictObject({
  query: z.record(z.string(), z.unknown()),
  then: z.string().min(1),
});

const StrategySchema = z.strictObject({
  mode: z.enum(['single', 'fallback', 'loadbalance', 'load-balance', 'conditional']),
  on_status_codes: StatusCodes.optional(),
  conditions: z.array(ConditionSchema).max(50).optional(),
  default: z.string().min(1).optional(),
  sticky: StickySchema.optional(),
  cb_config: z.unknown().optional(),
});

const ignored = z.unknown().optional();

const NodeSchema = z.strictObject({
  name: z.string().min(1).max(128).optional(),
  weight: z.number().min(0).max(1_000_000).optional(),
  provider: z
    .string()
    .regex(new RegExp(`^@${SLUG}$`), `must be "@" and a provider slug (${SLUG_HINT}), e.g. "@vertex-prod"`)
    .optional(),
  virtual_key: z
    .string()
    .regex(new RegExp(`^@?${SLUG}$`), `must be a provider slug (${SLUG_HINT})`)
    .optional(),
  override_params: z.record(z.string(), z.unknown()).optional(),
  retry: RetrySchema.optional(),
  cache: CacheSchema.optional(),
  request_timeout: z
    .int()
    .min(REQUEST_TIMEOUT_MIN_MS, `must be at least ${REQUEST_TIMEOUT_MIN_MS} ms: a shorter wait fails most Claude requests before their first byte`)
    .max(3_600_000)
    .optional(),
  forward_headers: z.array(z.string().regex(HEADER_NAME, 'must be an HTTP header name')).max(50).optional(),
  strategy: StrategySchema.optional(),
  get targets() {
    return z.array(NodeSchema).optional();
  },
  // Checked entry by entry by parseGuardrailList (Portkey's shorthand included).
  input_guardrails: z.array(z.unknown()).optional(),
  output_guardrails: z.array(z.unknown()).optional(),
  before_request_hooks: ignored,
  after_request_hooks: ignored,
  input_mutators: ignored,
  output_mutators: ignored,
  strict_open_ai_compliance: ignored,
});
type ParsedNode = z.output<typeof NodeSchema>;

const keysOf = (s: { shape: object }) => new Set(Object.keys(s.shape));
const KNOWN: KnownKeys = {
  node: keysOf(NodeSchema),
  strategy: keysOf(StrategySchema),
  retry: keysOf(RetrySchema),
  cache: keysOf(CacheSchema),
  sticky: keysOf(StickySchema),
  condition: keysOf(ConditionSchema),
};

/** `['targets', 1, 'retry']` → `targets[1].retry`; keys that are not plain names are quoted. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, p) => {
    if (typeof p === 'number') return `${acc}[${p}]`;
    const key = String(p);
    if (/^[A-Za-z_$][\w$-]*$/.test(key)) return acc ? `${acc}.${key}` : key;
    return `${acc}[${JSON.stringify(key)}]`;
  }, '');
}

function levenshtein(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length];
}

function unknownKeyMessage(key: string, objectPath: readonly PropertyKey[]): string {
  if (/^(api_key|apiKey|custom_host|customHost|vertex|aws|azure|openai)/.test(key)) {
    return `"${key}" is not supported: credentials, regions and hosts live on a stored provider; create one and name it with "provider": "@slug"`;
  }
  const last = objectPath[objectPath.length - 1];
  const kind = typeof last === 'number' ? (objectPath[objectPath.length - 2] === 'conditions' ? 'condition' : 'node') : String(last ?? 'node');
  const known = KNOWN[kind as keyof KnownKeys] ?? KNOWN.node;
  const near = [...known].find((k) => levenshtein(key.toLowerCase(), k) <= 2);
  return `unknown field "${key}"${near ? `; did you mean "${near}"?` : ''}`;
}

function zodIssues(error: z.ZodError): RawIssue[] {
  return error.issues.flatMap((i): RawIssue[] => {
    if (i.code === 'unrecognized_keys') return i.keys.map((k) => ({ path: [...i.path, k] as (string | number)[], message: unknownKeyMessage(k, i.path) }));
    const message = i.code === 'invalid_type' && /received undefined$/.test(i.message) ? 'required' : i.message;
    return [{ path: i.path as (string | number)[], message }];
  });
}

function ignoredPaths(node: ParsedNode, path: (string | number)[] = []): string[] {
  const here = IGNORED_KEYS.filter((k) => node[k] !== undefined).map((k) => formatPath([...path, k]));
  if (node.strategy?.cb_config !== undefined) here.push(formatPath([...path, 'strategy', 'cb_config']));
  return [...here, ...(node.targets ?? []).flatMap((t, i) => ignoredPaths(t, [...path, 'targets', i]))];
}

const GUARDRAIL_LISTS = ['input_guardrails', 'output_guardrails'] as const;

/**
 * Guardrail lists, parsed; at the root only, since input guardrails run before routing picks a
 * target and output guardrails apply to whichever target answers.
 */
function guardrailIssues(node: Record<string, unknown>, path: (string | number)[] = []): RawIssue[] {
  const issues: RawIssue[] = [];
  for (const k of GUARDRAIL_LISTS) {
    if (node[k] === undefined) continue;
    if (path.length) issues.push({ path: [...path, k], message: `${k} apply to the whole request: set them at the config's root` });
    else issues.push(...parseGuardrailList(node[k], [k]).issues);
  }
  if (Array.isArray(node.targets))
    node.targets.forEach((t, i) => {
      if (t && typeof t === 'object') issues.push(...guardrailIssues(t as Record<string, unknown>, [...path, 'targets', i]));
    });
  return issues;
}

function canonical(node: ParsedNode): RoutingConfig {
  const { virtual_key, strategy, targets, forward_headers, input_guardrails, output_guardrails, ...rest } = node;
  const out: RoutingConfig = { ...rest };
  if (input_guardrails) out.input_guardrails = parseGuardrailList(input_guardrails, []).refs;
  if (output_guardrails) out.output_guardrails = parseGuardrailList(output_guardrails, []).refs;
  if (virtual_key !== undefined) out.provider = `@${virtual_key.replace(/^@/, '')}`;
  if (strategy) out.strategy = { ...strategy, mode: strategy.mode === 'load-balance' ? 'loadbalance' : strategy.mode };
  if (forward_headers) out.forward_headers = [...new Set(forward_headers.map((h) => h.toLowerCase()))];
  if (targets) out.targets = targets.map(canonical);
  return out;
}

/** Validates a config (an object, or its JSON text as sent in `x-gatehouse-config`). */
export function parseConfig(input: unknown, limits: ConfigLimits = STORED_LIMITS): ParseConfigResult {
  const fail = (issues: RawIssue[]): ParseConfigResult => {
    const seen = new Set<string>();
    const out: ConfigIssue[] = [];
    for (const i of issues) {
      const issue = { path: formatPath(i.path), message: i.message };
      const key = `${issue.path}\n${issue.message}`;
      if (!seen.has(key)) out.push(issue), seen.add(key);
    }
    return { ok: false, issues: out };
  };
  let value = input;
  if (typeof input === 'string') {
    const size = Buffer.byteLength(input, 'utf8');
    if (size > limits.bytes) return fail([{ path: [], message: bytesMessage(size, limits) }]);
    try {
      value = JSON.parse(input);
    } catch (err) {
      return fail([{ path: [], message: `config is not valid JSON: ${(err as Error).message}` }]);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail([{ path: [], message: 'a config is a JSON object, e.g. { "provider": "@vertex-prod" }' }]);
  }
  const norm = normaliseConfig(value, KNOWN, limits);
  if (norm.limited) return fail(norm.issues);
  const parsed = NodeSchema.safeParse(norm.value);
  const issues = [
    ...norm.issues,
    ...(parsed.success ? [] : zodIssues(parsed.error)),
    ...checkConfig(norm.value),
    ...guardrailIssues(norm.value as Record<string, unknown>),
  ];
  if (issues.length || !parsed.success) return fail(issues);
  return { ok: true, config: canonical(parsed.data), ignored: ignoredPaths(parsed.data) };
}

/** The text of the 400 for an invalid config: every problem with its path. */
export function configError(issues: readonly ConfigIssue[]): string {
  const shown = issues.slice(0, 20).map((i) => `${i.path || '(config)'}: ${i.message}`);
  if (issues.length > shown.length) shown.push(`and ${issues.length - shown.length} more`);
  return `Invalid routing config (${issues.length} problem${issues.length === 1 ? '' : 's'}): ${shown.join('; ')}`;
}
