import type { CacheStatus } from '../../../shared/src/usage-event';
import type { CachePlan } from './cache-plan';
import type { CachedAnswer, ResponseCache } from './response-cache';

export interface CachedAttempt<R> {
  cache: ResponseCache;
  /** The target's cache key and age limit, or undefined when it does not cache this request. */
  plan: CachePlan | undefined;
  /** `x-gatehouse-cache-force-refresh: true`: no lookup, the new answer is stored. */
  refresh: boolean;
  /** Serves a hit to the client. */
  serveHit(hit: CachedAnswer): Promise<R>;
  /** Calls the upstream; the answer's `kept` copy, when whole and successful, is stored. */
  attempt(cacheStatus: CacheStatus): Promise<R & { kept?: CachedAnswer }>;
  onWriteError(err: Error): void;
}

/**
 * The simple cache around one target's attempt (docs/design.md §6.4): a hit answers without calling
 * the upstream; otherwise the attempt runs, told the cache status its headers report, and a whole
 * answer it kept is stored. A cache that fails (a future shared layer) is a miss, never a failed request.
 */
export async function cachedAttempt<R>({ cache, plan, refresh, serveHit, attempt, onWriteError }: CachedAttempt<R>): Promise<R> {
  if (!plan) return attempt('DISABLED');
  if (!refresh) {
    const hit = await cache.get(plan.key, plan.maxAgeMs).catch(() => undefined);
    if (hit) return serveHit(hit);
  }
  const result = await attempt(refresh ? 'REFRESH' : 'MISS');
  if (result.kept) void cache.set(plan.key, result.kept, plan.maxAgeMs).catch(onWriteError);
  return result;
}
