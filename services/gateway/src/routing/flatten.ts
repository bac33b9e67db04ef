import { MODEL_REF } from './config-checks';
import {
  formatPath,
  type CacheSettings,
  type ConfigIssue,
  type RetrySettings,
  type RoutingCondition,
  type RoutingConfig,
  type StickySettings,
  type StrategyMode,
} from './config-schema';
import { DEFAULT_RETRY_STATUS_CODES } from './retry';

/*
 * Inheritance, applied once per config (`planRoute` memoises it), parent → child: `override_params`
 * deep-merged (objects merge, anything else the child replaces); `retry` and `cache` replaced whole
 * when the child sets them; `request_timeout`, `forward_headers` and the provider inherited unless the
 * child sets them. A `strategy` is never inherited: each group's `on_status_codes` governs only its own
 * targets. `override_params.model: "@slug/model"` sets the provider and the bare model, and the
 * nearest setting to the leaf wins.
 */

/** A target at a leaf of the config, with everything it inherits applied. */
export interface ResolvedTarget {
  /** Stable path in the config: `root` for a config without targets, else like `targets[0].targets[1]`. */
  id: string;
  name?: string;
  /** Provider slug without `@`. */
  provider: string;
  /** The bare model from `override_params.model`, if any. */
  model?: string;
  /** Merged along the path; an `@slug/model` model is already reduced to the bare model. */
  override_params: Record<string, unknown>;
  retry: { attempts: number; on_status_codes: number[]; use_retry_after_header: boolean };
  cache?: CacheSettings;
  request_timeout?: number;
  forward_headers: string[];
}

export type FallbackOn = number[] | 'any';

interface ResolvedLeaf {
  kind: 'leaf';
  id: string;
  name?: string;
  weight: number;
  target: ResolvedTarget;
}

export interface ResolvedGroup {
  kind: 'group';
  id: string;
  name?: string;
  weight: number;
  mode: StrategyMode;
  /** This group's `strategy.on_status_codes`, or `'any'` (every non-2xx) when unset. */
  fallback_on: FallbackOn;
  conditions: RoutingCondition[];
  default?: string;
  sticky?: StickySettings;
  children: ResolvedTree[];
}

export type ResolvedTree = ResolvedLeaf | ResolvedGroup;

export type FlattenResult = { ok: true; tree: ResolvedTree } | { ok: false; issues: ConfigIssue[] };

interface Inherited {
  provider?: string;
  override_params: Record<string, unknown>;
  retry?: RetrySettings;
  cache?: CacheSettings;
  request_timeout?: number;
  forward_headers?: string[];
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parent then child; objects merge key by key, anything else (arrays included) the child replaces. */
export function deepMerge(parent: Record<string, unknown>, child: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...parent };
  for (const [k, v] of Object.entries(child)) {
    if (k === '__proto__') continue; // JSON.parse makes it an own key; assigning it would swap the prototype
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k] as Record<string, unknown>, v) : v;
  }
  return out;
}

function resolve(node: RoutingConfig, inh: Inherited, path: (string | number)[], issues: ConfigIssue[]): ResolvedTree {
  const id = path.length ? formatPath(path) : 'root';
  let provider = node.provider ? node.provider.replace(/^@/, '') : inh.provider;
  let override_params = deepMerge(inh.override_params, node.override_params ?? {});
  const ref = typeof node.override_params?.model === 'string' ? MODEL_REF.exec(node.override_params.model) : null;
  if (ref) {
    provider = ref[1];
    override_params = { ...override_params, model: ref[2] };
  }
  const here: Inherited = {
    provider,
    override_params,
    retry: node.retry ?? inh.retry,
    cache: node.cache ?? inh.cache,
    request_timeout: node.request_timeout ?? inh.request_timeout,
    forward_headers: node.forward_headers ?? inh.forward_headers,
  };
  const base = { id, ...(node.name !== undefined && { name: node.name }), weight: node.weight ?? 1 };
  if (node.targets?.length && node.strategy) {
    const s = node.strategy;
    return {
      ...base,
      kind: 'group',
      mode: s.mode,
      fallback_on: s.on_status_codes ?? 'any',
      conditions: s.conditions ?? [],
      ...(s.default !== undefined && { default: s.default }),
      ...(s.sticky && { sticky: s.sticky }),
      children: node.targets.map((t, i) => resolve(t, here, [...path, 'targets', i], issues)),
    };
  }
  if (!provider) {
    issues.push({ path: formatPath(path), message: 'no provider: set "provider": "@slug" here or on a parent, or override_params.model "@slug/model"' });
  }
  const r = here.retry;
  const model = override_params.model;
  const target: ResolvedTarget = {
    id,
    ...(node.name !== undefined && { name: node.name }),
    provider: provider ?? '',
    ...(typeof model === 'string' && { model }),
    override_params,
    retry: {
      attempts: r?.attempts ?? 0,
      on_status_codes: [...(r?.on_status_codes ?? DEFAULT_RETRY_STATUS_CODES)],
      // Unlike Portkey (default false): Claude Code's upstreams send honest retry-after values, and
      // retrying before them only earns another 429.
      use_retry_after_header: r?.use_retry_after_header ?? true,
    },
    ...(here.cache && { cache: { ...here.cache } }),
    ...(here.request_timeout !== undefined && { request_timeout: here.request_timeout }),
    forward_headers: [...(here.forward_headers ?? [])],
  };
  return { ...base, kind: 'leaf', target };
}

/**
 * Applies inheritance. `defaultProvider` (`@slug` or `slug`: the provider header or the workspace
 * default) stands in for a provider the config never names, as in Portkey a config with only `retry`
 * or `cache` routes to the provider given by header. A leaf still without a provider is an error.
 */
export function flattenConfig(config: RoutingConfig, opts: { defaultProvider?: string } = {}): FlattenResult {
  const issues: ConfigIssue[] = [];
  const tree = resolve(config, { provider: opts.defaultProvider?.replace(/^@/, ''), override_params: {} }, [], issues);
  return issues.length ? { ok: false, issues } : { ok: true, tree };
}

/** Every leaf target of the tree in declared order (to check that each provider slug exists). */
export function leafTargets(tree: ResolvedTree): ResolvedTarget[] {
  return tree.kind === 'leaf' ? [tree.target] : tree.children.flatMap(leafTargets);
}
