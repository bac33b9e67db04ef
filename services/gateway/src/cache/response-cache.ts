import { LRUCache } from 'lru-cache';
import type { TokenUsage } from '../../../shared/src/usage-event';
import type { SseEvent } from '../streaming/sse';

/** A 2xx `messages` answer as recorded: the JSON text, or every SSE event from message_start to message_stop. */
export type CachedAnswer =
  | { kind: 'json'; status: number; text: string; usage: TokenUsage; modelUpstream: string }
  | { kind: 'stream'; status: number; events: SseEvent[]; usage: TokenUsage; modelUpstream: string };

/**
 * Where cached answers live. Async so that a shared, store-backed layer can sit behind the in-memory
 * one later without touching the executor; today there is only `MemoryResponseCache`.
 */
export interface ResponseCache {
  /** The answer stored under `key` if it is at most `maxAgeMs` old (the reader's `max_age`). */
  get(key: string, maxAgeMs: number): Promise<CachedAnswer | undefined>;
  /** Stores an answer; it expires `maxAgeMs` after now (the writer's `max_age`). */
  set(key: string, answer: CachedAnswer, maxAgeMs: number): Promise<void>;
  clear(): void;
}

interface Entry {
  answer: CachedAnswer;
  storedAt: number;
  expiresAt: number;
}

export interface MemoryCacheOptions {
  /** Total size bound, in bytes of answer text (approximate: UTF-16 code units of the JSON). Default 64 MiB. */
  maxBytes?: number;
  /** Answers bigger than this are not cached. Default: 8 MiB or a quarter of `maxBytes`, whichever is smaller. */
  maxEntryBytes?: number;
  /** Epoch-ms clock; injected by tests. */
  now?: () => number;
}

export const DEFAULT_CACHE_MAX_BYTES = 64 * 1024 * 1024;

/** Per-event overhead counted on top of the text (object, strings' headers). */
const EVENT_OVERHEAD = 64;

export function answerSize(a: CachedAnswer): number {
  if (a.kind === 'json') return a.text.length + EVENT_OVERHEAD;
  let n = EVENT_OVERHEAD;
  for (const e of a.events) n += e.event.length + e.data.length + EVENT_OVERHEAD;
  return n;
}

/**
 * One gateway instance's cache: an LRU bounded by bytes (lru-cache evicts the least recently used
 * answers when a new one does not fit). Per instance, so each Cloud Run instance warms its own; the
 * store holds no answers (nothing in the Store port), which keeps request data out of Firestore.
 */
export class MemoryResponseCache implements ResponseCache {
  private readonly lru: LRUCache<string, Entry>;
  private readonly now: () => number;

  constructor(opts: MemoryCacheOptions = {}) {
    const maxBytes = opts.maxBytes ?? DEFAULT_CACHE_MAX_BYTES;
    this.now = opts.now ?? Date.now;
    this.lru = new LRUCache<string, Entry>({
      maxSize: maxBytes,
      maxEntrySize: opts.maxEntryBytes ?? Math.min(8 * 1024 * 1024, Math.floor(maxBytes / 4)),
      sizeCalculation: (e) => answerSize(e.answer),
    });
  }

  async get(key: string, maxAgeMs: number): Promise<CachedAnswer | undefined> {
    const entry = this.lru.get(key);
    if (!entry) return undefined;
    const now = this.now();
    if (now >= entry.expiresAt) {
      this.lru.delete(key);
      return undefined;
    }
    return now - entry.storedAt <= maxAgeMs ? entry.answer : undefined;
  }

  async set(key: string, answer: CachedAnswer, maxAgeMs: number): Promise<void> {
    const now = this.now();
    this.lru.set(key, { answer, storedAt: now, expiresAt: now + maxAgeMs });
  }

  clear(): void {
    this.lru.clear();
  }

  get size(): number {
    return this.lru.size;
  }

  get bytes(): number {
    return this.lru.calculatedSize;
  }
}
