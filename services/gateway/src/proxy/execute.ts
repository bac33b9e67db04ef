import type { ServerResponse } from 'node:http';
import type { Provider } from '../../../shared/src/entities';
import { GatewayError } from '../../../shared/src/errors';
import type { CachedAnswer } from '../cache/response-cache';
import { cachePlanFor, forceRefresh } from '../cache/simple-cache';
import type { GatewayDeps } from '../deps';
import { rejectedBetas } from '../providers/vertex';
import type { InboundRequest, ProviderAdapter } from '../providers/types';
import { nextAttemptIndex, type PlannedTarget } from '../routing/plan';
import { countsAgainstUpstream } from '../routing/breaker';
import { nextRetryDelay } from '../routing/retry';
import { breakerKey } from './resolve';
import type { CacheStatus } from '../../../shared/src/usage-event';
import type { RequestRecord } from '../usage/record';
import type { AbortEmitter } from './abort';
import { deliver, type Served, servedHeaders, serveHit } from './deliver';
import { isThinkingSignatureError, withoutThinkingBlocks } from './thinking-signature';
import { RequestBody } from './request-body';
import { callUpstream, type UpstreamAnswer } from './upstream';

export interface CallContext {
  inbound: InboundRequest;
  record: RequestRecord;
  /** Aborted when the client goes away. */
  clientSignal: AbortEmitter;
  /**
   * Checks that the caller may use this provider and the model it will call for `model` (403, or 400
   * for an unknown name); returns the upstream model id.
   */
  checkTarget(provider: Provider, model: string): string;
}

/**
 * Tries the planned targets in order — the target's cache first, then retries within the target,
 * then failover to the next — until one answers. Failover happens only before the first byte
 * reaches the client. Writes the answer to `res`; throws the last error when every target failed
 * (the caller renders it, with the provider, retry-count and cache-status headers already set).
 */
export async function execute(deps: GatewayDeps, ctx: CallContext, plan: PlannedTarget[], res: ServerResponse): Promise<void> {
  const { record } = ctx;
  const cache = deps.responseCache;
  const refresh = forceRefresh(ctx.inbound.forwardHeaders);
  const cacheScope = record.key?.workspace_id ?? '';
  let lastError: GatewayError | undefined;
  let last: Served | undefined;
  let waited = 0;
  let tries = 0;
  let index: number | undefined = 0;
  while (index !== undefined && index < plan.length) {
    const target = plan[index];
    const provider = deps.providers.get(target.provider);
    if (!provider) {
      lastError = new GatewayError('invalid_request_error', `Unknown provider "@${target.provider}" (config target ${target.id}): no provider with that slug exists.`);
      record.attempts.push({ target: target.id, provider: target.provider, status: 400, latency_ms: 0, error_type: lastError.type });
      index = nextAttemptIndex(plan, index, lastError.status);
      continue;
    }
    let req = targetRequest(ctx.inbound, target, ctx.checkTarget(provider, target.model ?? ctx.inbound.model));
    const adapter = deps.adapters[provider.kind] as ProviderAdapter<Provider>;
    const caching = cachePlanFor(target, provider, req, deps.catalog, cacheScope);
    const cacheStatus: CacheStatus = !caching ? 'DISABLED' : refresh ? 'REFRESH' : 'MISS';
    if (caching && !refresh) {
      // A cache that fails (a future shared layer) is a miss, never a failed request.
      const hit = await cache.get(caching.key, caching.maxAgeMs).catch(() => undefined);
      if (hit) {
        serveHit(deps, record, { provider, retries: tries, cacheStatus: 'HIT' }, hit, res);
        return;
      }
    }
    const store = caching
      ? (a: CachedAnswer) => void cache.set(caching.key, a, caching.maxAgeMs).catch((err: Error) => deps.log.warn('response cache write failed', { err: err.message }))
      : undefined;
    let betasStripped = false;
    let thinkingStripped = false;
    let skipped = false;
    // One failure per target per request: a client's retry settings must not multiply its weight.
    let failureCounted = false;
    for (let attempt = 0; ; attempt++) {
      // A breaker is only worth consulting when there is another target to go to.
      if (target.fallback_chain.length && !deps.breakers.begin(breakerKey(target))) {
        lastError = new GatewayError('overloaded_error', `@${target.provider} is failing repeatedly (circuit open); skipped.`, { retryable: true });
        skipped = true;
        break;
      }
      const started = deps.now();
      tries++;
      let answer: UpstreamAnswer | undefined;
      try {
        answer = await callUpstream(adapter, provider, req, {
          dispatcher: deps.dispatcher,
          catalog: deps.catalog,
          timeoutMs: target.request_timeout ?? deps.env.UPSTREAM_TIMEOUT_MS,
          clientSignal: ctx.clientSignal,
          wallClock: deps.wallClock(),
        });
      } catch (err) {
        lastError = err as GatewayError;
      }
      const status = answer?.status ?? lastError!.status;
      record.attempts.push({
        target: target.id,
        provider: target.provider,
        status,
        latency_ms: deps.now() - started,
        ...(answer ? {} : { error_type: lastError!.type }),
      });
      if (ctx.clientSignal.aborted) return cancelled(record);
      last = { provider, retries: tries - 1, cacheStatus };
      if (answer) {
        deps.breakers.record(breakerKey(target), 'success');
        await deliver(deps, ctx, last, answer, store, res);
        return;
      }
      const error = lastError!;
      if (!failureCounted && countsAgainstUpstream(error, deps.env.UPSTREAM_TIMEOUT_MS)) {
        deps.breakers.record(breakerKey(target), 'failure');
        failureCounted = true;
      }
      const named = provider.kind === 'vertex' && error.status === 400 && !betasStripped ? rejectedBetas(error.message) : [];
      if (named.length) {
        // Vertex names the betas it rejects; one retry without them (docs/wire-formats.md §1.3).
        betasStripped = true;
        req = { ...req, betas: req.betas.filter((b) => !named.includes(b)) };
        attempt--;
        continue;
      }
      const withoutThinking = !thinkingStripped && isThinkingSignatureError(error) ? withoutThinkingBlocks(req.body.json) : undefined;
      if (withoutThinking) {
        thinkingStripped = true;
        req = { ...req, body: RequestBody.of(withoutThinking) };
        attempt--;
        continue;
      }
      const delay = nextRetryDelay({
        attempt,
        status: error.status,
        retry: target.retry,
        waitedMs: waited,
        random: deps.random,
        now: Date.now(),
        retryAfterSeconds: error.opts.retryAfterSeconds,
      });
      if (delay === undefined) break;
      waited += delay;
      await ctx.clientSignal.wait(delay);
      if (ctx.clientSignal.aborted) return cancelled(record);
    }
    // A target skipped by its breaker hands over to the enclosing fallback whatever its status codes say.
    index = skipped ? target.fallback_chain[0]?.next : nextAttemptIndex(plan, index, lastError!.status);
  }
  record.outcome = 'upstream_error';
  if (last) {
    for (const [name, value] of Object.entries(servedHeaders(last))) res.setHeader(name, value);
    if (last.cacheStatus !== 'DISABLED') record.cacheStatus = last.cacheStatus;
  }
  throw lastError ?? new GatewayError('api_error', 'The routing config produced no target to try.');
}

function cancelled(record: RequestRecord): void {
  record.outcome = 'client_cancel';
  record.status = 499;
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
