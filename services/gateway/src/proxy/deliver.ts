import type { ServerResponse } from 'node:http';
import { isGeographicBedrock, isRegionalVertex } from '../../../shared/src/catalog';
import type { Provider } from '../../../shared/src/entities';
import { parseJson } from '../../../shared/src/json';
import type { CacheStatus } from '../../../shared/src/usage-event';
import type { CachedAnswer } from '../cache/response-cache';
import { CACHE_STATUS_HEADER, jsonAnswer, streamAnswer } from '../cache/simple-cache';
import type { GatewayDeps } from '../deps';
import { formatSse } from '../streaming/sse';
import { usageFromMessage } from '../streaming/usage-tap';
import type { RequestRecord } from '../usage/record';
import type { CallContext } from './execute';
import { invocationMetricsMismatch } from '../providers/bedrock/invocation-metrics';
import { relayStream } from './relay';
import type { UpstreamAnswer } from './upstream';

/** What the answer's headers and usage event say about how it was obtained. */
export interface Served {
  provider: Provider;
  /** Upstream calls made before the one that answered (all of them, for a cache hit). */
  retries: number;
  cacheStatus: CacheStatus;
}

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

/** The content headers of an answer, upstream or cached. */
const JSON_HEADERS = { 'content-type': 'application/json' };
const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };

function describeProvider(record: RequestRecord, served: Served, modelUpstream: string): void {
  const { provider } = served;
  record.provider = provider.slug;
  record.providerKind = provider.kind;
  record.regionalPremium =
    provider.kind === 'vertex' ? isRegionalVertex(provider.region) : provider.kind === 'bedrock' && isGeographicBedrock(modelUpstream);
  if (provider.pricing) record.pricing = provider.pricing;
  record.modelUpstream = modelUpstream;
  if (served.cacheStatus !== 'DISABLED') record.cacheStatus = served.cacheStatus;
}

/** A cache hit: no upstream call; the usage it would have cost is recorded as saved (RequestRecord). */
export function serveHit(deps: GatewayDeps, record: RequestRecord, served: Served, hit: CachedAnswer, res: ServerResponse): void {
  describeProvider(record, served, hit.modelUpstream);
  record.usage = hit.usage;
  record.ttfbMs = deps.now() - record.startedAt;
  const headers = servedHeaders(served);
  if (hit.kind === 'json') {
    res.writeHead(hit.status, { ...headers, ...JSON_HEADERS });
    res.end(hit.text);
  } else {
    // The recorded events in order, as the upstream sent them.
    res.writeHead(hit.status, { ...headers, ...SSE_HEADERS });
    res.end(hit.events.map((e) => formatSse(e.event, e.data)).join(''));
  }
  record.status = hit.status;
  record.outcome = 'success';
}

/**
 * Writes an upstream's answer to the client — a JSON body at once, a stream as it arrives — and
 * records its usage and outcome; `store` keeps a complete, successful answer in the response cache.
 */
export async function deliver(
  deps: GatewayDeps,
  ctx: Pick<CallContext, 'inbound' | 'record' | 'clientSignal'>,
  served: Served,
  answer: UpstreamAnswer,
  store: ((a: CachedAnswer) => void) | undefined,
  res: ServerResponse,
): Promise<void> {
  const { record } = ctx;
  describeProvider(record, served, answer.up.modelUpstream);
  const headers = servedHeaders(served);
  if (answer.kind === 'json') {
    res.writeHead(answer.status, { ...headers, ...JSON_HEADERS });
    record.ttfbMs = deps.now() - record.startedAt;
    res.end(answer.text);
    if (ctx.inbound.op === 'messages') {
      const parsed = parseJson(answer.text);
      record.usage = usageFromMessage(parsed);
      const cached = store && jsonAnswer(answer.status, answer.text, parsed, record.usage, answer.up.modelUpstream);
      if (store && cached) store(cached);
    }
    record.status = answer.status;
    record.outcome = 'success';
    return;
  }
  res.writeHead(answer.status, { ...headers, ...SSE_HEADERS });
  record.ttfbMs = deps.now() - record.startedAt;
  const relayed = await relayStream(res, answer.first, answer.rest, store !== undefined);
  record.usage = relayed.tap.usage;
  record.status = answer.status;
  const metrics = relayed.tap.bedrockMetrics;
  const mismatch = metrics && invocationMetricsMismatch(metrics, record.usage);
  if (mismatch) deps.log.warn('Bedrock invocation metrics disagree with the streamed usage', { requestId: record.requestId, ...mismatch });
  if (ctx.clientSignal.aborted) {
    record.outcome = 'client_cancel';
    // The provider billed what it generated; the client saw up to its last cumulative count plus what
    // was relayed after it, which is estimated (README, usage events).
    record.outputEstimated = relayed.tap.outputSinceLastCount();
    record.usage = { ...record.usage, output: record.usage.output + record.outputEstimated };
  } else if (relayed.failure || relayed.tap.errorType) {
    record.outcome = 'upstream_error';
    record.errorType = relayed.tap.errorType ?? 'api_error';
  } else {
    record.outcome = 'success';
    const cached = store && relayed.events && streamAnswer(answer.status, relayed.events, record.usage, answer.up.modelUpstream);
    if (store && cached) store(cached);
  }
}
