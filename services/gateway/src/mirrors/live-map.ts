import type { Logger } from '../../../shared/src/log';
import type { Collection } from '../../../shared/src/store/port';

/** A listener as the readiness view reports it. */
export interface ListenerState {
  /** Listening (not waiting to listen again after an error) and holding a snapshot. */
  connected: boolean;
  /**
   * Seconds since the last snapshot, which arrives when something changed: a long age is normal for
   * a quiet collection, and says nothing about whether the listener is still live.
   */
  last_snapshot_age_s: number | null;
}

/**
 * A store collection mirrored in memory by a listener (Firestore snapshot listeners in production),
 * so the request path reads a Map instead of the store. `derive` turns each document into what the
 * hot path needs (e.g. a parsed config) once per change, not once per request.
 */
export class LiveMap<T, V = T> {
  private map = new Map<string, V>();
  private stop: () => void = () => {};
  private snapshotAt?: number;
  private listening = false;
  /** Moves on with every snapshot, so an index built from values() knows when it is stale. */
  generation = 0;

  constructor(
    private readonly collection: Collection<T>,
    private readonly idOf: (doc: T) => string,
    private readonly derive: (doc: T) => V,
    private readonly log: Logger,
    private readonly what: string,
  ) {}

  /**
   * Resolves once the first snapshot has arrived; rejects when the listener fails before that (the
   * instance cannot serve without it). A listener that fails later is re-opened with backoff while the
   * last snapshot keeps serving: a Firestore listener error is final, and an instance that stopped
   * listening would never see a revoked key.
   */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      let started = false;
      let retryMs = 1000;
      const listen = () => {
        this.listening = true;
        this.stop = this.collection.watch(
          (docs) => {
            this.map = this.derived(docs);
            this.snapshotAt = Date.now();
            this.generation++;
            retryMs = 1000;
            started = true;
            resolve();
          },
          (err) => {
            if (!started) return reject(new Error(`${this.what} listener failed before its first snapshot: ${err.message}`));
            this.log.error(`${this.what} listener failed; serving the last snapshot and listening again`, { err: err.message, retryMs });
            this.stop();
            this.listening = false;
            const timer = setTimeout(listen, retryMs);
            timer.unref();
            this.stop = () => clearTimeout(timer);
            retryMs = Math.min(retryMs * 2, 60_000);
          },
        );
      };
      listen();
    });
  }

  private derived(docs: T[]): Map<string, V> {
    const next = new Map<string, V>();
    for (const doc of docs) {
      try {
        next.set(this.idOf(doc), this.derive(doc));
      } catch (err) {
        this.log.error(`ignoring invalid ${this.what}`, { id: this.idOf(doc), err: (err as Error).message });
      }
    }
    return next;
  }

  state(now = Date.now()): ListenerState {
    if (this.snapshotAt === undefined) return { connected: false, last_snapshot_age_s: null };
    return { connected: this.listening, last_snapshot_age_s: Math.round((now - this.snapshotAt) / 100) / 10 };
  }

  get(id: string): V | undefined {
    return this.map.get(id);
  }

  values(): IterableIterator<V> {
    return this.map.values();
  }

  set(id: string, value: V): void {
    this.map.set(id, value);
  }

  close(): void {
    this.stop();
  }
}
