import { StringDecoder } from 'node:string_decoder';
import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** One SSE event in Anthropic's framing. */
export function formatSse(event: string, data: string): string {
  return `event: ${event}\ndata: ${data}\n\n`;
}

export interface SseEvent {
  event: string;
  data: string;
}

/** The events one upstream chunk completed. */
export interface SseBatch {
  events: SseEvent[];
  /** The chunk itself when it holds exactly these events, whole: it can be relayed as it came. */
  raw?: Uint8Array;
}

/** Whether a chunk ends where an event does (a blank line). */
function endsEvent(chunk: Uint8Array): boolean {
  const n = chunk.length;
  return n >= 2 && chunk[n - 1] === 0x0a && (chunk[n - 2] === 0x0a || (n >= 4 && chunk[n - 2] === 0x0d && chunk[n - 3] === 0x0a));
}

/**
 * Splits an upstream SSE byte stream into events (eventsource-parser does the parsing), yielding the
 * events each chunk completes as one batch as soon as the chunk arrives: the relay handles a chunk
 * with one write, not one await and one write per event. A chunk that starts and ends on event
 * boundaries (the usual case: upstreams flush whole events) comes with its bytes.
 */
export async function* parseSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseBatch> {
  // Node's own UTF-8 decoder: a character split across chunks waits for its last byte, as with
  // TextDecoder's stream mode, at a third of its cost on Node 20 (which decodes through ICU).
  const decoder = new StringDecoder('utf8');
  let pending: SseEvent[] = [];
  const parser = createParser({
    onEvent: (m: EventSourceMessage) => {
      pending.push({ event: m.event ?? 'message', data: m.data });
    },
  });
  let aligned = true;
  for await (const chunk of body) {
    parser.feed(decoder.write(chunk));
    const startsEvent = aligned;
    aligned = endsEvent(chunk);
    const whole = startsEvent && aligned;
    if (pending.length) {
      const events = pending;
      pending = [];
      yield whole ? { events, raw: chunk } : { events };
    }
  }
  parser.feed(decoder.end());
  if (pending.length) yield { events: pending };
}

/** Batches of one, for a source that decodes events one by one (Bedrock's event stream). */
export async function* singly(events: AsyncIterable<SseEvent>): AsyncGenerator<SseBatch> {
  for await (const e of events) yield { events: [e] };
}
