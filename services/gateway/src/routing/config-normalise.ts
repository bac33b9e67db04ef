/**
 * Before validation: camelCase keys become snake_case (Portkey accepts both; its `convertKeysToCamelCase`
 * goes the other way) and the size limits are enforced, so a hostile config never reaches the
 * recursive schema. Only the config's own structure is renamed: the contents of `override_params`
 * (request-body fields), condition queries and ignored Portkey fields are left exactly as written.
 */

import { queryPatterns, regexSize } from './conditions';

/** How big a config may be, checked before anything else looks at it. */
export interface ConfigLimits {
  /** Serialised UTF-8 size. */
  bytes: number;
  /** Levels of nested `targets` below the root. */
  depth: number;
  /** Targets in the whole tree. */
  targets: number;
  /** `strategy.conditions` entries in the whole tree. */
  conditions: number;
  /** `$regex` operators in the whole tree, and the sum of their `regexSize`. */
  regexes: number;
  regexSize: number;
}

/** Stored configs: written by admins, validated once per write and per instance. */
export const STORED_LIMITS: ConfigLimits = { bytes: 64 * 1024, depth: 5, targets: 50, conditions: 200, regexes: 200, regexSize: 100_000 };

/**
 * Inline configs (`x-gatehouse-config: {…}`): any caller can send a new one with every request, and
 * each new one is parsed, validated and its patterns compiled on the request path. These limits hold
 * the worst such config to well under 1 ms (`npm run bench`, "worst inline config"); a config that
 * needs more is stored and named by id.
 */
export const INLINE_LIMITS: ConfigLimits = { bytes: 8 * 1024, depth: 3, targets: 16, conditions: 16, regexes: 4, regexSize: 256 };

export interface RawIssue {
  path: (string | number)[];
  message: string;
}

/** The known snake_case keys of each object kind; any other key is left as written for the schema to report. */
export interface KnownKeys {
  node: ReadonlySet<string>;
  strategy: ReadonlySet<string>;
  retry: ReadonlySet<string>;
  cache: ReadonlySet<string>;
  sticky: ReadonlySet<string>;
  condition: ReadonlySet<string>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function renameKeys(obj: Record<string, unknown>, known: ReadonlySet<string>, path: (string | number)[], issues: RawIssue[]) {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    if (key === '__proto__') {
      issues.push({ path: [...path, key], message: 'unknown field "__proto__"' }); // assigning it would swap `out`'s prototype
      continue;
    }
    const s = snake(key);
    const name = known.has(key) || !known.has(s) ? key : s;
    if (name !== key && Object.hasOwn(obj, name)) {
      issues.push({ path: [...path, key], message: `both "${key}" and "${name}" are set; keep one` });
      continue;
    }
    out[name] = value;
  }
  return out;
}

/** Renames the keys of `node` and of its strategy/retry/cache/sticky/conditions, recursing into targets. */
interface Walk {
  keys: KnownKeys;
  issues: RawIssue[];
  limits: RawIssue[];
  max: ConfigLimits;
  targets: number;
  conditions: number;
  patterns: string[];
}

function normaliseNode(raw: unknown, path: (string | number)[], depth: number, w: Walk): unknown {
  if (!isObject(raw)) return raw;
  const { keys, issues } = w;
  const node = renameKeys(raw, keys.node, path, issues);
  if (isObject(node.retry)) node.retry = renameKeys(node.retry, keys.retry, [...path, 'retry'], issues);
  if (isObject(node.cache)) node.cache = renameKeys(node.cache, keys.cache, [...path, 'cache'], issues);
  if (isObject(node.strategy)) {
    const at = [...path, 'strategy'];
    const strategy = renameKeys(node.strategy, keys.strategy, at, issues);
    if (isObject(strategy.sticky)) strategy.sticky = renameKeys(strategy.sticky, keys.sticky, [...at, 'sticky'], issues);
    if (Array.isArray(strategy.conditions)) {
      w.conditions += strategy.conditions.length;
      strategy.conditions = strategy.conditions.map((c, i) => {
        if (!isObject(c)) return c;
        w.patterns.push(...queryPatterns(c.query));
        return renameKeys(c, keys.condition, [...at, 'conditions', i], issues);
      });
    }
    node.strategy = strategy;
  }
  if (Array.isArray(node.targets)) {
    w.targets += node.targets.length;
    if (depth + 1 > w.max.depth) {
      w.limits.push({ path: [...path, 'targets'], message: `targets nest more than ${w.max.depth} levels deep (the limit)` });
    } else {
      node.targets = node.targets.map((t, i) => normaliseNode(t, [...path, 'targets', i], depth + 1, w));
    }
  }
  return node;
}

export function bytesMessage(size: number | string, max: ConfigLimits): string {
  return `config is ${size} bytes; the limit is ${max.bytes} bytes (${max.bytes / 1024} KiB)`;
}

/**
 * Renames camelCase keys and checks the limits. A limit problem is returned alone (`limited: true`):
 * the config is rejected as a whole without validating the rest.
 */
export function normaliseConfig(input: unknown, keys: KnownKeys, max: ConfigLimits): { value: unknown; issues: RawIssue[]; limited: boolean } {
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(input) ?? '', 'utf8');
  } catch {
    return { value: input, issues: [{ path: [], message: 'a config must be plain JSON' }], limited: true };
  }
  if (size > max.bytes) return { value: input, issues: [{ path: [], message: bytesMessage(size, max) }], limited: true };
  const w: Walk = { keys, issues: [], limits: [], max, targets: 0, conditions: 0, patterns: [] };
  const value = normaliseNode(input, [], 0, w);
  const over = (n: number, limit: number, what: string, path: string[] = []) => {
    if (n > limit) w.limits.push({ path, message: `config has ${n} ${what} in total; the limit is ${limit}` });
  };
  over(w.targets, max.targets, 'targets', ['targets']);
  over(w.conditions, max.conditions, 'strategy conditions');
  over(w.patterns.length, max.regexes, '$regex operators');
  over(
    w.patterns.reduce((n, p) => n + regexSize(p), 0),
    max.regexSize,
    'regex size (pattern length times counted repeats)',
  );
  if (w.limits.length) return { value, issues: w.limits, limited: true };
  return { value, issues: w.issues, limited: false };
}
