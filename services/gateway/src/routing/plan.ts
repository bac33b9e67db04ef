import { fieldValue, matches, type ConditionContext } from './conditions';
import type { ConfigIssue, RoutingConfig, StickySettings } from './config-schema';
import { type FallbackOn, type FlattenResult, flattenConfig, leafTargets, type ResolvedGroup, type ResolvedTarget, type ResolvedTree } from './flatten';
import { rendezvousIndex, weightedIndex } from './pick';

/**
 * Attempt planning (Portkey `tryTargetsRecursively`, docs/design.md §6.2), split in two pure steps:
 * `flattenConfig` (flatten.ts) applies inheritance once per config; `planAttempts` runs per request and returns the
 * leaf targets in the order to try them.
 *
 * Strategies:
 * - fallback: children in declared order; a child whose every leaf has an open breaker moves to the
 *   end (Portkey's hosted breaker drops them and bypasses itself when all are open; we keep them last).
 * - loadbalance: ONE weighted pick (weight defaults to 1); the other children are not tried — nest the
 *   group in a fallback for failover (Portkey: "no retry on the other targets unless you nest a
 *   fallback"). Children whose breaker is open are left out of the draw unless all are. With
 *   `strategy.sticky.enabled` and a sticky key, the draw is weighted rendezvous hashing instead.
 * - conditional: the `then` target of the first matching condition, else `default`, else nothing.
 *   Breakers are not consulted (as in Portkey).
 * - single: the first target; a config without targets is itself the target.
 *
 * Falling through (Portkey: a fallback group stops at the first ok response, or at a status not in
 * its `strategy.on_status_codes` when that list is set): each planned target carries, innermost
 * first, the fallback groups it can fall through with the plan index where each one continues.
 * `nextAttemptIndex` walks them outward like Portkey's recursion returning an error to its parent.
 */

export interface PlannedTarget extends ResolvedTarget {
  /** Statuses on which to move on to the next planned target; `[]` when this is the last one. */
  fallback_on: FallbackOn;
  /** Enclosing fallback groups that still have targets left, innermost first. */
  fallback_chain: { on: FallbackOn; next: number }[];
}

export interface PlanContext extends ConditionContext {
  random: () => number;
  /** Whether a target's breaker refuses attempts now. Gets the target too, to key breakers by provider. */
  isOpen?: (targetId: string, target: ResolvedTarget) => boolean;
  /** Identifies the client session for `strategy.sticky` (e.g. Claude Code's session id). */
  stickyKey?: string;
}

interface Entry {
  target: ResolvedTarget;
  frames: { on: FallbackOn; skip: number }[];
}

function allOpen(node: ResolvedTree, ctx: PlanContext): boolean {
  return !!ctx.isOpen && leafTargets(node).every((t) => ctx.isOpen!(t.id, t));
}

function stickyKeyFor(sticky: StickySettings | undefined, ctx: PlanContext): string | undefined {
  if (!sticky?.enabled) return undefined;
  const values = (sticky.hash_fields ?? []).map((f) => fieldValue(f, ctx));
  if (ctx.stickyKey === undefined && values.every((v) => v === undefined)) return undefined;
  return [ctx.stickyKey ?? '', ...values.map((v) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? '')))].join('\u0000');
}

function pickLoadbalanced(g: ResolvedGroup, ctx: PlanContext): ResolvedTree | undefined {
  const eligible = g.children.filter((c) => c.weight > 0);
  const closed = eligible.filter((c) => !allOpen(c, ctx));
  const candidates = closed.length ? closed : eligible;
  if (!candidates.length) return undefined;
  const key = stickyKeyFor(g.sticky, ctx);
  const i =
    key === undefined
      ? weightedIndex(
          candidates.map((c) => c.weight),
          ctx.random(),
        )
      : rendezvousIndex(
          candidates.map((c) => ({ key: c.name ?? c.id, weight: c.weight })),
          key,
        );
  return candidates[i];
}

