import { createHash } from 'node:crypto';
import { FieldPath, FieldValue, Firestore, Timestamp, type CollectionReference, type DocumentData, type Query } from '@google-cloud/firestore';
import type { BudgetAlertRecord } from '../budget/alert';
import type { BudgetStatus } from '../budget/entity';
import { GatewayError } from '../errors';
import type { RequestLog } from '../request-log';
import { grantLease, leaseDocId } from '../rate-limit/entity';
import type { UsageEvent } from '../usage-event';
import {
  addDelta,
  type CountedEvent,
  emptyCounters,
  type CounterCollection,
  type CounterDoc,
  type CounterQuery,
  mergeInto,
  totalsDeltas,
  usageTotalsOf,
} from './counters';
import { COLLECTIONS, COMPOSITE_INDEXES, type CompositeIndex, LOG_PART_COLLECTIONS, TTL_POLICIES } from './indexes';
import { type LogSearch, matchesSearch, metadataPairs } from './log-search';
import { DEDUP_TTL_MS } from './port';
import { rollupBucketEnd } from './rollups';
import { type Collection, type Store, totalsId } from './port';

export interface FirestoreStoreOptions {
  projectId: string;
  /** Prepended to every collection name, so several deployments (or tests) can share a database. */
  prefix?: string;
  /**
   * A client to use instead of creating one. The store does not terminate a client it was given:
   * whoever created it closes it.
   */
  firestore?: Firestore;
  /** How long the dedup marker of an applied event is kept (TTL policy on `expires_at`). */
  dedupTtlMs?: number;
  /** Documents each counter is spread over (see COUNTER_SHARDS). */
  shards?: number;
}

/**
 * Each counter is spread over this many documents, and each applyCounted call writes one of them,
 * picked at random: with several workers group-committing, a hot counter still takes only about
 * (commits per second) / shards writes per second per document. Reads sum the shards.
 */
export const COUNTER_SHARDS = 8;

/**
 * Writes per transaction the adapter stays under: markers plus counters. Firestore's documented
 * limit for a commit was 500 writes; a batch over it is split (each part still atomic per event).
 */
const MAX_WRITES = 450;
/** Writes per batch of request logs (writeLogs): about 40 logs with their partitions' entries and links. */
const LOG_WRITES_PER_BATCH = 150;
/** Partitions of request logs a search reads at once, at most (it starts with one and doubles). */
const PARTS_AT_ONCE = 4;
/** A search over at most this many partitions (31 days) reads their entries by id; a longer one queries them. */
const PARTS_BY_ID = 124;
/**
 * A rollup of an hour or day that ended this long ago takes no more commits on its shards: a commit
 * adds into the bucket's `sealed` document instead (events that late are rare: a worker outage
 * replayed)…
 */
const LATE_AFTER_MS = 3_600_000;
/**
 * …and a read folds the shards of a bucket that ended this long ago into that document, once (twice
 * LATE_AFTER_MS: a commit in flight when its bucket turned late has long landed). From then on the
 * bucket is one document to read instead of COUNTER_SHARDS: analytics over past days read 8 times
 * fewer (test/bench/logs.ts).
 */
const SEAL_AFTER_MS = 2 * LATE_AFTER_MS;
const SEALED = 'sealed';
/** Buckets sealed at once by one read, at most (each is a transaction). */
const SEALS_AT_ONCE = 16;
/** A commit that met an existing marker is retried without the events already applied. */
const COMMIT_ATTEMPTS = 5;

/** A window's lease document outlives the window by this much, then the TTL policy deletes it. */
const LEASE_TTL_AFTER_WINDOW_MS = 3_600_000;
/** Attempts of one lease transaction before its error surfaces (the client's default is 5). */
const LEASE_TRANSACTION_ATTEMPTS = 10;

/** gRPC status codes the adapter maps (https://grpc.io/docs/guides/status-codes/). */
const ALREADY_EXISTS = 6;

/**
 * The Firestore Store. Documents are the entities as plain JSON (undefined fields dropped), one
 * collection per entity, `${prefix}` + the ids in COLLECTIONS (each counter as COUNTER_SHARDS
 * documents `<id>#<shard>`); TTL fields and composite indexes are declared in indexes.ts, where
 * infra/firestore.tf finds them.
 */
