import type { ServerResponse } from 'node:http';
import { formatSse, type SseBatch, type SseEvent } from './sse';
import { BEDROCK_METRICS_EVENT, UsageTap } from '../usage/usage-tap';

/** Provider noise that Anthropic clients must not see (docs/wire-formats.md §1.6); the usage tap still reads it. */
export const DROPPED = new Set(['vertex_event', BEDROCK_METRICS_EVENT]);

interface RelayResult {
  tap: UsageTap;
  /** Set when the upstream failed after the first byte; the client got an SSE `error` event. */
  failure?: string;
  /** Each relayed event, for the response cache (only collected when asked). */
  events?: SseEvent[];
}

/**
 * Relays an upstream event stream to the client as it arrives, tapping usage: each batch (the events
 * one upstream chunk completed) is one write — the upstream's own bytes when the chunk held whole
 * events and none is dropped, else the events re-framed — and reading pauses while the client's
 * socket is full. The relay ends the client's response: as soon as `message_stop` (or `error`) has
 * been relayed, in the same write, or with an SSE `error` event when the upstream fails after the
 * first byte (failover is no longer possible) or ends without `message_stop`, which clients would
 * otherwise take for a whole (truncated) answer.
 */
export async function relayStream(res: ServerResponse, first: SseBatch, rest: AsyncIterator<SseBatch>, collect: boolean): Promise<RelayResult> {
  const tap = new UsageTap();
  const result: RelayResult = { tap, ...(collect ? { events: [] } : {}) };
  let draining = false;
  /** The bytes for a batch: the upstream's own when they hold exactly these events, else re-framed. */
  const framed = ({ events, raw }: SseBatch): string | Uint8Array => {
    if (raw !== undefined && !events.some((e) => DROPPED.has(e.event))) return raw;
    let text = '';
    for (const e of events) if (!DROPPED.has(e.event)) text += formatSse(e.event, e.data);
    return text;
  };
  /** Usage and the cache's copy, read once the batch's bytes are on their way to the client. */
  const observe = (events: SseEvent[]) => {
    for (const e of events) {
      tap.onEvent(e.event, e.data);
      if (!DROPPED.has(e.event)) result.events?.push(e);
    }
  };
  const fail = (reason: string) => {
    if (res.writableEnded) return; // the client already has the whole answer
    result.failure = reason;
    const data = JSON.stringify({ type: 'error', error: { type: 'api_error', message: `Upstream stream failed: ${reason}` } });
    tap.onEvent('error', data);
    if (!res.destroyed) res.end(formatSse('error', data));
  };
  try {
    for (let batch = first; ; ) {
      const out = framed(batch);
      if (batch.events.some((e) => e.event === 'message_stop' || e.event === 'error')) {
        // The answer is whole: the client gets its end now, in the same write as the last events. The
        // rest of the upstream body (its chunk terminator) is read in the background, so that neither
        // the client nor the usage event waits for it and the connection can be reused.
        res.end(out);
        observe(batch.events);
        draining = true;
        void drain(rest);
        break;
      }
      const flowing = !out.length || res.write(out);
      observe(batch.events);
      if (!flowing) await drained(res);
      if (res.destroyed) break;
      const next = await rest.next();
      if (next.done) {
        fail('the upstream closed the stream before message_stop');
        break;
      }
      batch = next.value;
    }
  } catch (err) {
    fail((err as Error).message || 'upstream stream failed');
  } finally {
    if (!res.writableEnded) res.end(); // the client went away
    if (!draining) await rest.return?.(undefined).catch(() => undefined);
  }
  return result;
}

/** Reads what the upstream still sends after the answer is whole; a failure there costs only the connection. */
async function drain(rest: AsyncIterator<SseBatch>): Promise<void> {
  try {
    while (!(await rest.next()).done);
  } catch {
    await rest.return?.(undefined).catch(() => undefined);
  }
}

/** Resolves when the client has taken what was written, or has gone. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}
