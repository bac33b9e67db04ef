import type { ServerResponse } from 'node:http';
import { formatSse, type SseEvent } from '../streaming/sse';
import { UsageTap } from '../streaming/usage-tap';

/**
 * Writes, waiting for the socket to drain when the client reads slower than the upstream sends.
 * Writes made before the event loop moves on (headers and the first event, the events of one upstream
 * chunk — they arrive through promise continuations, so a nextTick uncork would come too early) go
 * out as one syscall.
 */
export async function write(res: ServerResponse, chunk: string): Promise<void> {
  if (!res.writableCorked) {
    res.cork();
    setImmediate(() => res.uncork());
  }
  if (res.write(chunk)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** Provider noise that Anthropic clients must not see (wire-formats §1.6). */
const DROPPED = new Set(['vertex_event']);

export interface RelayResult {
  tap: UsageTap;
  /** Set when the upstream failed after the first byte; the client got an SSE `error` event. */
  failure?: string;
  /** Each relayed event, for the response cache (only collected when asked). */
  events?: SseEvent[];
}

/**
 * Relays an upstream event stream to the client as it arrives, tapping usage. An upstream failure
 * after the first byte becomes an SSE `error` event (failover is no longer possible); so does a
 * stream that ends cleanly without `message_stop`, which clients would otherwise take for a whole
 * (truncated) answer.
 */
export async function relayStream(
  res: ServerResponse,
  first: SseEvent | undefined,
  rest: AsyncIterator<SseEvent>,
  collect: boolean,
): Promise<RelayResult> {
  const tap = new UsageTap();
  const result: RelayResult = { tap, ...(collect ? { events: [] } : {}) };
  let ended = false;
  const send = async (e: SseEvent) => {
    if (DROPPED.has(e.event)) return;
    tap.onEvent(e.event, e.data);
    result.events?.push(e);
    if (e.event === 'message_stop' || e.event === 'error') ended = true;
    await write(res, formatSse(e.event, e.data));
  };
  const fail = async (reason: string) => {
    result.failure = reason;
    const data = JSON.stringify({ type: 'error', error: { type: 'api_error', message: `Upstream stream failed: ${reason}` } });
    tap.onEvent('error', data);
    await write(res, formatSse('error', data));
  };
  try {
    if (first) await send(first);
    for (;;) {
      if (res.destroyed) break;
      const next = await rest.next();
      if (next.done) {
        if (!ended && !res.destroyed) await fail('the upstream closed the stream before message_stop');
        break;
      }
      await send(next.value);
    }
  } catch (err) {
    if (!res.destroyed) await fail((err as Error).message || 'upstream stream failed');
  } finally {
    await rest.return?.().catch(() => undefined);
  }
  return result;
}
