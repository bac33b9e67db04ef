import { LRUCache } from 'lru-cache';
import type { Catalog } from '../../../shared/src/catalog';
import type { Provider } from '../../../shared/src/entities';
import type { TokenUsage } from '../../../shared/src/usage-event';
import type { InboundRequest } from '../providers/types';
import type { PlannedTarget } from '../routing/plan';
import type { SseEvent } from '../streaming/sse';
import { cacheKey, UNKEYED_BODY_FIELDS } from './key';
import type { CachedAnswer } from './response-cache';

/**
 * The simple cache's rules (docs/design.md §6.4), used by the executor once per target before it calls the
 * upstream:
 * - only `messages` requests of a target whose config has `cache` (inherited like Portkey: replaced
 *   whole by a child) are looked up; `mode: "semantic"` is served as exact match (an exact hit is
 *   also a semantic one; there is no embedding index);
 * - `max_age` is in seconds (Portkey's hosted docs), default 24 h; an entry older than the reader's
 *   `max_age` is not served, and it is dropped once older than the writer's;
 * - only complete 2xx answers are stored: a JSON Message, or a stream from `message_start` to
 *   `message_stop` with no `error` event that reached the client whole;
 * - `x-gatehouse-cache-force-refresh: true` (or `x-portkey-…`) skips the lookup and stores the new answer.
 */

export const CACHE_STATUS_HEADER = 'x-gatehouse-cache-status';

/**
 * Canonical keys by the bytes they were computed from. The request that can hit is a repeat, and a
 * repeat has the same bytes: it skips parsing and key-sorting its body (most of a hit's cost).
 */
const keysByBytes = new LRUCache<string, string>({ max: 10_000 });
export const DEFAULT_MAX_AGE_SECONDS = 24 * 60 * 60;

export interface CachePlan {
  key: string;
  maxAgeMs: number;
}

/** The key and age limit for one target's request, or undefined when the target does not cache it. */
export function cachePlanFor(target: PlannedTarget, provider: Provider, req: InboundRequest, catalog: Catalog, scope: string): CachePlan | undefined {
  if (!target.cache || req.op !== 'messages') return undefined;
  const model = req.model;
  const modelUpstream = catalog.providerModelId(provider.kind, model, provider.kind === 'bedrock' ? { profilePrefix: provider.profile_prefix } : {});
  const parts = {
    scope,
    family: provider.kind,
    modelUpstream,
    stream: req.stream,
    anthropicVersion: req.anthropicVersion,
    betas: catalog.filterBetas(provider.kind, req.betas),
  };
  const fingerprint = req.body.fingerprint(UNKEYED_BODY_FIELDS);
  const memo = fingerprint && `${fingerprint}:${JSON.stringify(parts)}`;
  let key = memo ? keysByBytes.get(memo) : undefined;
  if (!key) {
    key = cacheKey({ ...parts, body: req.body.json });
    if (memo) keysByBytes.set(memo, key);
  }
  return { key, maxAgeMs: (target.cache.max_age ?? DEFAULT_MAX_AGE_SECONDS) * 1000 };
}

/** `x-gatehouse-cache-force-refresh: true`, or Portkey's spelling, among the client's headers. */
export function forceRefresh(headers: Record<string, string>): boolean {
  const v = headers['x-gatehouse-cache-force-refresh'] ?? headers['x-portkey-cache-force-refresh'];
  return v?.trim().toLowerCase() === 'true';
}

/** A non-streaming answer worth storing: a whole Anthropic Message. */
export function jsonAnswer(status: number, text: string, parsed: unknown, usage: TokenUsage, modelUpstream: string): CachedAnswer | undefined {
  if (status < 200 || status >= 300 || (parsed as { type?: unknown } | undefined)?.type !== 'message') return undefined;
  return { kind: 'json', status, text, usage, modelUpstream };
}

/** A relayed stream worth storing: message_start … message_stop, no error. Pings are left out. */
export function streamAnswer(status: number, events: readonly SseEvent[], usage: TokenUsage, modelUpstream: string): CachedAnswer | undefined {
  if (status < 200 || status >= 300) return undefined;
  if (events[0]?.event !== 'message_start' || events[events.length - 1]?.event !== 'message_stop') return undefined;
  if (events.some((e) => e.event === 'error')) return undefined;
  return { kind: 'stream', status, events: events.filter((e) => e.event !== 'ping'), usage, modelUpstream };
}
