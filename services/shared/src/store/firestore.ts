import { createHash } from 'node:crypto';
import { FieldPath, FieldValue, Firestore, Timestamp, type CollectionReference, type DocumentData, type Query } from '@google-cloud/firestore';
import type { BudgetAlertRecord } from '../budget/alert';
import type { BudgetStatus } from '../budget/entity';
import { GatewayError } from '../errors';
import type { RequestLog } from '../request-log';
import { grantLease, leaseDocId } from '../rate-limit/entity';
import type { UsageEvent } from '../usage-event';
import { addDelta, type CountedEvent, type CounterCollection, type CounterDoc, type CounterQuery, mergeInto, totalsDeltas, usageTotalsOf } from './counters';
import { COLLECTIONS, COMPOSITE_INDEXES, type CompositeIndex, TTL_POLICIES } from './indexes';
import { type LogSearch, metadataPairs } from './log-search';
import { DEDUP_TTL_MS } from './port';
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
/** Request logs per batched write (writeLogs). */
const LOGS_PER_BATCH = 50;
/** A commit that met an existing marker is retried without the events already applied. */
const COMMIT_ATTEMPTS = 5;

/** A window's lease document outlives the window by this much, then the TTL policy deletes it. */
const LEASE_TTL_AFTER_WINDOW_MS = 3_600_000;

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
  const logs = db.collection(prefix + COLLECTIONS.requestLogs);
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
    const sums = new Map<string, { collection: CounterCollection; doc: CounterDoc }>();
    const now = Date.now();
    for (const e of events) {
      if (skip.has(e.event_id) || applied.has(e.event_id)) continue;
      applied.add(e.event_id);
      batch.create(processed.doc(docId(e.event_id)), markerDoc(e.event_id, now, ttl));
      for (const d of e.deltas) addDelta(sums, d);
    }
    if (applied.size === 0) return applied;
    // Blind increments: counters are not read, so concurrent commits do not contend on them.
    for (const { collection, doc } of sums.values())
      batch.set(counterCol(collection).doc(counterShardId(doc.id, shard)), counterShardWrite(doc, shard), { merge: true });
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
   * The events' request logs, beside their commit rather than in it: the logs are most of a batch's
   * bytes and of the server's work (every field indexed), and a log is keyed by its request id, so
   * writing it again (a redelivery, whose earlier log write may have failed after its commit
   * succeeded) is harmless. In parallel batches, which the server applies side by side.
   */
  async function writeLogs(events: CountedEvent[]): Promise<void> {
    const all = events.flatMap((e) => (e.log ? [e.log] : []));
    const parts = Array.from({ length: Math.ceil(all.length / LOGS_PER_BATCH) }, (_, i) => all.slice(i * LOGS_PER_BATCH, (i + 1) * LOGS_PER_BATCH));
    await Promise.all(
      parts.map((part) => {
        const batch = db.batch();
        for (const log of part) batch.set(logs.doc(docId(log.id)), toLogDoc(log));
        return batch.commit();
      }),
    );
  }

  /** Every shard of each counter in one getAll, summed per counter. */
  async function counters(collection: CounterCollection, ids: readonly string[]): Promise<CounterDoc[]> {
    const unique = [...new Set(ids)];
    if (!unique.length) return [];
    const refs = unique.flatMap((id) => Array.from({ length: shards }, (_, i) => counterCol(collection).doc(counterShardId(id, String(i)))));
    const snaps = await db.getAll(...refs);
    return sumShards(snaps.filter((s) => s.exists).map((s) => s.data()!));
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
      return db.runTransaction(async (tx) => {
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
      });
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
        const snap = await logs.doc(docId(id)).get();
        return snap.exists ? fromLogDoc(snap.data()!) : undefined;
      },
      async search(q) {
        const { indexes, equal } = logIndexes(q);
        let query = compositeQuery(logs, indexes, equal, undefined, true);
        // Positions in the (timestamp desc, id desc) order rather than a range filter: index merging
        // serves equality filters with one order, and a cursor is not a filter.
        query = q.after ? query.startAfter(q.after.timestamp, docId(q.after.id)) : query.startAt(q.to);
        const snap = await query.endAt(q.from).limit(q.limit).get();
        return snap.docs.map((d) => fromLogDoc(d.data()));
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

/** Merges counter shard documents by their logical `id` (the `shard` field is dropped). */
function sumShards(docs: DocumentData[]): CounterDoc[] {
  const out = new Map<string, CounterDoc>();
  for (const { shard: _shard, ...fields } of docs) {
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

/** The declared indexes a log search uses, and the values its filters match. */
function logIndexes(q: LogSearch): { indexes: CompositeIndex[]; equal: Record<string, unknown> } {
  const declared = Object.values(COMPOSITE_INDEXES as Record<string, CompositeIndex>).filter((i) => i.collection === COLLECTIONS.requestLogs);
  const equal: Record<string, unknown> = { ...q.equal };
  const fields = Object.keys(q.equal);
  const indexes: CompositeIndex[] = [];
  if (q.metadata !== undefined) {
    equal.metadata_pairs = q.metadata;
    const inWorkspace = fields.includes('workspace_id');
    indexes.push(declared.find((i) => i.contains && i.equal.includes('workspace_id') === inWorkspace)!);
  }
  for (const field of fields) {
    if (indexes.some((i) => i.equal.includes(field))) continue;
    const index = declared.find((i) => !i.contains && i.equal.length === 1 && i.equal[0] === field);
    if (!index) throw new Error(`No composite index is declared in indexes.ts for request logs by ${field}.`);
    indexes.push(index);
  }
  // No filter: the timestamp's own single-field index serves the order.
  if (!indexes.length) indexes.push({ collection: COLLECTIONS.requestLogs, equal: [], order: declared[0].order });
  return { indexes, equal };
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