/** `unmatched` collects the conditional groups where nothing matched and there was no default. */
function planNode(node: ResolvedTree, ctx: PlanContext, unmatched: string[]): Entry[] {
  if (node.kind === 'leaf') return [{ target: node.target, frames: [] }];
  switch (node.mode) {
    case 'single':
      return planNode(node.children[0], ctx, unmatched);
    case 'conditional': {
      const name = node.conditions.find((c) => matches(c.query, ctx))?.then ?? node.default;
      const child = node.children.find((c) => name !== undefined && c.name === name);
      if (!child) unmatched.push(node.id);
      return child ? planNode(child, ctx, unmatched) : [];
    }
    case 'loadbalance': {
      const child = pickLoadbalanced(node, ctx);
      return child ? planNode(child, ctx, unmatched) : [];
    }
    case 'fallback': {
      // Plan every child first, in declared order, so random draws do not depend on breaker state.
      const planned = node.children.map((c) => planNode(c, ctx, unmatched)).filter((p) => p.length);
      const open = planned.map((p) => !!ctx.isOpen && p.every((e) => ctx.isOpen!(e.target.id, e.target)));
      const ordered = [...planned.filter((_, i) => !open[i]), ...planned.filter((_, i) => open[i])];
      // Entries are fresh per call, so adding this group's frame in place is safe (and cheap).
      ordered.forEach((p, j) => {
        if (j < ordered.length - 1) p.forEach((e, k) => e.frames.push({ on: node.fallback_on, skip: p.length - k }));
      });
      return ordered.flat();
    }
  }
}

/**
 * The leaf targets to try for one request, in order. Empty when nothing is routable (a conditional
 * group with no matching condition and no `default`): the caller answers 400, as Portkey does.
 */
export function planAttempts(tree: ResolvedTree, ctx: PlanContext): PlannedTarget[] {
  return toPlanned(planNode(tree, ctx, []));
}

/**
 * Built as a literal, not `{ ...target, fallback_on }`: on Node 20 a spread with extra keys (or a
 * spread clone given new keys) costs microseconds per object, a literal tens of nanoseconds, and this
 * runs on every request.
 */
function toPlanned(entries: Entry[]): PlannedTarget[] {
  return entries.map((e, i) => {
    const t = e.target;
    const fallback_chain = e.frames.map((f) => ({ on: f.on, next: i + f.skip }));
    const planned: PlannedTarget = {
      id: t.id,
      provider: t.provider,
      override_params: t.override_params,
      retry: t.retry,
      forward_headers: t.forward_headers,
      fallback_on: fallback_chain[0]?.on ?? [],
      fallback_chain,
    };
    if (t.name !== undefined) planned.name = t.name;
    if (t.model !== undefined) planned.model = t.model;
    if (t.cache !== undefined) planned.cache = t.cache;
    if (t.request_timeout !== undefined) planned.request_timeout = t.request_timeout;
    return planned;
  });
}

export type RouteResult = { ok: true; targets: PlannedTarget[] } | { ok: false; issues: ConfigIssue[] };

const flattened = new WeakMap<RoutingConfig, Map<string, FlattenResult>>();

/**
 * Config in, attempts out: `flattenConfig` (memoised per config object, so a cached config is
 * flattened once) then `planAttempts`. Fails with the path of each leaf without a provider, or of
 * the conditional group that matched nothing and has no default (Portkey answers that with a 400).
 */
export function planRoute(config: RoutingConfig, ctx: PlanContext, opts: { defaultProvider?: string } = {}): RouteResult {
  let memo = flattened.get(config);
  if (!memo) flattened.set(config, (memo = new Map()));
  const flatten = (key: string, defaultProvider?: string): FlattenResult => {
    let hit = memo.get(key);
    if (hit) return hit;
    if (memo.size >= 16) memo.clear(); // the default comes from a request header: keep the memo small
    memo.set(key, (hit = flattenConfig(config, { defaultProvider })));
    return hit;
  };
  // When every leaf names a provider the default changes nothing, so one flattening serves all.
  let flat = flatten('');
  if (!flat.ok && opts.defaultProvider) flat = flatten(`@${opts.defaultProvider.replace(/^@/, '')}`, opts.defaultProvider);
  if (!flat.ok) return flat;
  const unmatched: string[] = [];
  const targets = toPlanned(planNode(flat.tree, ctx, unmatched));
  if (targets.length) return { ok: true, targets };
  if (!unmatched.length) return { ok: false, issues: [{ path: '', message: 'the config leaves no target to try' }] };
  return {
    ok: false,
    issues: unmatched.map((id) => ({
      path: id === 'root' ? 'strategy' : `${id}.strategy`,
      message: 'no condition matched this request and the strategy has no default target',
    })),
  };
}

/** Whether a status makes a fallback group move on: listed codes, or any non-2xx. */
export function triggersFallback(on: FallbackOn, status: number): boolean {
  return on === 'any' ? status < 200 || status >= 300 : on.includes(status);
}

/** Where to go after `plan[index]` finally failed with `status` (retries done), or undefined to stop. */
export function nextAttemptIndex(plan: readonly PlannedTarget[], index: number, status: number): number | undefined {
  return plan[index]?.fallback_chain.find((f) => triggersFallback(f.on, status))?.next;
}
