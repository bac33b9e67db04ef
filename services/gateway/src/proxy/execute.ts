import type { ServerResponse } from 'node:http';
import { GatewayError } from '../../../shared/src/errors';
import { cachedAttempt } from '../cache/cached-attempt';
import { cachePlanFor, forceRefresh } from '../cache/cache-plan';
import type { GatewayDeps } from '../deps';
import type { InboundRequest } from '../providers/types';
import { nextAttemptIndex, type PlannedTarget } from '../routing/plan';
import { type AttemptBudget, attemptTarget } from './attempt';
import { servedHeaders, serveHit } from './deliver';
import type { CallContext, Served, TargetResult } from './types';

type Failed = Extract<TargetResult, { kind: 'failed' }>;

/**
 * Tries the planned targets in order until one answers (docs/design.md §6.3). After a target gives up,
 * routing moves to the next one only when the failure is `retryable` and its status is one the
 * enclosing fallback group moves on for; a target skipped by its open breaker hands over to the
 * enclosing fallback whatever its status. Failover happens only before the first byte reaches the
 * client. Writes the answer to `res`; throws the last error when no target answered (the caller
 * renders it, with the provider, retry-count and cache-status headers already set).
 */
export async function execute(deps: GatewayDeps, ctx: CallContext, plan: PlannedTarget[], res: ServerResponse): Promise<void> {
  const budget: AttemptBudget = { calls: 0, waitedMs: 0 };
  let failure: Failed | undefined;
  let served: Served | undefined;
  for (let index: number | undefined = 0; index !== undefined && index < plan.length; ) {
    const result = await tryTarget(deps, ctx, plan[index], budget, res);
    if (result.kind === 'cancelled') return ctx.record.clientLeft();
    if (result.kind === 'answered') return;
    failure = result;
    served = result.served ?? served;
    index = nextAfterFailure(plan, index, result);
  }
  if (served) {
    for (const [name, value] of Object.entries(servedHeaders(served))) res.setHeader(name, value);
    if (served.cacheStatus !== 'DISABLED') ctx.record.cacheStatus = served.cacheStatus;
  }
  throw failure?.error ?? new GatewayError('api_error', 'The routing config produced no target to try.');
}

/** Where routing goes after `plan[index]` gave up (docs/design.md §6.3), or undefined to stop. */
function nextAfterFailure(plan: PlannedTarget[], index: number, failure: Failed): number | undefined {
  // A target skipped by its open breaker hands over to the enclosing fallback whatever its status lists say.
  if (failure.skipped) return plan[index].fallback_chain[0]?.next;
  // Only a retryable failure moves on; the enclosing fallback's on_status_codes then narrow that.
  return failure.error.retryable ? nextAttemptIndex(plan, index, failure.error.status) : undefined;
}

/** One target: its provider and checked model, then its cache around its attempts. */
async function tryTarget(deps: GatewayDeps, ctx: CallContext, target: PlannedTarget, budget: AttemptBudget, res: ServerResponse): Promise<TargetResult> {
  const { record } = ctx;
  const provider = deps.providers.get(target.provider);
  if (!provider) {
    const error = new GatewayError(
      'invalid_request_error',
      `Unknown provider "@${target.provider}" (config target ${target.id}): no provider with that slug exists.`,
    );
    record.attempts.push({ target: target.id, provider: target.provider, status: 400, latency_ms: 0, error_type: error.type });
    return { kind: 'failed', error, skipped: false };
  }
  const req = targetRequest(ctx.inbound, target, ctx.checkTarget(provider, target.model ?? ctx.inbound.model));
  return cachedAttempt<TargetResult>({
    cache: deps.responseCache,
    plan: cachePlanFor(target, provider, req, deps.catalog, record.key?.workspace_id ?? ''),
    refresh: forceRefresh(ctx.inbound.forwardHeaders),
    async serveHit(hit) {
      await serveHit(deps, ctx, { provider, retries: budget.calls, cacheStatus: 'HIT' }, hit, res);
      return { kind: 'answered' };
    },
    attempt: (cacheStatus) => attemptTarget(deps, ctx, target, provider, req, budget, cacheStatus, res),
    onWriteError: (err) => deps.log.warn('response cache write failed', { err: err.message }),
  });
}

/** The request as one target sends it: its checked model, override_params applied, its forwarded headers. */
function targetRequest(inbound: InboundRequest, target: PlannedTarget, model: string): InboundRequest {
  // RequestBody is immutable: the inbound body, shared by every target of the plan, is never changed.
  const body = inbound.body.merge(target.override_params);
  const forwardHeaders: Record<string, string> = {};
  for (const name of target.forward_headers) {
    const value = inbound.forwardHeaders[name.toLowerCase()];
    if (value !== undefined && name.toLowerCase() !== 'anthropic-beta') forwardHeaders[name.toLowerCase()] = value;
  }
  return { ...inbound, model, body, forwardHeaders };
}