export function createFirestoreStore(opts: FirestoreStoreOptions): Store {
  const owned = !opts.firestore;
  const db = opts.firestore ?? new Firestore({ projectId: opts.projectId, ignoreUndefinedProperties: true });
  const prefix = opts.prefix ?? '';
  const ttl = opts.dedupTtlMs ?? DEDUP_TTL_MS;
  const shards = opts.shards ?? COUNTER_SHARDS;
  const processed = db.collection(prefix + COLLECTIONS.processedEvents);
  const counterCol = (c: CounterCollection) => db.collection(`${prefix}${c}`);
  const budgetStatus = firestoreCollection<BudgetStatus>(db.collection(prefix + COLLECTIONS.budgetStatus));
  const logParts = db.collection(prefix + COLLECTIONS.requestLogParts);
  const logLinks = db.collection(prefix + COLLECTIONS.requestLogLinks);
  const partLogs = (part: string) => logParts.doc(part).collection(prefix + logPartCollection(part));
  const planLogs = logWriter(prefix);
  const alerts = db.collection(prefix + COLLECTIONS.budgetAlerts);

  /** Shards are taken in turn (from a random one), so one worker's commits spread evenly over them. */
  let nextShard = Math.floor(Math.random() * shards);

  /**
   * One atomic batched write, without a transaction: each event's marker is created with the
   * precondition that it does not exist, so the batch commits whole (markers and counter
   * increments) or not at all. The common case is one round trip, no reads and no locks, so several
   * commits run at once without contending. A marker that exists (a redelivery, or the same event
   * committed by another worker meanwhile, or this commit retried by the client after it landed)
   * fails the whole batch with ALREADY_EXISTS; the markers are then read and the batch is written
   * again without the events already applied (a marker created between that read and the new commit
   * fails it again, and it is read again).
   */
  async function commit(events: CountedEvent[], skip: ReadonlySet<string>): Promise<Set<string>> {
    const shard = String(nextShard);
    nextShard = (nextShard + 1) % shards;
    const batch = db.batch();
    const applied = new Set<string>();
    const sums = emptyCounters();
    const now = Date.now();
    for (const e of events) {
      if (skip.has(e.event_id) || applied.has(e.event_id)) continue;
      applied.add(e.event_id);
      batch.create(processed.doc(docId(e.event_id)), markerDoc(e.event_id, now, ttl));
      for (const d of e.deltas) addDelta(sums[d.collection], d);
    }
    if (applied.size === 0) return applied;
    // Blind increments: counters are not read, so concurrent commits do not contend on them.
    for (const [collection, docs] of Object.entries(sums) as Array<[CounterCollection, Map<string, CounterDoc>]>)
      for (const doc of docs.values()) {
        const s = collection === 'usage_rollups' && rollupBucketEnd(doc.id) + LATE_AFTER_MS < now ? SEALED : shard;
        batch.set(counterCol(collection).doc(counterShardId(doc.id, s)), counterShardWrite(doc, s), { merge: true });
      }
    await batch.commit();
    return applied;
  }

  async function commitWithRetry(events: CountedEvent[]): Promise<Set<string>> {
    let skip = new Set<string>();
    for (let attempt = 1; ; attempt++) {
      try {
        return await commit(events, skip);
      } catch (err) {
        if (grpcCode(err) !== ALREADY_EXISTS || attempt >= COMMIT_ATTEMPTS) throw err;
        const snaps = await db.getAll(...events.map((e) => processed.doc(docId(e.event_id))));
        skip = new Set(events.filter((_, i) => snaps[i].exists).map((e) => e.event_id));
      }
    }
  }

  /**
   * The events' request logs (logWriter), beside their commit rather than in it: the logs are most of
   * a batch's bytes and of the server's work (every field indexed), and a log is keyed by its request
   * id, so writing it again (a redelivery, whose earlier log write may have failed after its commit
   * succeeded) is harmless. In parallel batches, which the server applies side by side.
   */
  async function writeLogs(events: CountedEvent[]): Promise<void> {
    const plan = planLogs(events.flatMap((e) => (e.log ? [e.log] : [])));
    const all = plan.writes;
    const parts = Array.from({ length: Math.ceil(all.length / LOG_WRITES_PER_BATCH) }, (_, i) =>
      all.slice(i * LOG_WRITES_PER_BATCH, (i + 1) * LOG_WRITES_PER_BATCH),
    );
    await Promise.all(
      parts.map((part) => {
        const batch = db.batch();
        for (const w of part) batch.set(db.doc(w.path), w.data, { merge: w.merge });
        return batch.commit();
      }),
    );
    plan.done();
  }

  /** The partitions in [from, to] that have logs, newest first. */
  async function partsWithLogs(from: string, to: string): Promise<string[]> {
    const parts: string[] = [];
    for (let t = partStart(logPart(to)); t >= partStart(logPart(from)) && parts.length <= PARTS_BY_ID; t -= PART_MS) parts.push(partOf(t));
    if (parts.length <= PARTS_BY_ID) {
      const snaps = await db.getAll(...parts.map((p) => logParts.doc(p)));
      return parts.filter((_, i) => snaps[i].exists);
    }
    const snap = await compositeQuery(logParts, LOG_PARTS, {}, { from: logPart(from), to: logPart(to) }).get();
    return snap.docs.map((d) => d.id);
  }

  /** Up to `limit` logs matching `q` among `names` (document ids, newest first, with their partitions). */
  async function logsByName(q: LogSearch, names: Array<[string, string]>): Promise<RequestLog[]> {
    const found: RequestLog[] = [];
    for (let i = 0; i < names.length && found.length < q.limit; i += q.limit) {
      const snaps = await db.getAll(...names.slice(i, i + q.limit).map(([name, part]) => partLogs(part).doc(name)));
      for (const log of snaps.flatMap((s) => (s.exists ? [fromLogDoc(s.data()!)] : []))) if (matchesSearch(log, q)) found.push(log);
    }
    return found.slice(0, q.limit);
  }

  /** The rollups being sealed, and the seals in flight (close() waits for them). */
  const sealing = new Set<string>();
  const seals = new Set<Promise<void>>();
  const shardRefs = (collection: CounterCollection, id: string) =>
    Array.from({ length: shards }, (_, i) => counterCol(collection).doc(counterShardId(id, String(i))));

  /**
   * Each counter summed: a sealed rollup (SEAL_AFTER_MS) is its one document; the others are their
   * shards, plus for a late bucket its `sealed` document (late commits), in two getAlls. Late buckets
   * found unsealed are sealed after the read, for the next one.
   */
  async function counters(collection: CounterCollection, ids: readonly string[]): Promise<CounterDoc[]> {
    const unique = [...new Set(ids)];
    if (!unique.length) return [];
    const now = Date.now();
    const late = collection === 'usage_rollups' ? unique.filter((id) => rollupBucketEnd(id) + LATE_AFTER_MS < now) : [];
    const lateSnaps = late.length ? await db.getAll(...late.map((id) => counterCol(collection).doc(counterShardId(id, SEALED)))) : [];
    const sealed = new Set(late.filter((_, i) => lateSnaps[i].get(SEALED) === true));
    const open = unique.filter((id) => !sealed.has(id));
    const snaps = open.length ? await db.getAll(...open.flatMap((id) => shardRefs(collection, id))) : [];
    const docs = [...lateSnaps, ...snaps].filter((s) => s.exists).map((s) => s.data()!);
    const seen = new Set(docs.map((d) => d.id as string));
    const toSeal = late.filter((id) => !sealed.has(id) && seen.has(id) && !sealing.has(id) && rollupBucketEnd(id) + SEAL_AFTER_MS < now);
    if (toSeal.length) {
      for (const id of toSeal) sealing.add(id);
      // Not awaited: the answer does not wait for it, and a seal that fails is tried again by a later read.
      const done: Promise<void> = seal(collection, toSeal)
        .catch(() => {})
        .finally(() => {
          for (const id of toSeal) sealing.delete(id);
          seals.delete(done);
        });
      seals.add(done);
    }
    return sumShards(docs);
  }

  /**
   * Folds each counter's shards into its `sealed` document (adding to the late commits it holds), in
   * a transaction that reads them all: a late commit meanwhile makes it run again, and a counter
   * sealed by another reader is left as it is.
   */
  async function seal(collection: CounterCollection, ids: string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += SEALS_AT_ONCE) {
      await Promise.all(
        ids.slice(i, i + SEALS_AT_ONCE).map((id) =>
          db.runTransaction(async (tx) => {
            const ref = counterCol(collection).doc(counterShardId(id, SEALED));
            const [doc, ...parts] = await tx.getAll(ref, ...shardRefs(collection, id));
            if (doc.get(SEALED) === true) return;
            const [sum] = sumShards(parts.filter((s) => s.exists).map((s) => s.data()!));
            tx.set(ref, { ...(sum ? counterShardWrite(sum, SEALED) : { id, shard: SEALED }), [SEALED]: true }, { merge: true });
          }),
        ),
      );
    }
  }

  async function counter(collection: CounterCollection, id: string): Promise<CounterDoc | undefined> {
    return (await counters(collection, [id]))[0];
  }

  return {
    workspaces: firestoreCollection(db.collection(prefix + COLLECTIONS.workspaces)),
    apiKeys: firestoreCollection(db.collection(prefix + COLLECTIONS.apiKeys)),
    providers: firestoreCollection(db.collection(prefix + COLLECTIONS.providers)),
    configs: firestoreCollection(db.collection(prefix + COLLECTIONS.configs)),
    guardrails: firestoreCollection(db.collection(prefix + COLLECTIONS.guardrails)),
    audit: firestoreCollection(db.collection(prefix + COLLECTIONS.audit), [TTL_POLICIES.audit.field]),

    budgets: firestoreCollection(db.collection(prefix + COLLECTIONS.budgets)),
    budgetStatus,
    rateLimits: firestoreCollection(db.collection(prefix + COLLECTIONS.rateLimits)),
    identities: firestoreCollection(db.collection(prefix + COLLECTIONS.identities)),
    identityMappings: firestoreCollection(db.collection(prefix + COLLECTIONS.identityMappings)),

    async leaseRateLimit(req) {
      const ref = db.collection(prefix + COLLECTIONS.rateLimitLeases).doc(docId(leaseDocId(req)));
      // Every instance leases from the same document in a window, so its transactions contend by
      // design; the client's default of 5 attempts let 30 at once fail with "lock timeout" on a busy
      // emulator. Leases are mostly renewed off the request path, and a request that does wait for one
      // waits under the store deadline, which more attempts cannot stretch.
      return db.runTransaction(
        async (tx) => {
          const snap = await tx.get(ref);
          const grant = grantLease(req, snap.exists ? Number(snap.get('total') ?? 0) : 0);
          if (grant.granted > 0) {
            tx.set(ref, {
              limit_id: req.limit_id,
              window_start: Timestamp.fromMillis(req.window_start),
              total: grant.total,
              [TTL_POLICIES.rateLimitLeases.field]: Timestamp.fromMillis(req.window_end + LEASE_TTL_AFTER_WINDOW_MS),
            });
          }
          return grant;
        },
        { maxAttempts: LEASE_TRANSACTION_ATTEMPTS },
      );
    },

    async applyUsage(event: UsageEvent): Promise<boolean> {
      return (await commitWithRetry([{ event_id: event.event_id, deltas: totalsDeltas(event) }])).size > 0;
    },

    async applyCounted(events) {
      const applied = new Set<string>();
      const counted = (async () => {
        for (const part of byWrites(events)) for (const id of await commitWithRetry(part)) applied.add(id);
      })();
      await Promise.all([counted, writeLogs(events)]);
      return applied;
    },

    counter,
    counters,

    requestLogs: {
      async get(id) {
        const link = await logLinks.doc(docId(linkId('request', id))).get();
        const part = link.get('part') as string | undefined;
        const name = link.get('name') as string | undefined;
        if (!part || !name) return undefined;
        const snap = await partLogs(part).doc(name).get();
        return snap.exists ? fromLogDoc(snap.data()!) : undefined;
      },
      /**
       * A trace's or session's logs are read by id, from its link. Other searches read the partitions
       * with logs newest first, one, then two, four… at once (PARTS_AT_ONCE at most), until the page is
       * full: each holds only its own 6 hours, so their pages in order are the search's order.
       */
      async search(q) {
        const to = q.after && q.after.timestamp < q.to ? q.after.timestamp : q.to;
        if (to < q.from) return [];
        const linked = (['trace', 'session'] as const).flatMap((kind) => {
          const value = q.equal[`${kind}_id`];
          return value === undefined ? [] : [logLinks.doc(docId(linkId(kind, String(value))))];
        });
        let parts: string[];
        if (linked.length) {
          const links = (await db.getAll(...linked)).map((s) => (s.data() ?? { parts: {} }) as LogLink);
          const first = q.after ? logDocName(q.after.timestamp, q.after.id) : `${timeKey(q.to)}_`;
          const last = timeKey(q.from, 1);
          if (links.every((l) => l.logs && !l.overflow)) {
            const names = Object.entries(links[0].logs!).filter(([n]) => n > first && n < last && links.every((l) => l.logs![n]));
            return logsByName(
              q,
              names.sort(([a], [b]) => (a < b ? -1 : 1)),
            );
          }
          parts = Object.keys(links[0].parts).filter((p) => p >= logPart(q.from) && p <= logPart(to) && links.every((l) => l.parts[p]));
          parts.sort((a, b) => (a < b ? 1 : -1));
        } else {
          parts = await partsWithLogs(q.from, to);
        }
        const { index, equal } = logQuery(q);
        const page = async (part: string, limit: number) => {
          const query = compositeQuery(partLogs(part), index, equal, undefined, true);
          // Positions in the document id order (newest first) rather than range filters: a cursor is
          // not a filter, so index merging serves the equality filters alone.
          const start = q.after ? query.startAfter(logDocName(q.after.timestamp, q.after.id)) : query.startAt(`${timeKey(q.to)}_`);
          const snap = await start.endBefore(timeKey(q.from, 1)).limit(limit).get();
          return snap.docs.map((d) => fromLogDoc(d.data()));
        };
        const found: RequestLog[] = [];
        for (let i = 0, n = 1; i < parts.length && found.length < q.limit; i += n, n = Math.min(2 * n, PARTS_AT_ONCE)) {
          const limit = q.limit - found.length;
          for (const logs of await Promise.all(parts.slice(i, i + n).map((p) => page(p, limit)))) found.push(...logs);
        }
        return found.slice(0, q.limit);
      },
    },

    async queryCounters(collection, q) {
      const snap = await compositeQuery(counterCol(collection), indexFor(collection, q), q.where, q.range).get();
      return sumShards(snap.docs.map((d) => d.data())).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    },

    async updateBudgetStatus(budgetId, counterId, next) {
      // The counter is read before the transaction, not in it: a transaction's reads lock what they
      // read, and every group commit writes one of these shards.
      const doc = await counter('budget_counters', counterId);
      const statusRef = db.collection(prefix + COLLECTIONS.budgetStatus).doc(docId(budgetId));
      return db.runTransaction(async (tx) => {
        const status = await tx.get(statusRef);
        const update = next(doc, status.exists ? (status.data() as BudgetStatus) : undefined);
        if (!update) return undefined;
        tx.set(statusRef, plain(update.status));
        for (const a of update.alerts ?? []) tx.set(alerts.doc(docId(a.alert_id)), withExpiry(a, TTL_POLICIES.budgetAlerts.field));
        return update.status;
      });
    },

    budgetAlerts: {
      async list(q) {
        const equal = {
          ...(q.budget_id !== undefined ? { budget_id: q.budget_id } : {}),
          ...(q.workspace_id !== undefined ? { workspace_id: q.workspace_id } : {}),
        };
        const declared = [COMPOSITE_INDEXES.alertsByBudget, COMPOSITE_INDEXES.alertsByWorkspace];
        const used = declared.filter((i) => i.equal.every((f) => f in equal));
        // No filter: the time field's own single-field index serves the order.
        const indexes = used.length ? used : [{ collection: COLLECTIONS.budgetAlerts, equal: [], order: declared[0].order }];
        const snap = await compositeQuery(alerts, indexes, equal, undefined, true).limit(q.limit).get();
        return snap.docs.map((d) => ({ ...d.data(), expires_at: (d.get('expires_at') as Timestamp).toDate().toISOString() }) as BudgetAlertRecord);
      },
    },

    async usageTotals(scope, scopeId, period) {
      return usageTotalsOf(await counter('usage_totals', totalsId(scope, scopeId, period)));
    },

    async close() {
      await Promise.all(seals);
      if (owned) await db.terminate();
    },
  };
}

