import type { ServerResponse } from 'node:http';
import { formatSse, type SseEvent } from '../streaming/sse';
import { UsageTap } from '../streaming/usage-tap';

/**
 * Collects the events that arrive together (one upstream chunk yields several, through promise
 * continuations) and writes them as one string before the event loop moves on: one chunk of the
 * chunked response and one syscall instead of a write per event. Waits for the socket to drain when
 * the client reads slower than the upstream sends.
 */
class BatchedWriter {
  private parts: string[] = [];
  private scheduled = false;
  private drained: Promise<void> | undefined;

  constructor(private readonly res: ServerResponse) {}

  async write(text: string): Promise<void> {
    if (this.drained) await this.drained;
    this.parts.push(text);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes what is pending now; later writes wait for `drain` if the socket buffer is full. */
  flush(): void {
    this.scheduled = false;
    if (!this.parts.length || this.res.destroyed) return;
    const text = this.parts.length === 1 ? this.parts[0] : this.parts.join('');
    this.parts = [];
    if (this.res.write(text)) return;
    this.drained = new Promise<void>((resolve) => {
      const done = () => {
        this.res.off('drain', done);
        this.res.off('close', done);
        this.drained = undefined;
        resolve();
      };
      this.res.on('drain', done);
      this.res.on('close', done);
    });
  }
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
  const out = new BatchedWriter(res);
  let ended = false;
  const send = async (e: SseEvent) => {
    if (DROPPED.has(e.event)) return;
    tap.onEvent(e.event, e.data);
    result.events?.push(e);
    if (e.event === 'message_stop' || e.event === 'error') ended = true;
    await out.write(formatSse(e.event, e.data));
  };
  const fail = async (reason: string) => {
    result.failure = reason;
    const data = JSON.stringify({ type: 'error', error: { type: 'api_error', message: `Upstream stream failed: ${reason}` } });
    tap.onEvent('error', data);
    await out.write(formatSse('error', data));
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
    out.flush();
    await rest.return?.().catch(() => undefined);
  }
  return result;
}
