import type { Message, Subscription, Topic } from '@google-cloud/pubsub';
// The client's own module, not the package's index, which also loads the generated protobuf classes
// of every Pub/Sub message (3 MB of source, ~3.6 MB of heap for as long as the process lives) that the
// client itself never uses: it encodes with the package's JSON descriptors.
import { PubSub } from '@google-cloud/pubsub/build/src/pubsub';
import { decodeUsageEvent } from '../usage-event';
import type { EventBus } from './port';

export type BusLog = (message: string, fields: Record<string, unknown>) => void;

export interface PubSubBusOptions {
  projectId: string;
  topic: string;
  /** Pull subscription used by subscribe() (local mode, emulator). Default `${topic}-pull`. */
  subscription?: string;
  /** A client to use instead of creating one; the bus does not close a client it was given. */
  pubsub?: PubSub;
  /** Where failures are reported; every call is an error or warning. Default: a JSON line on stderr. */
  log?: BusLog;
  /** Publish attempts per event before it is given up (and logged). Default 5. */
  publishAttempts?: number;
  /** First retry delay; doubles per attempt up to 10 s. Default 250 ms. */
  retryBaseMs?: number;
  /**
   * Events being published at once before new ones are logged and dropped instead of queued. The
   * client retries transient failures for up to 10 minutes per message: during an outage this
   * bounds memory. Default 10 000.
   */
  maxPending?: number;
  /** The same bound on their encoded size (JSON bytes). Default 16 MiB. */
  maxPendingBytes?: number;
  /**
   * close() waits this long for events still being published, then logs each one it gives up on
   * (Cloud Run kills an instance about 10 s after SIGTERM, and draining requests takes most of it).
   * Default 1500 ms.
   */
  closeWaitMs?: number;
}

/**
 * An event on its way to Pub/Sub: its size counts against the backlog bound. Only the ids its failure
 * logs name are kept, not the event. It waits up to the batch window and the publish's round trip,
 * long enough to outlive two young-generation collections and be promoted, so what it holds is kept
 * small: callbacks, not a promise chain per event (README, "Where collections come from").
 */
interface Publishing {
  ids: { event_id: string; request_id: string };
  bytes: number;
  attempt: number;
  /** flush() calls waiting for it to be acknowledged or given up. */
  waiters?: (() => void)[];
}

/** gRPC ALREADY_EXISTS (https://grpc.io/docs/guides/status-codes/). */
const ALREADY_EXISTS = 6;
/** A malformed message's bytes are logged up to this size (a usage event is about 1 KB). */
const MAX_LOGGED_BYTES = 8192;

/**
 * The Pub/Sub bus. publish() hands the event to the client's batcher (100 messages or 50 ms) and
 * returns at once; a failed publish is retried with backoff, then logged with the event id. Losing
 * the event there is not losing the usage: the gateway's per-request log line is a second,
 * independent record of it (docs/design.md §4.7).
 *
 * subscribe() uses a streaming pull subscription, for local runs and the emulator. In production the
 * worker receives Pub/Sub push instead, and dead-letters malformed events there.
 */