/** Suffix of a time field stored as epoch ms under FieldValue.maximum (read back as its ISO string). */
const LATEST_MS = '_ms_latest';

/** An applied event's dedup marker, deleted `ttlMs` after `now` (TTL policy). */
export function markerDoc(eventId: string, now: number, ttlMs: number): DocumentData {
  return { event_id: eventId, applied_at: Timestamp.fromMillis(now), [TTL_POLICIES.processedEvents.field]: Timestamp.fromMillis(now + ttlMs) };
}

/** The document id of one shard of a counter. */
export const counterShardId = (id: string, shard: string): string => docId(`${id}#${shard}`);

/**
 * What a commit merges into one shard of a counter: its sums as increments, its strings as they are.
 * Exported for test/bench/logs.ts, which seeds documents exactly as the worker writes them.
 */
export function counterShardWrite(doc: CounterDoc, shard: string): DocumentData {
  const data: DocumentData = { shard };
  for (const [k, v] of Object.entries(doc)) {
    // A time (`last_used_at`) is kept as its latest value by the server: two commits on one shard
    // may land out of order, and a blind write would keep whichever came last.
    if (typeof v === 'number') data[k] = FieldValue.increment(v);
    else if (k.endsWith('_at')) data[k + LATEST_MS] = FieldValue.maximum(Date.parse(v));
    else data[k] = v;
  }
  return data;
}

