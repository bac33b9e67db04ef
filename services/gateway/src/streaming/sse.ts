import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** One SSE event in Anthropic's framing. */
export function formatSse(event: string, data: string): string {
  return `event: ${event}\ndata: ${data}\n\n`;
}

export interface SseEvent {
  event: string;
  data: string;
}

/**
 * Splits an upstream SSE byte stream into events (eventsource-parser does the parsing), yielding the
 * events each chunk completes as one batch, as soon as the chunk arrives: the relay then handles a
 * chunk's events with one write, not one await and one write per event.
 */
export async function* parseSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent[]> {
  const decoder = new TextDecoder();
  let pending: SseEvent[] = [];
  const parser = createParser({
    onEvent: (m: EventSourceMessage) => {
      pending.push({ event: m.event ?? 'message', data: m.data });
    },
  });
  for await (const chunk of body) {
    parser.feed(decoder.decode(chunk, { stream: true }));
    if (pending.length) {
      const ready = pending;
      pending = [];
      yield ready;
    }
  }
  parser.feed(decoder.decode());
  if (pending.length) yield pending;
}

/** Batches of one, for a source that decodes events one by one (Bedrock's event stream). */
export async function* singly(events: AsyncIterable<SseEvent>): AsyncGenerator<SseEvent[]> {
  for await (const e of events) yield [e];
}
