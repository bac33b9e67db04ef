/**
 * Before validation: camelCase keys become snake_case (Portkey accepts both; its `convertKeysToCamelCase`
 * goes the other way) and the size limits are enforced, so a hostile config never reaches the
 * recursive schema. Only the config's own structure is renamed: the contents of `override_params`
 * (request-body fields), condition queries and ignored Portkey fields are left exactly as written.
 */

export const MAX_DEPTH = 5; // levels of nested `targets` below the root
export const MAX_TARGETS = 50; // targets in the whole tree
export const MAX_CONFIG_BYTES = 64 * 1024; // serialised UTF-8 size

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
    if (name !== key && Object.prototype.hasOwnProperty.call(obj, name)) {
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
  targets: number;
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
      strategy.conditions = strategy.conditions.map((c, i) =>
        isObject(c) ? renameKeys(c, keys.condition, [...at, 'conditions', i], issues) : c,
      );
    }
    node.strategy = strategy;
  }
  if (Array.isArray(node.targets)) {
    w.targets += node.targets.length;
    if (depth + 1 > MAX_DEPTH) {
      w.limits.push({ path: [...path, 'targets'], message: `targets nest more than ${MAX_DEPTH} levels deep` });
    } else {
      node.targets = node.targets.map((t, i) => normaliseNode(t, [...path, 'targets', i], depth + 1, w));
    }
  }
  return node;
}

/**
 * Renames camelCase keys and checks the limits. A limit problem is returned alone (`limited: true`):
 * the config is rejected as a whole without validating the rest.
 */
export function normaliseConfig(input: unknown, keys: KnownKeys): { value: unknown; issues: RawIssue[]; limited: boolean } {
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(input) ?? '', 'utf8');
  } catch {
    return { value: input, issues: [{ path: [], message: 'a config must be plain JSON' }], limited: true };
  }
  if (size > MAX_CONFIG_BYTES) {
    return { value: input, issues: [{ path: [], message: `config is ${size} bytes; the limit is ${MAX_CONFIG_BYTES} bytes (64 KiB)` }], limited: true };
  }
  const w: Walk = { keys, issues: [], limits: [], targets: 0 };
  const value = normaliseNode(input, [], 0, w);
  if (w.targets > MAX_TARGETS) {
    w.limits.push({ path: ['targets'], message: `config has ${w.targets} targets in total; the limit is ${MAX_TARGETS}` });
  }
  if (w.limits.length) return { value, issues: w.limits, limited: true };
  return { value, issues: w.issues, limited: false };
}