/**
 * Merges counter shard documents by their logical `id` (the `shard` field is dropped). A counter with
 * a sealed document is that document alone (its shards are folded into it).
 */
function sumShards(docs: DocumentData[]): CounterDoc[] {
  const out = new Map<string, CounterDoc>();
  const sealed = new Set(docs.filter((d) => d[SEALED] === true).map((d) => d.id as string));
  for (const { shard, [SEALED]: _sealed, ...fields } of docs) {
    if (shard !== SEALED && sealed.has(fields.id as string)) continue;
    for (const k of Object.keys(fields)) {
      if (!k.endsWith(LATEST_MS)) continue;
      fields[k.slice(0, -LATEST_MS.length)] = new Date(fields[k] as number).toISOString();
      delete fields[k];
    }
    mergeInto(out, fields.id as string, fields as Record<string, string | number>);
  }
  return [...out.values()];
}

/** Splits a batch so no commit exceeds MAX_WRITES (one marker per event, one write per distinct counter). */
function byWrites(events: CountedEvent[]): CountedEvent[][] {
  const parts: CountedEvent[][] = [];
  let part: CountedEvent[] = [];
  let counters = new Set<string>();
  for (const e of events) {
    const mine = e.deltas.map((d) => `${d.collection}\n${d.id}`);
    const added = mine.filter((k) => !counters.has(k)).length;
    // Each event writes its marker (its log is written beside the commit).
    if (part.length > 0 && part.length + 1 + counters.size + added > MAX_WRITES) {
      parts.push(part);
      part = [];
      counters = new Set();
    }
    part.push(e);
    for (const k of mine) counters.add(k);
  }
  if (part.length) parts.push(part);
  return parts;
}