export function createPubSubBus(opts: PubSubBusOptions): EventBus {
  const owned = !opts.pubsub;
  const pubsub = opts.pubsub ?? new PubSub({ projectId: opts.projectId });
  const log = opts.log ?? defaultLog;
  const attempts = Math.max(1, opts.publishAttempts ?? 5);
  const retryBaseMs = opts.retryBaseMs ?? 250;
  const maxPending = opts.maxPending ?? 10_000;
  const maxPendingBytes = opts.maxPendingBytes ?? 16 * 1024 * 1024;
  const closeWaitMs = opts.closeWaitMs ?? 1500;
  const subscriptionName = opts.subscription ?? `${opts.topic}-pull`;
  const topic = pubsub.topic(opts.topic, { batching: { maxMessages: 100, maxMilliseconds: 50 } });
  const inFlight = new Set<Publishing>();
  let pendingBytes = 0;
  const subscriptions = new Set<() => Promise<void>>();
  let closed = false;

  /** The event has been acknowledged, given up or abandoned at close: it leaves the backlog. */
  function settle(p: Publishing): void {
    if (inFlight.delete(p)) pendingBytes -= p.bytes;
    for (const wake of p.waiters ?? []) wake();
  }

  /**
   * One attempt; a failure is retried with backoff, then logged with the event's ids. One the client
   * refuses at once (it throws, e.g. once closed) fails the same way: it must not escape into the
   * caller, or into a retry's timer, where it would end the process.
   */
  function send(p: Publishing, data: Buffer, attributes: Record<string, string>): void {
    const done = (err: unknown) => {
      if (!err) return settle(p);
      if (!inFlight.has(p)) return; // abandoned at close, which logged it: its attempts must not again
      if (p.attempt >= attempts || closed) {
        log('usage event publish failed; the request log line is its only record', {
          severity: 'ERROR',
          ...p.ids,
          attempts: p.attempt,
          topic: opts.topic,
          error: errorMessage(err),
        });
        return settle(p);
      }
      setTimeout(() => send(p, data, attributes), Math.min(retryBaseMs * 2 ** (p.attempt++ - 1), 10_000));
    };
    try {
      topic.publishMessage({ data, attributes }, done);
    } catch (err) {
      done(err);
    }
  }

  const bus: EventBus = {
    async warm() {
      // The client builds its gRPC stub and loads its protobuf descriptors on the first publish:
      // ~0.3–0.7 s of one CPU (measured on the bench), which would stall every request in flight on
      // a fresh instance. Building it creates no connection: that opens on the first call.
      await pubsub.getClientAsync_({ client: 'PublisherClient' }).catch((err: unknown) => {
        log('Pub/Sub publisher client could not be prepared; the first publish will try again', { severity: 'WARNING', error: errorMessage(err) });
      });
    },

    publish(event) {
      if (closed) {
        log('usage event published after the bus was closed', { severity: 'ERROR', event_id: event?.event_id });
        return;
      }
      let data: Buffer;
      try {
        data = Buffer.from(JSON.stringify(event));
      } catch (err) {
        log('usage event could not be encoded', { severity: 'ERROR', event_id: event?.event_id, error: errorMessage(err) });
        return;
      }
      if (inFlight.size >= maxPending || pendingBytes + data.length > maxPendingBytes) {
        log('usage event dropped: publish backlog full; the request log line is its only record', {
          severity: 'ERROR',
          event_id: event.event_id,
          request_id: event.request_id,
          pending: inFlight.size,
          pending_bytes: pendingBytes,
        });
        return;
      }
      const entry: Publishing = { ids: { event_id: event.event_id, request_id: event.request_id }, bytes: data.length, attempt: 1 };
      pendingBytes += entry.bytes;
      inFlight.add(entry);
      send(entry, data, { event_id: event.event_id, version: String(event.version) });
    },

    async flush() {
      const pending = [...inFlight].map((p) => new Promise<void>((wake) => (p.waiters ??= []).push(wake)));
      // Sends the current batch now instead of after its 50 ms window.
      await topic.flush().catch(() => undefined); // per-message failures surface (and retry) in send
      await Promise.all(pending);
    },

    pending: () => inFlight.size,

    subscribe(handler) {
      const running = new Set<Promise<void>>();
      let stopped = false;
      let sub: Subscription | undefined;

      const onMessage = (message: Message) => {
        if (stopped) return message.nack();
        const event = decodeUsageEvent(message.data);
        if (!event) {
          // Acked, not nacked: redelivering bytes that cannot decode would loop forever. The log line
          // carries the bytes (usage events hold no prompts or keys), so nothing is lost silently.
          log('malformed usage event acked', {
            severity: 'ERROR',
            message_id: message.id,
            subscription: subscriptionName,
            bytes: message.data.length,
            data: message.data.toString('utf8', 0, MAX_LOGGED_BYTES),
          });
          return message.ack();
        }
        const p = Promise.resolve()
          .then(() => handler(event))
          .then(
            () => message.ack(),
            (err: unknown) => {
              log('usage event handler failed; nacked for redelivery', {
                severity: 'WARNING',
                event_id: event.event_id,
                message_id: message.id,
                delivery_attempt: message.deliveryAttempt,
                error: errorMessage(err),
              });
              message.nack();
            },
          );
        running.add(p);
        void p.finally(() => running.delete(p));
      };
      const onError = (err: unknown) => log('usage subscription error', { severity: 'ERROR', subscription: subscriptionName, error: errorMessage(err) });

      const ready = ensureSubscription(pubsub, opts.topic, subscriptionName)
        .then(() => {
          if (stopped) return;
          // More than the worker commits together (200 events): each message waits for its batch's commit.
          sub = pubsub.subscription(subscriptionName, { flowControl: { maxMessages: 1000 } });
          sub.on('message', onMessage);
          sub.on('error', onError);
        })
        .catch(onError);

      const stop = async () => {
        stopped = true;
        await ready;
        await Promise.allSettled([...running]); // let their acks go out before the stream closes
        if (sub) {
          sub.removeListener('message', onMessage);
          await sub.close().catch(onError);
          sub.removeListener('error', onError);
        }
      };
      let stopping: Promise<void> | undefined;
      const unsubscribe = () => (stopping ??= stop());
      subscriptions.add(unsubscribe);
      return () => {
        subscriptions.delete(unsubscribe);
        void unsubscribe();
      };
    },

    async close() {
      if (closed) return;
      let waited: NodeJS.Timeout | undefined;
      await Promise.race([bus.flush(), new Promise((r) => (waited = setTimeout(r, closeWaitMs)))]);
      clearTimeout(waited);
      closed = true;
      for (const entry of inFlight) {
        // Shutting down while the bus is away: these would die with the process, unsaid.
        settle(entry);
        log('usage event not published before shutdown; the request log line is its only record', {
          severity: 'ERROR',
          ...entry.ids,
        });
      }
      await Promise.allSettled([...subscriptions].map((s) => s()));
      subscriptions.clear();
      if (owned) await pubsub.close();
    },
  };
  return bus;
}

