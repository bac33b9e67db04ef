import type { EventStreamCodec } from '@smithy/eventstream-codec';
import type { SseEvent } from './sse';
import { BEDROCK_METRICS_EVENT } from '../usage/usage-tap';
import { parseJsonObject } from '../../../shared/src/json';
import { anthropicWording, bedrockErrorKind } from '../providers/bedrock/errors';

export interface DecodeOptions {
  /** Emit a synthesised `ping` after this much silence. Bedrock sends none; Claude Code gives up after 300 s. */
  pingIntervalMs?: number;
}

const PING: SseEvent = { event: 'ping', data: '{"type": "ping"}' };
/** Prelude (12) + message CRC (4). */
const MIN_FRAME = 16;
/** Far above any Bedrock event; a bigger length prefix means the stream is garbage, not a big event. */
const MAX_FRAME = 32 * 1024 * 1024;
const TIMEOUT = Symbol('timeout');

type Message = ReturnType<EventStreamCodec['decode']>;

/** The codec's text hooks, on node's Buffer: a gateway without Bedrock providers loads no AWS module at boot. */
const toUtf8 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
const fromUtf8 = (s: string): Uint8Array => Buffer.from(s, 'utf8');

/**
 * AWS event-stream (InvokeModelWithResponseStream) → Anthropic SSE events, as the official SDK
 * transcodes it (docs/wire-formats.md §4.2): each `chunk` frame's base64 `bytes` is one Anthropic event, emitted
 * under its own `type` minus Bedrock's `amazon-bedrock-invocationMetrics`; payloads without `type` are
 * dropped; an exception frame or a malformed stream becomes one `error` event and ends the stream.
 * Errors thrown by `body` itself (network) propagate. Returning early closes `body`.
 */
