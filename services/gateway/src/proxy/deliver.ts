import type { ServerResponse } from 'node:http';
import { isGeographicBedrock, isRegionalVertex } from '../../../shared/src/catalog';
import { parseJson } from '../../../shared/src/json';
import { CACHE_STATUS_HEADER, jsonAnswer, streamAnswer } from '../cache/cache-plan';
import type { CachedAnswer } from '../cache/response-cache';
import type { GatewayDeps } from '../deps';
import { invocationMetricsMismatch } from '../providers/bedrock/invocation-metrics';
import { formatSse, type SseBatch } from '../streaming/sse';
import { modelArmorGuard } from '../guardrails/model-armor-guard';
import { guardAnswer, guardStream } from '../guardrails/output-guard';
import { answerSites } from '../guardrails/text-sites';
import { relayStream } from '../streaming/relay';
import type { RequestRecord } from '../usage/record';
import { usageFromMessage } from '../usage/usage-tap';
import type { UpstreamRequest } from '../providers/types';
import type { CallContext, Served, UpstreamAnswer } from './types';

/**
 * The headers saying which provider answered, after how many retries, from the cache or not; the
 * request and trace ids are already set on the response (http/messages.ts).
 */
export function servedHeaders(served: Served): Record<string, string> {
  return {
    'x-gatehouse-provider': `@${served.provider.slug}`,
    'x-gatehouse-retry-count': String(served.retries),
    [CACHE_STATUS_HEADER]: served.cacheStatus,
  };
}

/** `first` then the rest, as one iterator (what the output guard reads). */
function prepend(first: SseBatch, rest: AsyncIterator<SseBatch>): AsyncIterator<SseBatch> {
  let given = false;
  return {
    next: () => (given ? rest.next() : ((given = true), Promise.resolve({ done: false as const, value: first }))),
    return: (v?: unknown) => rest.return?.(v) ?? Promise.resolve({ done: true as const, value: undefined }),
  };
}

/** The content headers of an answer, upstream or cached. */
const JSON_HEADERS = { 'content-type': 'application/json' };
const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };

function describeProvider(record: RequestRecord, served: Served, modelUpstream: string): void {
  const { provider } = served;
  record.provider = provider.slug;
  record.providerKind = provider.kind;
  record.regionalPremium = provider.kind === 'vertex' ? isRegionalVertex(provider.region) : provider.kind === 'bedrock' && isGeographicBedrock(modelUpstream);
  if (provider.pricing) record.pricing = provider.pricing;
  record.modelUpstream = modelUpstream;
  if (served.cacheStatus !== 'DISABLED') record.cacheStatus = served.cacheStatus;
}

/** What delivering an answer, upstream or cached, needs. */
type DeliverDeps = Pick<GatewayDeps, 'now' | 'log' | 'env' | 'modelArmor'>;
type DeliverContext = Pick<CallContext, 'inbound' | 'record' | 'clientSignal' | 'outputGuards'>;

const ENDED: AsyncIterator<SseBatch> = { next: () => Promise.resolve({ done: true, value: undefined }) };

/**
 * A cache hit: no upstream call; the usage it would have cost is recorded as saved (RequestRecord).
 * The request's output guardrails check it as they would an upstream answer: the answer may have been
 * stored under a config with other guardrails, or none.
 */
export async function serveHit(deps: DeliverDeps, ctx: DeliverContext, served: Served, hit: CachedAnswer, res: ServerResponse): Promise<void> {
  if (ctx.outputGuards.length > 0) {
    const up = { modelUpstream: hit.modelUpstream };
    const answer: Deliverable =
      hit.kind === 'json'
        ? { kind: 'json', status: hit.status, text: hit.text, up }
        : { kind: 'stream', status: hit.status, first: { events: hit.events }, rest: ENDED, up };
    await deliver(deps, ctx, served, answer, false, res);
    return;
  }
  const { now } = deps;
  const { record } = ctx;
  describeProvider(record, served, hit.modelUpstream);
  record.usage = hit.usage;
  record.ttfbMs = now() - record.startedAt;
  const headers = servedHeaders(served);
  if (hit.kind === 'json') {
    res.writeHead(hit.status, { ...headers, ...JSON_HEADERS });
    res.end(hit.text);
  } else {
    // The recorded events in order, as the upstream sent them.
    res.writeHead(hit.status, { ...headers, ...SSE_HEADERS });
    res.end(hit.events.map((e) => formatSse(e.event, e.data)).join(''));
  }
  record.answered(hit.status);
}