/** `timestamps`: ISO-string fields stored as Firestore Timestamps (TTL policies only read Timestamps). */
function firestoreCollection<T>(col: CollectionReference, timestamps: string[] = []): Collection<T> {
  const toDoc = (doc: T): DocumentData => {
    const data = plain(doc);
    for (const f of timestamps) if (typeof data[f] === 'string') data[f] = Timestamp.fromDate(new Date(data[f]));
    return data;
  };
  const fromDoc = (data: DocumentData): T => {
    for (const f of timestamps) if (data[f] instanceof Timestamp) data[f] = (data[f] as Timestamp).toDate().toISOString();
    return data as T;
  };
  const ref = (id: string) => {
    if (!isDocId(id)) throw new GatewayError('invalid_request_error', `"${id}" cannot be a document id in ${col.id}.`);
    return col.doc(id);
  };
  return {
    async get(id) {
      if (!isDocId(id)) return undefined; // no such document can exist
      const snap = await col.doc(id).get();
      return snap.exists ? fromDoc(snap.data()!) : undefined;
    },
    async list() {
      const snap = await col.get();
      return snap.docs.map((d) => fromDoc(d.data()));
    },
    async put(id, doc) {
      await ref(id).set(toDoc(doc));
    },
    async create(id, doc) {
      try {
        await ref(id).create(toDoc(doc));
      } catch (err) {
        if (grpcCode(err) === ALREADY_EXISTS) {
          throw new GatewayError('conflict_error', `A document with id "${id}" already exists.`, { cause: err });
        }
        throw err;
      }
    },
    async delete(id) {
      await ref(id).delete();
    },
    watch(onChange, onError) {
      // A listener error is final (the listener stops); without onError the client logs it.
      return col.onSnapshot((snap) => onChange(snap.docs.map((d) => fromDoc(d.data()))), onError);
    },
  };
}

