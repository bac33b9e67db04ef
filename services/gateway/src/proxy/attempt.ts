import type { ServerResponse } from 'node:http';
import type { Provider } from '../../../shared/src/entities';
import { GatewayError } from '../../../shared/src/errors';
import type { CacheStatus } from '../../../shared/src/usage-event';
import type { GatewayDeps } from '../deps';
import type { InboundRequest, ProviderAdapter } from '../providers/types';
import { countsAgainstUpstream } from '../routing/breaker';
import type { PlannedTarget } from '../routing/plan';
import { nextRetryDelay } from '../routing/retry';
import { deliver } from './deliver';
import { breakerKey } from './resolve';
import type { CallContext, TargetResult } from './types';
import { callUpstream, type CallOptions } from './upstream';

/** What one request's attempts share across its targets. */
export interface AttemptBudget {
  /** Upstream calls made so far. */
  calls: number;
  /** Time spent waiting before retries so far (bounded per request: routing/retry.ts). */
  waitedMs: number;
}

type AttemptDeps = Pick<GatewayDeps, 'adapters' | 'breakers' | 'dispatcher' | 'catalog' | 'env' | 'random' | 'now' | 'wallClock' | 'log' | 'modelArmor'>;

/**
 * Calls one target until it answers or gives up (docs/design.md §6.3): a refusal the provider can mend
 * is sent again repaired (not counted as a retry); a `retryable` failure whose status the target's
 * `retry` lists is retried after a backoff; anything else ends the target. The target's breaker is
 * consulted before each call when there is another target to go to, and learns one failure at most
 * per request, so that a client's retry settings do not multiply its weight.
 */
export async function attemptTarget(
  deps: AttemptDeps,
  ctx: CallContext,
  target: PlannedTarget,
  provider: Provider,
  first: InboundRequest,
  budget: AttemptBudget,
  cacheStatus: CacheStatus,
  res: ServerResponse,
): Promise<TargetResult> {
  const adapter = deps.adapters[provider.kind] as ProviderAdapter<Provider>;
  const key = breakerKey(target);
  const options: CallOptions = {
    dispatcher: deps.dispatcher,
    catalog: deps.catalog,
    timeoutMs: target.request_timeout ?? deps.env.UPSTREAM_TIMEOUT_MS,
    clientSignal: ctx.clientSignal,
    wallClock: deps.wallClock(),
  };
  let req = first;
  const repairs = new Set<string>();
  let retries = 0;
  let failureCounted = false;
  for (;;) {
    if (target.fallback_chain.length && !deps.breakers.begin(key)) {
      const error = new GatewayError('overloaded_error', `@${target.provider} is failing repeatedly (circuit open); skipped.`, { retryable: true });
      return { kind: 'failed', error, skipped: true };
    }
    const started = deps.now();
    budget.calls++;
    const call = await callUpstream(adapter, provider, req, options).then(
      (answer) => ({ ok: true as const, answer }),
      (error: GatewayError) => ({ ok: false as const, error }),
    );
    ctx.record.attempts.push({
      target: target.id,
      provider: target.provider,
      status: call.ok ? call.answer.status : call.error.status,
      latency_ms: deps.now() - started,
      ...(call.ok ? {} : { error_type: call.error.type }),
    });
    if (ctx.clientSignal.aborted) return { kind: 'cancelled' };
    const served = { provider, retries: budget.calls - 1, cacheStatus };
    if (call.ok) {
      deps.breakers.record(key, 'success');
      const kept = await deliver(deps, ctx, served, call.answer, cacheStatus !== 'DISABLED', res);
      return { kind: 'answered', kept };
    }
    const { error } = call;
    if (!failureCounted && countsAgainstUpstream(error, deps.env.UPSTREAM_TIMEOUT_MS)) {
      deps.breakers.record(key, 'failure');
      failureCounted = true;
    }
    const repair = adapter.repair(req, error, repairs);
    if (repair) {
      repairs.add(repair.name);
      req = repair.req;
      continue;
    }
    const delay = error.retryable
      ? nextRetryDelay({
          attempt: retries,
          status: error.status,
          retry: target.retry,
          waitedMs: budget.waitedMs,
          random: deps.random,
          retryAfterSeconds: error.opts.retryAfterSeconds,
        })
      : undefined;
    if (delay === undefined) return { kind: 'failed', error, skipped: false, served };
    retries++;
    budget.waitedMs += delay;
    await ctx.clientSignal.wait(delay);
    if (ctx.clientSignal.aborted) return { kind: 'cancelled' };
  }
}
