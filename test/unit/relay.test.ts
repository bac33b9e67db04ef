import type { ServerResponse } from 'node:http';
import { relayStream } from '../../services/gateway/src/streaming/relay';
import { formatSse, parseSse, type SseBatch, type SseEvent } from '../../services/gateway/src/streaming/sse';
import { collect } from '../helpers/iterate';

/** A response that records what is written to it. */
function sink(): { res: ServerResponse; text: () => string } {
  const chunks: string[] = [];
  const res = {
    destroyed: false,
    writableEnded: false,
    write: (c: string) => (chunks.push(c), true),
    end(c?: string) {
      if (c?.length) chunks.push(c);
      res.writableEnded = true;
    },
    on() {},
    off() {},
  };
  return { res: res as unknown as ServerResponse, text: () => chunks.join('') };
}

/** The upstream's batches: one per chunk, each holding the events that chunk completed. */
async function* batches(list: SseEvent[][], fail?: Error): AsyncGenerator<SseBatch> {
  for (const events of list) yield { events };
  if (fail) throw fail;
}

const batch = (events: SseEvent[]): SseBatch => ({ events });

const ev = (event: string, data: Record<string, unknown> = {}): SseEvent => ({ event, data: JSON.stringify({ type: event, ...data }) });
const whole = [ev('message_start', { message: { usage: { input_tokens: 3 } } }), ev('content_block_delta'), ev('vertex_event'), ev('message_stop')];

it('relays a whole stream, drops provider noise and collects what it sent', async () => {
  const { res, text } = sink();
  const r = await relayStream(res, batch(whole.slice(0, 1)), batches([whole.slice(1, 3), whole.slice(3)]), true);
  expect(r.failure).toBeUndefined();
  expect(r.events?.map((e) => e.event)).toEqual(['message_start', 'content_block_delta', 'message_stop']);
  expect(text()).not.toMatch(/vertex_event/);
  expect(r.tap.usage.input).toBe(3);
});

it('ends a stream that closes before message_stop with an SSE error', async () => {
  const { res, text } = sink();
  const r = await relayStream(res, batch(whole.slice(0, 2)), batches([]), true);
  expect(r.failure).toMatch(/before message_stop/);
  expect(r.tap.errorType).toBe('api_error');
  expect(text()).toMatch(
    /event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":"Upstream stream failed: the upstream closed the stream before message_stop"\}\}\n\n$/,
  );
});

it('turns an upstream failure mid-stream into an SSE error', async () => {
  const { res, text } = sink();
  const r = await relayStream(res, batch([whole[0]]), batches([], new Error('other side closed')), false);
  expect(r.failure).toBe('other side closed');
  expect(r.events).toBeUndefined();
  expect(text()).toMatch(/Upstream stream failed: other side closed/);
});

it('adds nothing after an upstream error event', async () => {
  const { res, text } = sink();
  const error = { event: 'error', data: '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}' };
  const r = await relayStream(res, batch([whole[0]]), batches([[error]]), false);
  expect(r.failure).toBeUndefined();
  expect(r.tap.errorType).toBe('overloaded_error');
  expect(text().match(/event: error/g)).toHaveLength(1);
});

it('writes each upstream batch as one chunk, and reads the next only once the client has drained', async () => {
  const { EventEmitter } = await import('node:events');
  const writes: string[] = [];
  const res = Object.assign(new EventEmitter(), {
    destroyed: false,
    writableEnded: false,
    write: (c: string) => (writes.push(c), writes.length > 1),
    end(c: string) {
      writes.push(c);
      res.writableEnded = true;
    },
  });
  let reads = 0;
  const rest: AsyncIterator<SseBatch> = {
    next: async () => (++reads === 1 ? { done: false, value: batch(whole.slice(2)) } : { done: true, value: undefined }),
  };
  const relayed = relayStream(res as unknown as ServerResponse, batch(whole.slice(0, 2)), rest, false);
  await new Promise((r) => setImmediate(r));
  expect(writes).toHaveLength(1);
  expect(writes[0].match(/^event: /gm)).toEqual(['event: ', 'event: ']);
  expect(reads).toBe(0); // the socket is full: nothing more is read from the upstream
  res.emit('drain');
  const r = await relayed;
  expect(reads).toBe(2); // the last batch ended the response; the upstream was still read to its end
  expect(writes).toHaveLength(2);
  expect(writes[1]).toBe('event: message_stop\ndata: {"type":"message_stop"}\n\n');
  expect(r.failure).toBeUndefined();
});

const sse = (e: SseEvent) => formatSse(e.event, e.data);

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield Buffer.from(p);
}

describe('parseSse', () => {
  const [a, b, c] = [whole[0], whole[1], whole[3]];

  it('yields the events of each chunk as one batch, with the chunk when it holds them whole', async () => {
    const got = await collect(parseSse(chunks(sse(a) + sse(b), sse(c))));
    expect(got.map((x) => x.events.map((e) => e.event))).toEqual([['message_start', 'content_block_delta'], ['message_stop']]);
    expect(got.map((x) => Buffer.from(x.raw!).toString())).toEqual([sse(a) + sse(b), sse(c)]);
  });

  it('gives no bytes for a chunk that starts or ends inside an event', async () => {
    const text = sse(a) + sse(b);
    const got = await collect(parseSse(chunks(text.slice(0, text.length - 10), text.slice(-10) + sse(c), sse(c))));
    expect(got.map((x) => x.events.map((e) => e.event))).toEqual([['message_start'], ['content_block_delta', 'message_stop'], ['message_stop']]);
    expect(got.map((x) => x.raw !== undefined)).toEqual([false, false, true]);
  });

  it('keeps a character whose bytes arrive in two chunks', async () => {
    const event = { event: 'content_block_delta', data: '{"delta":{"text":"naïve € 😀"}}' };
    const bytes = Buffer.from(sse(event));
    const cut = bytes.indexOf(Buffer.from('€')) + 1; // inside the euro sign's three bytes
    async function* split(): AsyncGenerator<Uint8Array> {
      yield bytes.subarray(0, cut);
      yield bytes.subarray(cut);
    }
    const got = await collect(parseSse(split()));
    expect(got.flatMap((x) => x.events)).toEqual([event]);
  });

  it('relays whole chunks byte for byte, and re-frames those that drop an event', async () => {
    const { res, text } = sink();
    const upstream = [sse(a) + sse(b), sse(whole[2]) + sse(c)];
    const it = parseSse(chunks(...upstream));
    const first = (await it.next()).value as SseBatch;
    await relayStream(res, first, it, false);
    expect(text()).toBe(upstream[0] + sse(c));
  });
});

it('ends the response with the batch that holds message_stop, then reads the upstream to its end', async () => {
  const { res, text } = sink();
  let reads = 0;
  const rest: AsyncIterator<SseBatch> = {
    next: async () => {
      reads++;
      if (reads === 1) return { done: false, value: batch(whole.slice(1)) };
      if (reads === 2) throw new Error('connection reset after the answer was complete');
      return { done: true, value: undefined };
    },
  };
  const r = await relayStream(res, batch(whole.slice(0, 1)), rest, false);
  expect(res.writableEnded).toBe(true);
  expect(text()).toMatch(/event: message_stop\ndata: \{"type":"message_stop"\}\n\n$/);
  expect(r.failure).toBeUndefined(); // a failure after the whole answer changes nothing for the client
  expect(reads).toBe(2);
});