/**
 * Firestore document ids may not contain "/", be "." or "..", match `__.*__` or exceed 1500 bytes.
 * https://firebase.google.com/docs/firestore/quotas#collections_documents_and_fields
 */
function isDocId(id: string): boolean {
  return id.length > 0 && !id.includes('/') && id !== '.' && id !== '..' && !/^__.*__$/.test(id) && Buffer.byteLength(id) <= 1500;
}

/** Ids that come from events (event ids, key ids) are hashed when they cannot be used as they are. */
export function docId(id: string): string {
  return isDocId(id) && id.length <= 500 ? id : `sha256-${createHash('sha256').update(id).digest('hex')}`;
}

/** `ignoreUndefinedProperties` is set only on clients this adapter creates; a client passed in may lack it. */
function plain<T>(doc: T): DocumentData {
  return JSON.parse(JSON.stringify(doc)) as DocumentData;
}

function grpcCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * A declared composite query (indexes.ts): equality on `index.equal`, array-contains on
 * `index.contains`, then `index.order`, with an optional inclusive range on the first order field.
 * Several indexes sharing one order are merged (their equality filters all apply). `byId` adds the
 * document id as the last order, in the direction of the one before, for cursors that must not tie.
 * The only place queries are built, so none runs in production without the index Terraform creates.
 */
export function compositeQuery(
  col: CollectionReference,
  index: CompositeIndex | readonly CompositeIndex[],
  equal: Record<string, unknown>,
  range?: { from: string; to: string },
  byId = false,
): Query {
  const indexes: readonly CompositeIndex[] = Array.isArray(index) ? index : [index as CompositeIndex];
  let q: Query = col;
  for (const field of new Set(indexes.flatMap((i) => i.equal))) q = q.where(field, '==', equal[field]);
  for (const field of new Set(indexes.flatMap((i) => (i.contains ? [i.contains] : [])))) q = q.where(field, 'array-contains', equal[field]);
  const order = indexes[0]?.order ?? [];
  const [first] = order;
  if (range && first) q = q.where(first.field, '>=', range.from).where(first.field, '<=', range.to);
  for (const { field, direction } of order) q = q.orderBy(field, direction);
  if (byId) q = q.orderBy(FieldPath.documentId(), order.at(-1)?.direction ?? 'asc');
  return q;
}

