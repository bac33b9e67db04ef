import { LRUCache } from 'lru-cache';
import type { ApiKey } from '../../../shared/src/entities';
import { GatewayError } from '../../../shared/src/errors';
import type { Logger } from '../../../shared/src/log';
import { storeUnavailable } from '../../../shared/src/store/deadline';
import type { Store } from '../../../shared/src/store/port';
import { type ListenerState, LiveMap } from '../mirrors/live-map';
import { hashKey, hasValidChecksum } from './keys';

/**
 * Keys live in memory, kept fresh by a store listener: the hot path never reads the store for a key
 * the listener has delivered. A miss (a key created a moment ago on another instance) reads the store
 * once, and only for a secret whose checksum holds: random or mistyped keys are refused without a
 * store read. Keys without a checksum (minted before keys had one, or written in a seed file) are
 * served from memory alone, which holds every key the store holds once the listener has delivered it.
 * Unknown well-formed hashes are remembered briefly (bounded, 5 s) so a client retrying a bad key
 * (Claude Code retries 401s eleven times) cannot turn into a store read per request.
 */
export class KeyCache {
  private readonly keys: LiveMap<ApiKey>;
  private readonly misses = new LRUCache<string, true>({ max: 10_000, ttl: 5_000 });

  /**
   * `isReady`: whether the instance holds the first snapshot of everything it serves from memory.
   * Until then every key is refused with a 503: an instance that boots while the store is away must
   * not serve what it cannot authorise (a key revoked long ago, a workspace archived).
   */
  constructor(
    private readonly store: Store,
    log: Logger,
    private readonly isReady: () => boolean = () => true,
  ) {
    this.keys = new LiveMap(
      store.apiKeys,
      (k) => k.id,
      (k) => k,
      log,
      'api key',
    );
  }

  start(): Promise<void> {
    return this.keys.start();
  }

  close(): void {
    this.keys.close();
  }

  state(now?: number): ListenerState {
    return this.keys.state(now);
  }

  /** The active key for a secret, or a 401 saying what is wrong. */
  async authenticate(secret: string | undefined, now = Date.now()): Promise<ApiKey> {
    if (!secret) {
      throw new GatewayError(
        'authentication_error',
        'No API key: send your Gatehouse key as `Authorization: Bearer <key>`, `x-api-key` or `x-gatehouse-api-key`.',
      );
    }
    if (!this.isReady()) throw storeUnavailable('This Gatehouse instance is starting and has not loaded its keys from the store yet. Retry shortly.');
    const hash = hashKey(secret);
    let key = this.keys.get(hash);
    if (!key && !hasValidChecksum(secret)) {
      throw new GatewayError(
        'authentication_error',
        'Invalid API key: this is not a Gatehouse key (its checksum does not match). Check the key you configured.',
      );
    }
    if (!key && !this.misses.has(hash)) {
      key = await this.store.apiKeys.get(hash);
      if (key) this.keys.set(hash, key);
      else this.misses.set(hash, true);
    }
    if (!key) {
      throw new GatewayError('authentication_error', 'Invalid API key: this key is not known to Gatehouse. Check the key you configured.');
    }
    if (key.status !== 'active') {
      throw new GatewayError('authentication_error', `API key "${key.name}" has been revoked. Ask your Gatehouse admin for a new key.`);
    }
    if (key.expires_at && Date.parse(key.expires_at) <= now) {
      throw new GatewayError('authentication_error', `API key "${key.name}" expired at ${key.expires_at}. Ask your Gatehouse admin for a new key.`);
    }
    return key;
  }
}
