/**
 * The successful answers the fakes give, as an Anthropic Message or as the Anthropic stream events
 * (docs/wire-formats.md §5.2). Each fake frames them its own way (SSE, or AWS event-stream on Bedrock).
 */
import type { ServerResponse } from 'node:http';
import { FAKE_START_OUTPUT_TOKENS, FAKE_TOOL, FAKE_USAGE, fakeAnswerText, type Behaviour, type FakeLabel, type UsageScript } from './script';

export interface AnswerEvent {
  event: string;
  data: Record<string, unknown>;
}

export interface Answer {
  /** `ok`: one text block, `end_turn`. `stream`: text block + tool_use block, `tool_use`. */
  shape: 'ok' | 'stream';
  label: FakeLabel;
  /** The `model` the upstream reports (Vertex: hyphen form). */
  model: string;
  messageId: string;
  toolId: string;
  /** Usage to report instead of FAKE_USAGE. */
  script?: UsageScript;
}

/** The usage script of an `ok` / `stream` behaviour, if it has one. */
export function usageScriptOf(b: Behaviour): UsageScript | undefined {
  return b.kind === 'ok' || b.kind === 'stream' ? b.usage : undefined;
}

export interface Ids {
  message(): string;
  request(): string;
  tool(): string;
}

/** Deterministic, counter-based IDs in the provider's flavour (`msg_vrtx_01…`, `req_vrtx_011…`, `toolu_bdrk_01…`). */
export function createIds(flavour: '' | 'vrtx_' | 'bdrk_'): Ids {
  let n = 0;
  const next = () => String(++n).padStart(16, '0');
  return {
    message: () => `msg_${flavour}01Fake${next()}`,
    request: () => `req_${flavour}011Fake${next()}`,
    tool: () => `toolu_${flavour}01Fake${next()}`,
  };
}

const TEXT_PIECES = (label: FakeLabel) => ['Hello', ' from ', label];
const TOOL_JSON_PIECES = ['', '{"location": "San Fra', 'ncisco, CA"}'];

export function answerMessage(a: Answer): Record<string, unknown> {
  const content: Record<string, unknown>[] = [{ type: 'text', text: fakeAnswerText(a.label) }];
  if (a.shape === 'stream') content.push({ type: 'tool_use', id: a.toolId, name: FAKE_TOOL.name, input: FAKE_TOOL.input });
  return {
    id: a.messageId,
    type: 'message',
    role: 'assistant',
    model: a.model,
    content,
    stop_reason: a.shape === 'stream' ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: structuredClone(a.script?.usage ?? FAKE_USAGE),
  };
}

