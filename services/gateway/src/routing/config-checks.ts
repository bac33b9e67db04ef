import { validateQuery } from './conditions';
import type { RawIssue } from './config-normalise';
import { unforwardable } from './forwardable';

/**
 * Rules that span fields, checked on the normalised (snake_case) config. The walk is defensive: it
 * runs even when the schema found type errors, so one response lists every problem, and it skips a
 * rule whose inputs have the wrong type (the schema reports those).
 */

type Path = (string | number)[];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `@slug/model` in `override_params.model` picks the provider too (Portkey's Model Catalog form). */
export const MODEL_REF = /^@([a-z0-9][a-z0-9_-]{0,62})\/(\S+)$/;

/** Keys that make a config do something; `{}` or a config of ignored fields alone is a mistake. */
const EFFECTIVE = ['provider', 'virtual_key', 'strategy', 'targets', 'override_params', 'retry', 'cache', 'request_timeout', 'forward_headers'];

function slugOf(node: Record<string, unknown>): string | undefined {
  if (typeof node.provider === 'string') return node.provider.replace(/^@/, '');
  if (typeof node.virtual_key === 'string') return node.virtual_key.replace(/^@/, '');
  return undefined;
}

function checkModel(node: Record<string, unknown>, path: Path, issues: RawIssue[]) {
  if (!isObject(node.override_params) || !('model' in node.override_params)) return;
  const model = node.override_params.model;
  const at = [...path, 'override_params', 'model'];
  if (typeof model !== 'string' || model.trim() === '') {
    issues.push({ path: at, message: 'must be a model name, or "@slug/model" to pick the provider too' });
    return;
  }
  if (!model.startsWith('@')) return;
  const ref = MODEL_REF.exec(model);
  if (!ref) {
    issues.push({ path: at, message: 'must be "@slug/model", e.g. "@vertex-prod/claude-sonnet-4-5"' });
    return;
  }
  const own = slugOf(node);
  if (own !== undefined && own !== ref[1]) {
    issues.push({ path: at, message: `names provider @${ref[1]} but this target sets provider @${own}; keep one` });
  }
}

function checkStrategy(node: Record<string, unknown>, path: Path, issues: RawIssue[]) {
  const targets = Array.isArray(node.targets) ? node.targets : undefined;
  const strategy = isObject(node.strategy) ? node.strategy : undefined;
  if (targets && !node.strategy) {
    issues.push({ path: [...path, 'strategy'], message: 'a config with targets needs a strategy, e.g. { "mode": "fallback" }' });
  }
  if (!strategy || typeof strategy.mode !== 'string') return;
  const mode = strategy.mode === 'load-balance' ? 'loadbalance' : strategy.mode;
  const sp = [...path, 'strategy'];
  if (mode !== 'single' && (!targets || targets.length === 0)) {
    issues.push({ path: [...path, 'targets'], message: `mode "${strategy.mode}" needs at least one target` });
  }
  const names = (targets ?? []).map((t) => (isObject(t) && typeof t.name === 'string' ? t.name : undefined));
  const named = (n: unknown) => typeof n === 'string' && names.includes(n);
  const list =
    names
      .filter((n) => n !== undefined)
      .map((n) => `"${n}"`)
      .join(', ') || 'none';
  if (mode === 'conditional') {
    if (!Array.isArray(strategy.conditions) || strategy.conditions.length === 0) {
      issues.push({ path: [...sp, 'conditions'], message: 'conditional mode needs at least one condition' });
    }
  } else {
    if (strategy.conditions !== undefined) issues.push({ path: [...sp, 'conditions'], message: 'conditions apply only to mode "conditional"' });
    if (strategy.default !== undefined) issues.push({ path: [...sp, 'default'], message: 'default applies only to mode "conditional"' });
  }
  if (Array.isArray(strategy.conditions)) {
    strategy.conditions.forEach((c, i) => {
      if (!isObject(c)) return;
      const cp = [...sp, 'conditions', i];
      if ('query' in c) issues.push(...validateQuery(c.query, [...cp, 'query']));
      if (mode === 'conditional' && typeof c.then === 'string' && !named(c.then)) {
        issues.push({ path: [...cp, 'then'], message: `no target named "${c.then}" in this config's targets (names: ${list})` });
      }
    });
  }
  if (mode === 'conditional' && typeof strategy.default === 'string' && !named(strategy.default)) {
    issues.push({ path: [...sp, 'default'], message: `no target named "${strategy.default}" in this config's targets (names: ${list})` });
  }
  if (strategy.sticky !== undefined && mode !== 'loadbalance') {
    issues.push({ path: [...sp, 'sticky'], message: 'sticky applies only to mode "loadbalance"' });
  }
  if (mode === 'loadbalance' && targets?.length) {
    const weights = targets.map((t) => (isObject(t) && typeof t.weight === 'number' ? t.weight : 1));
    if (weights.every((w) => w === 0)) issues.push({ path: [...path, 'targets'], message: 'at least one target needs a weight above 0' });
  }
}

function checkNode(node: unknown, path: Path, issues: RawIssue[]) {
  if (!isObject(node)) return;
  if (node.provider !== undefined && node.virtual_key !== undefined) {
    issues.push({ path: [...path, 'virtual_key'], message: 'set provider or virtual_key, not both' });
  }
  checkModel(node, path, issues);
  if (Array.isArray(node.forward_headers)) {
    node.forward_headers.forEach((h, i) => {
      const why = typeof h === 'string' ? unforwardable(h) : undefined;
      if (why) issues.push({ path: [...path, 'forward_headers', i], message: why });
    });
  }
  checkStrategy(node, path, issues);
  if (!Array.isArray(node.targets)) return;
  const seen = new Set<string>();
  node.targets.forEach((t, i) => {
    if (isObject(t) && typeof t.name === 'string') {
      if (seen.has(t.name)) issues.push({ path: [...path, 'targets', i, 'name'], message: `another target here is already named "${t.name}"` });
      seen.add(t.name);
    }
    checkNode(t, [...path, 'targets', i], issues);
  });
}

/** Every cross-field problem in a normalised config. */
export function checkConfig(config: unknown): RawIssue[] {
  const issues: RawIssue[] = [];
  const guards = isObject(config) && [config.input_guardrails, config.output_guardrails].some((g) => Array.isArray(g) && g.length);
  if (isObject(config) && !guards && !EFFECTIVE.some((k) => config[k] !== undefined)) {
    issues.push({
      path: [],
      message:
        'the config does nothing: give it a provider, a strategy with targets, or retry / cache / request_timeout / override_params / forward_headers / guardrails',
    });
  }
  checkNode(config, [], issues);
  return issues;
}