/**
 * A log search within one hour: its equality filters (and one metadata pair, array-contains), ordered
 * by document id, which logDocName makes newest first. Firestore serves equality filters ordered by
 * document id by merging its single-field indexes, so no composite index is needed
 * (https://firebase.google.com/docs/firestore/query-data/index-overview#index_merging).
 */
function logQuery(q: LogSearch): { index: CompositeIndex; equal: Record<string, unknown> } {
  const equal: Record<string, unknown> = { ...q.equal, ...(q.metadata !== undefined ? { metadata_pairs: q.metadata } : {}) };
  const index = {
    collection: COLLECTIONS.requestLogs,
    equal: Object.keys(q.equal),
    ...(q.metadata !== undefined ? { contains: 'metadata_pairs' } : {}),
    order: [],
  };
  return { index, equal };
}

/** Milliseconds before this, counted down: a fixed-width key that sorts newest first (until the year 2286). */
const TIME_KEY_END = 9_999_999_999_999;

/** `timestamp` as that key, `older` milliseconds earlier. */
const timeKey = (timestamp: string, older = 0): string => String(TIME_KEY_END - Date.parse(timestamp) + older).padStart(13, '0');

/**
 * A log's document id: its time key, then its request id. Ids sort newest first, and ties by request
 * id (log-search.ts, compareLogs), the order a search returns and its cursor counts in.
 */
export const logDocName = (timestamp: string, id: string): string => docId(`${timeKey(timestamp)}_${id}`);

/** Request logs are partitioned by 6 UTC hours: a partition holds few enough logs to query whole on the emulator. */
const PART_MS = 6 * 3_600_000;
/** A partition's key: the UTC hour it starts (`YYYY-MM-DDTHH`: 00, 06, 12 or 18). */
const partOf = (ms: number): string => new Date(Math.floor(ms / PART_MS) * PART_MS).toISOString().slice(0, 13);
const logPart = (timestamp: string): string => partOf(Date.parse(timestamp));
const partStart = (part: string): number => Date.parse(`${part}:00:00.000Z`);

/** The collection id of a partition's logs (indexes.ts, LOG_PART_COLLECTIONS). */
const logPartCollection = (part: string): string => LOG_PART_COLLECTIONS[(partStart(part) / PART_MS) % LOG_PART_COLLECTIONS.length];

/** The partitions with logs, newest first: their own single-field index serves the range. */
const LOG_PARTS: CompositeIndex = { collection: COLLECTIONS.requestLogParts, equal: [], order: [{ field: 'part', direction: 'desc' }] };

const linkId = (kind: 'request' | 'trace' | 'session', value: string): string => `${kind}:${value}`;

/** A trace's or a session's link: the partitions of its logs and, until `overflow`, each log's id and partition. */
interface LogLink {
  parts: Record<string, true>;
  logs?: Record<string, string>;
  overflow?: true;
}

/**
 * Logs a trace's or session's link names per writer, at most: a link stays far below Firestore's
 * 1 MiB per document, and a busy trace (a client that sends one trace id with every request) stops
 * writing its link in every commit (Firestore sustains ~1 write/s per document). Past it, the link
 * is marked `overflow` and names only the partitions, which the search then queries.
 */
const LINKED_LOGS = 200;
/** Past this many, what a writer remembers having written is forgotten (and written again). */
const WRITTEN_MAX = 50_000;

/** One document write of a request log (a path from the database root). */
export interface LogWrite {
  path: string;
  data: DocumentData;
  merge: boolean;
}

/**
 * What storing request logs writes, remembering what this writer wrote before. Logs are partitioned
 * by 6 UTC hours, so a search reads the partitions it needs rather than every log. A log goes to
 * `request_log_parts/<YYYY-MM-DDTHH>/request_logs_<n>/<logDocName>`; the partition's own document
 * (field `part`) says it has logs; links in `request_log_links` find a log by its request id
 * (`request:<id>`: its partition and document id), and a trace's or session's logs (`trace:<id>`,
 * `session:<id>`: LogLink). All of them expire with the partition's last log (TTL). `done()` is
 * called once the writes are durable: a partition's entry, or a link's partition, is then not written
 * again. Used by the adapter, and by test/bench/logs.ts,
 * which seeds logs exactly as the worker writes them.
 */
