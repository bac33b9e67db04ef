import type { Logger } from '../../../shared/src/log';
import type { Collection } from '../../../shared/src/store/port';

/**
 * A store collection mirrored in memory by a listener (Firestore snapshot listeners in production),
 * so the request path reads a Map instead of the store. `derive` turns each document into what the
 * hot path needs (e.g. a parsed config) once per change, not once per request.
 */
export class LiveMap<T, V = T> {
  private map = new Map<string, V>();
  private stop: () => void = () => {};

  constructor(
    private readonly collection: Collection<T>,
    private readonly idOf: (doc: T) => string,
    private readonly derive: (doc: T) => V,
    private readonly log: Logger,
    private readonly what: string,
  ) {}

  /** Resolves once the first snapshot has arrived. */
  start(): Promise<void> {
    return new Promise((resolve) => {
      this.stop = this.collection.watch(
        (docs) => {
          const next = new Map<string, V>();
          for (const doc of docs) {
            try {
              next.set(this.idOf(doc), this.derive(doc));
            } catch (err) {
              this.log.error(`ignoring invalid ${this.what}`, { id: this.idOf(doc), err: (err as Error).message });
            }
          }
          this.map = next;
          resolve();
        },
        (err) => this.log.error(`${this.what} listener failed; serving the last snapshot`, { err: err.message }),
      );
    });
  }

  get(id: string): V | undefined {
    return this.map.get(id);
  }

  set(id: string, value: V): void {
    this.map.set(id, value);
  }

  values(): IterableIterator<V> {
    return this.map.values();
  }

  close(): void {
    this.stop();
  }
}
