import { GatewayError } from '../errors';
import type { Logger } from '../log';
import type { Store } from './port';

/**
 * What the store has looked like to the calls made through {@link withDeadline}: one log line when an
 * outage starts and one when it ends, however many requests failed in between (a client such as Claude
 * Code retries a 503 eleven times; one error line per attempt would bury everything else).
 */
export class StoreOutage {
  /** When the first call of the current outage failed (epoch ms); undefined while calls succeed. */
  since?: number;
  /** Calls that failed in the current outage. */
  failures = 0;

  constructor(
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  failed(call: string, deadlineMs: number, err: unknown): void {
    this.failures++;
    if (this.since !== undefined) return;
    this.since = this.now();
    this.log.error('store unavailable: calls made while a client waits fail with 503 until it answers again', {
      call,
      deadlineMs,
      err: err instanceof Error ? err.message : String(err),
    });
  }

  succeeded(): void {
    if (this.since === undefined) return;
    this.log.warn('store available again', { outageMs: this.now() - this.since, failedCalls: this.failures });
    this.since = undefined;
    this.failures = 0;
  }
}

/**
 * gRPC UNAVAILABLE and DEADLINE_EXCEEDED (https://grpc.io/docs/guides/status-codes/): the Firestore
 * client's own verdict that the store cannot be reached, after its retries.
 */
const UNREACHABLE_CODES = new Set([14, 4]);

/** The 503 a client gets: Claude Code retries it with backoff, unlike a 529 (docs/claude-code.md §4). */
export function storeUnavailable(message: string, cause?: unknown): GatewayError {
  return new GatewayError('api_error', message, { status: 503, cause, reported: true });
}

export function isStoreUnavailable(err: unknown): boolean {
  return err instanceof GatewayError && err.status === 503;
}

/**
 * The store with a deadline on every call that returns a promise: past `deadlineMs`, or when the
 * adapter reports the store unreachable, the call rejects with a 503 `api_error` instead of leaving
 * its caller (and the client behind it) hanging. The wrapper is a Proxy over the store and every
 * object it holds (its collections), so store methods added later get the deadline by construction.
 * `watch` returns an unsubscribe function, not a promise, so listeners pass through untouched: they
 * are off the request path and recover on their own (gateway mirrors/live-map.ts). `close` is left as it is.
 *
 * A call that ran out of time is not cancelled: a write may still be applied when the store answers.
 */
export function withDeadline(store: Store, deadlineMs: number, outage: StoreOutage): Store {
  const wrap = <T extends object>(target: T, path: string): T =>
    new Proxy(target, {
      get(obj, prop, receiver) {
        const value: unknown = Reflect.get(obj, prop, receiver);
        if (typeof prop !== 'string' || prop === 'close') return value;
        const call = path ? `${path}.${prop}` : prop;
        if (typeof value === 'function') {
          return (...args: unknown[]) => {
            const result: unknown = value.apply(obj, args);
            return result instanceof Promise ? deadline(result, call, deadlineMs, outage) : result;
          };
        }
        return value !== null && typeof value === 'object' ? wrap(value, call) : value;
      },
    });
  return wrap(store, '');
}

function deadline<T>(promise: Promise<T>, call: string, ms: number, outage: StoreOutage): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const err = new Error(`no answer within ${ms} ms`);
      outage.failed(call, ms, err);
      reject(storeUnavailable(`Gatehouse cannot reach its store right now (no answer within ${ms} ms). This is temporary: retry shortly.`, err));
    }, ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        outage.succeeded();
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        const code = (err as { code?: unknown } | null)?.code;
        if (typeof code === 'number' && UNREACHABLE_CODES.has(code)) {
          outage.failed(call, ms, err);
          return reject(storeUnavailable('Gatehouse cannot reach its store right now. This is temporary: retry shortly.', err));
        }
        // Any other answer (a conflict, a bad id) means the store is there.
        outage.succeeded();
        reject(err);
      },
    );
  });
}