/** Creates the topic unless it exists. For local runs and tests: in production Terraform owns it. */
export async function ensureTopic(pubsub: PubSub, name: string): Promise<Topic> {
  const topic = pubsub.topic(name);
  try {
    await topic.create();
  } catch (err) {
    if ((err as { code?: unknown }).code !== ALREADY_EXISTS) throw err;
  }
  return topic;
}

/** Creates the topic and a pull subscription to it unless they exist (local runs and tests). */
export async function ensureSubscription(pubsub: PubSub, topicName: string, name: string): Promise<Subscription> {
  const topic = await ensureTopic(pubsub, topicName);
  const sub = topic.subscription(name);
  try {
    await topic.createSubscription(name, { ackDeadlineSeconds: 60 });
  } catch (err) {
    if ((err as { code?: unknown }).code !== ALREADY_EXISTS) throw err;
  }
  return sub;
}

/** For `npm start` on the emulator, which starts empty: the usage topic and the local worker's pull subscription. */
export async function prepareLocalPubSub(projectId: string, topic: string): Promise<void> {
  const pubsub = new PubSub({ projectId });
  try {
    await ensureSubscription(pubsub, topic, `${topic}-pull`);
  } finally {
    await pubsub.close();
  }
}

/** Keeps a message the worker cannot read: published to the dead-letter topic, with the reason. */
export function pubsubDeadLetter(projectId: string, topic: string): (data: string, reason: string) => Promise<void> {
  const deadLetters = new PubSub({ projectId }).topic(topic);
  return async (data, reason) => {
    await deadLetters.publishMessage({ data: Buffer.from(data), attributes: { reason } });
  };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function defaultLog(message: string, fields: Record<string, unknown>): void {
  process.stderr.write(`${JSON.stringify({ severity: 'ERROR', message, ...fields })}\n`);
}

/** Publishes JSON messages to a topic (the budget alerts topic), with attributes for subscription filters. */
export function pubsubJsonPublisher(projectId: string, topic: string): (message: object, attributes: Record<string, string>) => Promise<void> {
  const t = new PubSub({ projectId }).topic(topic);
  return async (message, attributes) => {
    await t.publishMessage({ data: Buffer.from(JSON.stringify(message)), attributes });
  };
}
