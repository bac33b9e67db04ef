import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Provider } from '../../../shared/src/entities';
import { GatewayError } from '../../../shared/src/errors';
import type { GatewayDeps } from '../deps';
import { rejectedBetas } from '../providers/vertex';
import type { InboundRequest, ProviderAdapter } from '../providers/types';
import { nextAttemptIndex, type PlannedTarget } from '../routing/plan';
import { retryDelayMs, shouldRetry, withinRetryBudget } from '../routing/retry';
import { breakerKey } from './resolve';
import { usageFromMessage } from '../streaming/usage-tap';
import type { RequestRecord } from '../usage/record';
import { relayStream } from './relay';
import { callUpstream, type UpstreamAnswer } from './upstream';

export interface CallContext {
  inbound: InboundRequest;
  record: RequestRecord;
  /** Aborted when the client goes away. */
  clientSignal: AbortSignal;
  /** Headers every answer carries (request id, trace id). */
  baseHeaders: Record<string, string>;
  /** Checks model access for the model a target will use; throws a 403. */
  checkModel(model: string): void;
}

/**
 * Tries the planned targets in order — retries within a target, then failover to the next — until
 * one answers. Failover happens only before the first byte reaches the client. Writes the answer to
 * `res`; throws the last error when every target failed (the caller renders it).
 */
export async function execute(deps: GatewayDeps, ctx: CallContext, plan: PlannedTarget[], res: ServerResponse): Promise<void> {
  const { record } = ctx;
  let lastError: GatewayError | undefined;
  let waited = 0;
  let tries = 0;
  for (let index: number | undefined = 0; index !== undefined && index < plan.length; index = nextAttemptIndex(plan, index, lastError!.status)) {
    const target = plan[index];
    const provider = deps.providers.get(target.provider);
    if (!provider) {
      lastError = new GatewayError('invalid_request_error', `Unknown provider "@${target.provider}" (config target ${target.id}): no provider with that slug exists.`);
      record.attempts.push({ target: target.id, provider: target.provider, status: 400, latency_ms: 0, error_type: lastError.type });
      continue;
    }
    let req = targetRequest(ctx.inbound, target);
    ctx.checkModel(String(req.body.model));
    const adapter = deps.adapters[provider.kind] as ProviderAdapter<Provider>;
    let betasStripped = false;
    for (let attempt = 0; ; attempt++) {
      if (index < plan.length - 1 && !deps.breakers.begin(breakerKey(target))) {
        lastError = new GatewayError('overloaded_error', `@${target.provider} is failing repeatedly (circuit open); skipped.`, { retryable: true });
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
      if (ctx.clientSignal.aborted) {
        record.outcome = 'client_cancel';
        record.status = 499;
        return;
      }
      if (answer) {
        deps.breakers.record(breakerKey(target), 'success');
        await deliver(deps, ctx, target, provider, answer, tries - 1, res);
        return;
      }
      const error = lastError!;
      if (error.retryable) deps.breakers.record(breakerKey(target), 'failure');
      const named = provider.kind === 'vertex' && error.status === 400 && !betasStripped ? rejectedBetas(error.message) : [];
      if (named.length) {
        // Vertex names the betas it rejects; one retry without them (wire-formats §1.3).
        betasStripped = true;
        req = { ...req, betas: req.betas.filter((b) => !named.includes(b)) };
        attempt--;
        continue;
      }
      if (attempt < target.retry.attempts && shouldRetry(error.status, target.retry.on_status_codes)) {
        const delay = retryDelayMs(attempt, {
          random: deps.random,
          now: Date.now(),
          useRetryAfter: target.retry.use_retry_after_header,
          retryAfterHeader: error.opts.retryAfterSeconds?.toString(),
        });
        if (withinRetryBudget(waited, delay)) {
          waited += delay;
          await sleep(delay, undefined, { signal: ctx.clientSignal }).catch(() => undefined);
          if (ctx.clientSignal.aborted) {
            record.outcome = 'client_cancel';
            record.status = 499;
            return;
          }
          continue;
        }
      }
      break;
    }
  }
  record.outcome = 'upstream_error';
  throw lastError ?? new GatewayError('api_error', 'The routing config produced no target to try.');
}

/** The request as one target sends it: its model and override_params applied, its forwarded headers. */
function targetRequest(inbound: InboundRequest, target: PlannedTarget): InboundRequest {
  const overrides = target.override_params;
  const body = Object.keys(overrides).length ? deepMerge(inbound.body, overrides) : inbound.body;
  if (target.model) body.model = target.model;
  const forwardHeaders: Record<string, string> = {};
  for (const name of target.forward_headers) {
    const value = inbound.forwardHeaders[name.toLowerCase()];
    if (value !== undefined && name.toLowerCase() !== 'anthropic-beta') forwardHeaders[name.toLowerCase()] = value;
  }
  return { ...inbound, body: body === inbound.body ? { ...body } : body, forwardHeaders };
}

export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isPlain(b) && isPlain(v) ? deepMerge(b, v) : v;
  }
  return out;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

async function deliver(
  deps: GatewayDeps,
  ctx: CallContext,
  target: PlannedTarget,
  provider: Provider,
  answer: UpstreamAnswer,
  retries: number,
  res: ServerResponse,
): Promise<void> {
  const { record } = ctx;
  record.provider = provider.slug;
  record.providerKind = provider.kind;
  record.regionalPremium = provider.kind === 'vertex' ? provider.region !== 'global' : false;
  record.modelUpstream = answer.up.modelUpstream;
  const headers = {
    ...ctx.baseHeaders,
    'x-gatehouse-provider': `@${provider.slug}`,
    'x-gatehouse-retry-count': String(retries),
  };
  if (answer.kind === 'json') {
    res.writeHead(answer.status, { ...headers, 'content-type': 'application/json' });
    record.ttfbMs = deps.now() - record.startedAt;
    res.end(answer.text);
    if (ctx.inbound.op === 'messages') record.usage = usageFromMessage(safeJson(answer.text));
    record.status = answer.status;
    record.outcome = 'success';
    return;
  }
  res.writeHead(answer.status, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  res.flushHeaders();
  record.ttfbMs = deps.now() - record.startedAt;
  const relayed = await relayStream(res, answer.first, answer.rest, false);
  res.end();
  record.usage = relayed.tap.usage;
  record.status = answer.status;
  if (res.destroyed && !res.writableFinished) record.outcome = 'client_cancel';
  else if (relayed.failure || relayed.tap.errorType) {
    record.outcome = 'upstream_error';
    record.errorType = relayed.tap.errorType ?? 'api_error';
  } else record.outcome = 'success';
  void target;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