export function logWriter(prefix = ''): (logs: RequestLog[]) => { writes: LogWrite[]; done: () => void } {
  const written = new Set<string>();
  const linked = new Map<string, number>();
  return (logs) => {
    const once = new Set<string>();
    const named = new Map<string, number>();
    // One write per document: a batch holds each document once, its merges folded together.
    const writes = new Map<string, LogWrite>();
    const write = (w: LogWrite) => {
      const before = writes.get(w.path);
      if (before?.merge && w.merge) foldInto(before.data, w.data);
      else writes.set(w.path, w);
    };
    const writeOnce = (key: string, w: LogWrite) => {
      if (written.has(key) || once.has(key)) return;
      once.add(key);
      write(w);
    };
    for (const log of logs) {
      const part = logPart(log.timestamp);
      const name = logDocName(log.timestamp, log.id);
      const retentionMs = Date.parse(log.expires_at) - Date.parse(log.timestamp);
      const expires = { [TTL_POLICIES.requestLogParts.field]: Timestamp.fromMillis(partStart(part) + PART_MS + retentionMs) };
      const parts = `${prefix}${COLLECTIONS.requestLogParts}`;
      const links = `${prefix}${COLLECTIONS.requestLogLinks}`;
      write({ path: `${parts}/${part}/${prefix}${logPartCollection(part)}/${name}`, data: toLogDoc(log), merge: false });
      writeOnce(`${parts}/${part}`, { path: `${parts}/${part}`, data: { part, ...expires }, merge: true });
      write({ path: `${links}/${docId(linkId('request', log.id))}`, data: { part, name, ...expires }, merge: true });
      for (const [kind, value] of [
        ['trace', log.trace_id],
        ['session', log.session_id],
      ] as const) {
        if (value === undefined) continue;
        const path = `${links}/${docId(linkId(kind, value))}`;
        const n = (linked.get(path) ?? 0) + (named.get(path) ?? 0);
        if (n < LINKED_LOGS) {
          named.set(path, (named.get(path) ?? 0) + 1);
          write({ path, data: { parts: { [part]: true }, logs: { [name]: part }, ...expires }, merge: true });
        } else {
          writeOnce(`${path}\n${part}`, { path, data: { parts: { [part]: true }, overflow: true, ...expires }, merge: true });
        }
      }
    }
    const done = () => {
      if (written.size > WRITTEN_MAX) written.clear();
      if (linked.size > WRITTEN_MAX) linked.clear();
      for (const key of once) written.add(key);
      for (const [path, n] of named) linked.set(path, (linked.get(path) ?? 0) + n);
    };
    return { writes: [...writes.values()], done };
  };
}

/** Folds a merge write's fields into another's: maps merged, the later of two Timestamps kept. */
function foldInto(into: DocumentData, data: DocumentData): void {
  for (const [k, v] of Object.entries(data)) {
    const was = into[k];
    if (v instanceof Timestamp) into[k] = was instanceof Timestamp && was.toMillis() > v.toMillis() ? was : v;
    else if (typeof v === 'object' && typeof was === 'object') into[k] = { ...was, ...v };
    else into[k] = v;
  }
}

/** A log as stored: its metadata also as `name=value` pairs (for array-contains), expiry a Timestamp (TTL). */
export function toLogDoc(log: RequestLog): DocumentData {
  return { ...withExpiry(log, TTL_POLICIES.requestLogs.field), metadata_pairs: metadataPairs(log.metadata) };
}

/** A document whose ISO expiry `field` is stored as a Timestamp: TTL policies only read Timestamps. */
function withExpiry<T extends Record<string, unknown>>(doc: T, field: string): DocumentData {
  return { ...plain(doc), [field]: Timestamp.fromDate(new Date(doc[field] as string)) };
}

function fromLogDoc(data: DocumentData): RequestLog {
  const { metadata_pairs: _pairs, expires_at, ...log } = data;
  return { ...log, expires_at: (expires_at as Timestamp).toDate().toISOString() } as RequestLog;
}

/**
 * The declared index that serves a counter query. Equality on one field alone needs none (Firestore
 * indexes single fields itself); any other shape without a declared index is a bug, caught here in
 * every test that runs it.
 */
function indexFor(collection: CounterCollection, q: CounterQuery): CompositeIndex {
  const equal = Object.keys(q.where).sort();
  if (equal.length === 1 && !q.range) return { collection, equal, order: [] };
  const index = Object.values(COMPOSITE_INDEXES as Record<string, CompositeIndex>).find(
    (i) => i.collection === collection && [...i.equal].sort().join(',') === equal.join(',') && i.order[0]?.field === q.range?.field,
  );
  if (!index) throw new Error(`No composite index is declared in indexes.ts for ${collection} where ${equal.join(',')} by ${q.range?.field}.`);
  return index;
}