export function answerEvents(a: Answer): AnswerEvent[] {
  const whole = structuredClone(a.script?.usage ?? FAKE_USAGE) as Record<string, unknown>;
  const { output_tokens: _final, iterations: _iterations, ...startUsage } = whole;
  const ev = (event: string, data: Record<string, unknown> = {}): AnswerEvent => ({ event, data: { type: event, ...data } });
  const events: AnswerEvent[] = [
    ev('message_start', {
      message: {
        id: a.messageId,
        type: 'message',
        role: 'assistant',
        model: a.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...startUsage, output_tokens: FAKE_START_OUTPUT_TOKENS },
      },
    }),
    ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    ev('ping'),
    ...TEXT_PIECES(a.label).map((text) => ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text } })),
    ev('content_block_stop', { index: 0 }),
  ];
  if (a.shape === 'stream') {
    events.push(
      ev('content_block_start', { index: 1, content_block: { type: 'tool_use', id: a.toolId, name: FAKE_TOOL.name, input: {} } }),
      ...TOOL_JSON_PIECES.map((partial_json) => ev('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json } })),
      ev('content_block_stop', { index: 1 }),
    );
  }
  events.push(
    ev('message_delta', {
      delta: { stop_reason: a.shape === 'stream' ? 'tool_use' : 'end_turn', stop_sequence: null },
      // Cumulative totals, as the Anthropic API sends them: overwrite, never add.
      usage: a.script?.delta ?? {
        input_tokens: whole.input_tokens,
        cache_creation_input_tokens: whole.cache_creation_input_tokens,
        cache_read_input_tokens: whole.cache_read_input_tokens,
        output_tokens: whole.output_tokens,
        ...(whole.iterations ? { iterations: whole.iterations } : {}),
      },
    }),
    ev('message_stop'),
  );
  return events;
}

/** Where a stream is written: SSE text on Vertex/Anthropic, event-stream frames on Bedrock. */
export interface StreamSink {
  /** Resolves false once the client has gone (stop playing). */
  write(e: AnswerEvent): Promise<boolean>;
  /** Sends the provider's mid-stream error and ends the response. */
  fail(): Promise<void>;
  end(): void;
  sleep(ms: number): Promise<void>;
}

/** Plays `events` into `sink`, applying the stream-shaping behaviours. */
export async function playStream(events: AnswerEvent[], b: Behaviour, sink: StreamSink, cut: () => void): Promise<void> {
  if (b.kind === 'cut-after-start' || b.kind === 'stream-exception') {
    if (!(await sink.write(events[0]))) return;
    if (b.kind === 'stream-exception') return sink.fail();
    await sink.sleep(20); // let message_start reach the client before the connection dies
    return cut();
  }
  const hold = usageScriptOf(b)?.holdAfter;
  for (const [i, e] of events.entries()) {
    if (i === hold) {
      // A stream the client will cancel: keep the connection alive until it goes.
      while (await sink.write({ event: 'ping', data: { type: 'ping' } })) await sink.sleep(50);
      return;
    }
    if (!(await sink.write(e))) return;
    if (b.kind === 'slow-gap' && e.event === 'content_block_start' && e.data.index === 0) await sink.sleep(b.ms);
  }
  sink.end();
}

/** `event: …\ndata: …\n\n`; a ping's data is byte-exact what the Anthropic API sends. */
export function sseText(e: AnswerEvent): string {
  const data = e.event === 'ping' ? '{"type": "ping"}' : JSON.stringify(e.data);
  return `event: ${e.event}\ndata: ${data}\n\n`;
}

export const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };

/** Writes SSE to `res`. `input_json_delta` events are split over two writes, so parsers meet a torn event. */
export function sseSink(res: ServerResponse, sleep: (ms: number) => Promise<void>): StreamSink {
  const write = (text: string) =>
    new Promise<boolean>((resolve) => {
      if (res.destroyed) return resolve(false);
      res.write(text, (err) => resolve(!err));
    });
  return {
    async write(e) {
      const text = sseText(e);
      if ((e.data.delta as { type?: string } | undefined)?.type !== 'input_json_delta') return write(text);
      const half = Math.floor(text.length / 2);
      if (!(await write(text.slice(0, half)))) return false;
      await new Promise((r) => setImmediate(r));
      return write(text.slice(half));
    },
    async fail() {
      await write(sseText(OVERLOADED_EVENT));
      res.end();
    },
    end: () => res.end(),
    sleep,
  };
}

/** The mid-stream error Anthropic (and so Vertex) sends after HTTP 200. */
export const OVERLOADED_EVENT: AnswerEvent = {
  event: 'error',
  data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
};

/** `{"type":"error","error":{type,message},"request_id"}` — the envelope of the Anthropic API, and of Vertex model errors. */
export function anthropicError(type: string, message: string, requestId: string): Record<string, unknown> {
  return { type: 'error', error: { type, message }, request_id: requestId };
}

/** The wording the Anthropic API and Vertex use for a rejected beta (Claude Code and gateways match on it). */
export function badBetaMessage(beta: string): string {
  return `Unexpected value(s) \`${beta}\` for the \`anthropic-beta\` header. Please consult our documentation at docs.anthropic.com or try again without the header.`;
}

/** Non-streaming `cut-after-start`: promise the whole body, send half, then drop the connection. */
export function cutJson(res: ServerResponse, body: unknown, sleep: (ms: number) => Promise<void>, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.write(text.slice(0, Math.floor(text.length / 2)), () => void sleep(20).then(() => res.destroy()));
}