export async function* decodeBedrockStream(body: AsyncIterable<Uint8Array>, opts: DecodeOptions = {}): AsyncGenerator<SseEvent, void, undefined> {
  const pingIntervalMs = opts.pingIntervalMs ?? 10_000;
  // Loaded with the first Bedrock stream: a gateway without Bedrock providers never holds it in memory.
  const { EventStreamCodec } = await import('@smithy/eventstream-codec');
  const codec = new EventStreamCodec(toUtf8, fromUtf8);
  const frames = new FrameBuffer();
  const source = body[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<Uint8Array>> | undefined;
  let lastEmit = Date.now();
  let finished = false;
  // No pings before the first real event: the gateway holds the answer until then (failover and
  // request_timeout still apply), and a synthesised ping would count as the stream having started.
  let started = false;
  try {
    for (;;) {
      pending ??= source.next();
      const next = started ? await within(pending, pingIntervalMs - (Date.now() - lastEmit)) : await pending;
      if (next === TIMEOUT) {
        yield PING;
        lastEmit = Date.now();
        continue;
      }
      pending = undefined;
      if (next.done) break;

      for (const ev of decodeChunk(codec, frames, next.value)) {
        if (ev.event === '') continue;
        started = true;
        yield ev;
        lastEmit = Date.now();
        if (ev.event === 'error') return;
      }
    }
    finished = true;
    if (frames.pendingBytes > 0) {
      yield streamError('api_error', 'Bedrock stream ended in the middle of an event-stream frame.');
    }
  } finally {
    if (!finished) closeSource(source, pending);
  }
}

/** Every whole frame the chunk completes, decoded; a framing or CRC failure ends the list with an error. */
function decodeChunk(codec: EventStreamCodec, frames: FrameBuffer, chunk: Uint8Array): SseEvent[] {
  const events: SseEvent[] = [];
  try {
    for (const frame of frames.push(chunk)) events.push(...toSseEvents(codec.decode(frame)));
  } catch (err) {
    events.push(streamError('api_error', `Malformed event stream from Bedrock: ${(err as Error).message}`));
  }
  return events;
}

/**
 * A `chunk` frame's Anthropic event (preceded by Bedrock's invocation metrics, for the usage
 * cross-check, when the chunk carries them), an `error` for exception frames, or `event: ''` for nothing.
 */
function toSseEvents(msg: Message): SseEvent[] {
  const ev = toSseEvent(msg);
  return 'metrics' in ev ? [{ event: BEDROCK_METRICS_EVENT, data: ev.metrics }, ev.event] : [ev];
}

function toSseEvent(msg: Message): SseEvent | { event: SseEvent; metrics: string } {
  const messageType = headerString(msg, ':message-type');
  if (messageType === 'exception') {
    const name = headerString(msg, ':exception-type') ?? 'internalServerException';
    const payload = parseJsonObject(toUtf8(msg.body));
    // modelStreamErrorException carries the model's own failure in originalMessage.
    const text = pickString(payload?.originalMessage) ?? pickString(payload?.message) ?? name;
    return streamError(bedrockErrorKind(name)?.type ?? 'api_error', anthropicWording(text));
  }
  if (messageType === 'error') {
    const code = headerString(msg, ':error-code') ?? 'UnknownError';
    return streamError('api_error', `${headerString(msg, ':error-message') ?? 'Bedrock stream error'} (${code})`);
  }
  if (headerString(msg, ':event-type') !== 'chunk') return { event: '', data: '' };
  const bytes = pickString(parseJsonObject(toUtf8(msg.body))?.bytes);
  if (bytes === undefined) return { event: '', data: '' };
  const data = Buffer.from(bytes, 'base64').toString('utf8');
  const event = parseJsonObject(data);
  const type = pickString(event?.type);
  if (!event || !type) return { event: '', data: '' };
  if (!('amazon-bedrock-invocationMetrics' in event)) return { event: type, data };
  // Anthropic clients never see Bedrock's metrics; usage comes from message_start / message_delta, and
  // the metrics only check it (the relay drops their event).
  const metrics = JSON.stringify(event['amazon-bedrock-invocationMetrics']);
  delete event['amazon-bedrock-invocationMetrics'];
  return { event: { event: type, data: JSON.stringify(event) }, metrics };
}

function streamError(type: string, message: string): SseEvent {
  return { event: 'error', data: JSON.stringify({ type: 'error', error: { type, message } }) };
}

/** Resolves with `p`, or with TIMEOUT after `ms`; the timer never outlives the call. */
async function within<T>(p: Promise<T>, ms: number): Promise<T | typeof TIMEOUT> {
  if (ms <= 0) return TIMEOUT;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<typeof TIMEOUT>((resolve) => (timer = setTimeout(resolve, ms, TIMEOUT)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Tells the source we are done (client gone, or an error event ended the stream). When a `next()` is
 * still outstanding, an async-generator source (Node streams) queues `return()` behind it, so it is not
 * awaited: the transport's abort signal is what unblocks a silent socket.
 */
function closeSource(source: AsyncIterator<Uint8Array>, pending: Promise<unknown> | undefined): void {
  pending?.catch(() => undefined);
  try {
    const done = source.return?.();
    if (done) done.catch(() => undefined);
  } catch {
    // A source that throws while closing has nothing more to give us.
  }
}

/** Splits a byte stream into whole event-stream frames by their big-endian total-length prelude. */
class FrameBuffer {
  private chunks: Uint8Array[] = [];
  private length = 0;

  get pendingBytes(): number {
    return this.length;
  }

  push(chunk: Uint8Array): Uint8Array[] {
    if (chunk.byteLength > 0) {
      this.chunks.push(chunk);
      this.length += chunk.byteLength;
    }
    const frames: Uint8Array[] = [];
    while (this.length >= 4) {
      const prelude = this.chunks[0].byteLength >= 4 ? this.chunks[0] : concat(this.chunks, 4);
      const total = new DataView(prelude.buffer, prelude.byteOffset, 4).getUint32(0);
      if (total < MIN_FRAME || total > MAX_FRAME) throw new Error(`invalid frame length ${total}`);
      if (this.length < total) break;
      frames.push(this.take(total));
    }
    return frames;
  }

  private take(n: number): Uint8Array {
    const first = this.chunks[0];
    let out: Uint8Array;
    if (first.byteLength >= n) {
      out = first.subarray(0, n);
    } else {
      out = concat(this.chunks, n);
    }
    let left = n;
    while (left > 0) {
      const head = this.chunks[0];
      if (head.byteLength <= left) {
        this.chunks.shift();
        left -= head.byteLength;
      } else {
        this.chunks[0] = head.subarray(left);
        left = 0;
      }
    }
    this.length -= n;
    return out;
  }
}

function concat(chunks: Uint8Array[], n: number): Uint8Array {
  const out = new Uint8Array(n);
  let off = 0;
  for (const c of chunks) {
    if (off >= n) break;
    const part = c.subarray(0, n - off);
    out.set(part, off);
    off += part.byteLength;
  }
  return out;
}

function headerString(msg: Message, name: string): string | undefined {
  const h = msg.headers[name];
  return h && h.type === 'string' ? h.value : undefined;
}

function pickString(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