/** What `deliver` reads of an answer: an upstream's, or a cached one. */
type Deliverable =
  | (Omit<Extract<UpstreamAnswer, { kind: 'json' }>, 'up'> & { up: Pick<UpstreamRequest, 'modelUpstream'> })
  | (Omit<Extract<UpstreamAnswer, { kind: 'stream' }>, 'up'> & { up: Pick<UpstreamRequest, 'modelUpstream'> });

/**
 * Writes an upstream's answer to the client — a JSON body at once, a stream as it arrives — and
 * records its usage and what happened. With `keep`, returns the answer when it is whole and
 * successful, for the response cache (docs/design.md §6.4).
 */
export async function deliver(
  deps: DeliverDeps,
  ctx: DeliverContext,
  served: Served,
  answer: Deliverable,
  keep: boolean,
  res: ServerResponse,
): Promise<CachedAnswer | undefined> {
  const { record } = ctx;
  describeProvider(record, served, answer.up.modelUpstream);
  const headers = servedHeaders(served);
  record.answered(answer.status);
  const guarded = ctx.outputGuards.length > 0 && ctx.inbound.op === 'messages';
  if (answer.kind === 'json') {
    let text = answer.text;
    let parsed: unknown;
    if (guarded) {
      // Before the status line: a denied answer is a 400 the client gets instead (its tokens are billed).
      parsed = parseJson(text);
      record.usage = usageFromMessage(parsed);
      const checked = guardAnswer(ctx.outputGuards, text, deps.env.GATEHOUSE_REDACTION_KEY);
      record.guardrails.push(...checked.verdicts);
      const armored = checked.denied
        ? undefined
        : await modelArmorGuard(ctx.outputGuards, 'output', () => answerSites(parseJson(checked.text)), deps.modelArmor);
      record.guardrails.push(...(armored?.verdicts ?? []));
      const denied = checked.denied ?? armored?.denied;
      if (denied) {
        for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
        throw denied;
      }
      if (checked.text !== text) [text, parsed] = [checked.text, undefined];
    }
    res.writeHead(answer.status, { ...headers, ...JSON_HEADERS });
    record.ttfbMs = deps.now() - record.startedAt;
    res.end(text);
    // Parsed after the answer is sent, so the client does not wait for it.
    if (ctx.inbound.op !== 'messages') return undefined;
    parsed ??= parseJson(text);
    record.usage = usageFromMessage(parsed);
    return keep ? jsonAnswer(answer.status, text, parsed, record.usage, answer.up.modelUpstream) : undefined;
  }
  let { first, rest } = answer;
  if (guarded) {
    const stream = guardStream(prepend(first, rest), ctx.outputGuards, deps.env.GATEHOUSE_REDACTION_KEY, record.guardrails, deps.modelArmor);
    const head = await stream.next();
    first = head.done ? { events: [] } : head.value;
    rest = stream;
  }
  res.writeHead(answer.status, { ...headers, ...SSE_HEADERS });
  record.ttfbMs = deps.now() - record.startedAt;
  const relayed = await relayStream(res, first, rest, keep);
  record.usage = relayed.tap.usage;
  const metrics = relayed.tap.bedrockMetrics;
  const mismatch = metrics && invocationMetricsMismatch(metrics, record.usage);
  if (mismatch) deps.log.warn('Bedrock invocation metrics disagree with the streamed usage', { requestId: record.requestId, ...mismatch });
  if (ctx.clientSignal.aborted) {
    record.clientLeft();
    // The provider billed what it generated; the client saw up to its last cumulative count plus what
    // was relayed after it, which is estimated (README, usage events).
    record.outputEstimated = relayed.tap.outputSinceLastCount();
    record.usage = { ...record.usage, output: record.usage.output + record.outputEstimated };
    return undefined;
  }
  if (relayed.failure || relayed.tap.errorType) {
    record.streamFailed(relayed.tap.errorType ?? 'api_error');
    return undefined;
  }
  return relayed.events && streamAnswer(answer.status, relayed.events, record.usage, answer.up.modelUpstream);
}
