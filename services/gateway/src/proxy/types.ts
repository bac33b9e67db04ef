import type { Provider } from '../../../shared/src/entities';
import type { GatewayError } from '../../../shared/src/errors';
import type { CacheStatus } from '../../../shared/src/usage-event';
import type { CachedAnswer } from '../cache/response-cache';
import type { CompiledGuardrail } from '../guardrails/compile';
import type { InboundRequest, UpstreamRequest } from '../providers/types';
import type { SseBatch } from '../streaming/sse';
import type { RequestRecord } from '../usage/record';
import type { AbortEmitter } from './abort';

/** One request as the attempt loop serves it. */
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
  /** Output guardrails to run on the answer (usually none). */
  outputGuards: readonly CompiledGuardrail[];
}

/** What the answer's headers and usage event say about how it was obtained. */
export interface Served {
  provider: Provider;
  /** Upstream calls made before the one that answered (all of them, for a cache hit). */
  retries: number;
  cacheStatus: CacheStatus;
}

/** A 2xx answer, held before anything reaches the client so that failover is still possible. */
export type UpstreamAnswer =
  | { kind: 'json'; status: number; text: string; up: UpstreamRequest }
  | { kind: 'stream'; status: number; first: SseBatch; rest: AsyncIterator<SseBatch>; up: UpstreamRequest };

/** What became of one planned target. */
export type TargetResult =
  /** The client has (or is getting) an answer; `kept` is a whole answer the response cache may store. */
  | { kind: 'answered'; kept?: CachedAnswer }
  /** The client went away. */
  | { kind: 'cancelled' }
  /**
   * The target gave up: `error` is its last failure, `skipped` when its breaker was open, `served`
   * says which provider the failure came from when one was called.
   */
  | { kind: 'failed'; error: GatewayError; skipped: boolean; served?: Served };
