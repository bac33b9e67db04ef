import { createHash } from 'node:crypto';
import { FieldValue, Firestore, Timestamp, type CollectionReference, type DocumentData } from '@google-cloud/firestore';
import type { UsageTotals } from '../entities';
import { GatewayError } from '../errors';
import type { UsageEvent } from '../usage-event';
import { DEDUP_TTL_MS, TOKEN_KINDS, usageScopes } from './port';
import { type Collection, type Store, totalsId, usagePeriod } from './port';

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
}

/** gRPC status codes the adapter maps (https://grpc.io/docs/guides/status-codes/). */
const ALREADY_EXISTS = 6;

/**
 * The Firestore Store. Documents are the entities as plain JSON (undefined fields dropped), one
 * collection per entity. Collections: `${prefix}workspaces`, `api_keys`, `providers`, `configs`,
 * `usage_totals`, `processed_events` (the dedup markers; infra/firestore.tf needs a TTL policy on
 * their `expires_at` field to delete them).
 */
export function createFirestoreStore(opts: FirestoreStoreOptions): Store {
  const owned = !opts.firestore;
  const db = opts.firestore ?? new Firestore({ projectId: opts.projectId, ignoreUndefinedProperties: true });
  const prefix = opts.prefix ?? '';
  const ttl = opts.dedupTtlMs ?? DEDUP_TTL_MS;
  const totals = db.collection(`${prefix}usage_totals`);
  const processed = db.collection(`${prefix}processed_events`);

  return {
    workspaces: firestoreCollection(db.collection(`${prefix}workspaces`)),
    apiKeys: firestoreCollection(db.collection(`${prefix}api_keys`)),
    providers: firestoreCollection(db.collection(`${prefix}providers`)),
    configs: firestoreCollection(db.collection(`${prefix}configs`)),
    audit: firestoreCollection(db.collection(`${prefix}audit_log`), ['expires_at']),

    async applyUsage(event: UsageEvent): Promise<boolean> {
      const period = usagePeriod(event.timestamp);
      const marker = processed.doc(docId(event.event_id));
      try {
        return await db.runTransaction(async (tx) => {
          // The marker is read and written in the same transaction as the counters: a redelivered
          // event either sees the marker or conflicts with the transaction that wrote it.
          if ((await tx.get(marker)).exists) return false;
          const now = Date.now();
          tx.create(marker, {
            event_id: event.event_id,
            applied_at: Timestamp.fromMillis(now),
            expires_at: Timestamp.fromMillis(now + ttl),
          });
          // Blind increments: the totals are not read, so concurrent events do not contend on them in
          // the transaction. They are still one document per key and month, and Firestore sustains
          // about one write per second per document (DESIGN §8): a hot key needs the budgets work's
          // in-memory aggregation with group commits, or sharded counters, before it reaches here.
          for (const [scope, scopeId] of usageScopes(event)) {
            const id = totalsId(scope, scopeId, period);
            const inc: DocumentData = { requests: FieldValue.increment(1), cost_micros: FieldValue.increment(event.cost_micros) };
            if (event.priced === false) inc.unpriced_requests = FieldValue.increment(1);
            for (const kind of TOKEN_KINDS) inc[kind] = FieldValue.increment(event.usage[kind]);
            // A blind write too: the last event applied, which is the last use unless events arrive out of order.
            tx.set(totals.doc(docId(id)), { id, scope, scope_id: scopeId, period, ...inc, last_used_at: event.timestamp }, { merge: true });
          }
          return true;
        });
      } catch (err) {
        // Two deliveries of one event raced and the loser's create() of the marker failed: applied once.
        if (grpcCode(err) === ALREADY_EXISTS) return false;
        throw err;
      }
    },

    async usageTotals(scope, scopeId, period) {
      const snap = await totals.doc(docId(totalsId(scope, scopeId, period))).get();
      // Totals written before unpriced requests were counted lack the field.
      return snap.exists ? { ...(snap.data() as UsageTotals), unpriced_requests: (snap.data() as UsageTotals).unpriced_requests ?? 0 } : undefined;
    },

    async close() {
      if (owned) await db.terminate();
    },
  };
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
function docId(id: string): string {
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
