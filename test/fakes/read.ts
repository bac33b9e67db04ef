/** Readers for what crosses the wire: SSE text and AWS event-stream bytes, for tests of fakes and gateway alike. */
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

export interface SseEvent {
  event: string;
  /** Parsed JSON of the `data:` lines (the raw text when it is not JSON). */
  data: any;
  rawData: string;
}

/** Parses a complete SSE body (events separated by a blank line; `event:` and `data:` fields only). */
export function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of text.replace(/\r\n/g, '\n').split('\n\n')) {
    if (!block.trim()) continue;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    const rawData = data.join('\n');
    let parsed: unknown = rawData;
    try {
      parsed = JSON.parse(rawData);
    } catch {
      // keep the text
    }
    events.push({ event, data: parsed, rawData });
  }
  return events;
}

export interface EventStreamMessage {
  /** Header name → value (`:message-type`, `:event-type`, `:exception-type`, `:content-type`). */
  headers: Record<string, string>;
  /** The frame payload as text. */
  body: string;
  /** For `chunk` events: the Anthropic event decoded from the payload's base64 `bytes`. */
  event?: any;
}

/** Splits AWS event-stream bytes into frames and decodes each with `EventStreamCodec` (throws on a torn or corrupt frame). */
export function decodeEventStream(bytes: Uint8Array): EventStreamMessage[] {
  const codec = new EventStreamCodec(toUtf8, fromUtf8);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: EventStreamMessage[] = [];
  for (let offset = 0; offset < bytes.byteLength; ) {
    if (bytes.byteLength - offset < 4) throw new Error(`torn event-stream frame at byte ${offset}`);
    const total = view.getUint32(offset); // the prelude's total length, big-endian
    if (offset + total > bytes.byteLength) throw new Error(`torn event-stream frame at byte ${offset}`);
    const message = codec.decode(bytes.subarray(offset, offset + total)); // checks both CRCs
    offset += total;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(message.headers)) headers[k] = String(v.value);
    const body = toUtf8(message.body);
    const msg: EventStreamMessage = { headers, body };
    if (headers[':event-type'] === 'chunk') msg.event = JSON.parse(Buffer.from(JSON.parse(body).bytes, 'base64').toString('utf8'));
    out.push(msg);
  }
  return out;
}
