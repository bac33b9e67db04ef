/**
 * Behaviour scripting shared by every fake upstream (docs/style.md §8): a fake behaves according to the model
 * name it is asked for, matched as a substring so that provider forms work too
 * (`error-429@20250101` on Vertex, `us.anthropic.error-429-v1:0` on Bedrock). `fake.enqueue(b)`
 * overrides the name rule for the next call of that fake.
 */
import type { FakeBase } from './http-fake';

export type Behaviour =
  /** Text-only answer, `end_turn`: a Message, or a short SSE stream (with one ping). Unknown names do this. */
  | { kind: 'ok'; usage?: UsageScript }
  /** Text block + tool_use block (input_json_delta), `tool_use` stop: the realistic multi-event stream. */
  | { kind: 'stream'; usage?: UsageScript }
  /** 429. Vertex: Google envelope, `form` picks object or array. `retryAfter` seconds (Anthropic always sends one). */
  | { kind: 'error-429'; form?: 'object' | 'array'; retryAfter?: number }
  | { kind: 'error-500' }
  /** Anthropic 529 overloaded_error (Bedrock has no 529: it answers 503 ServiceUnavailableException). */
  | { kind: 'error-529' }
  /** First byte (status line included) only after `ms`; then `ok`. */
  | { kind: 'slow'; ms: number }
  /** Streams `ok`, pausing `ms` between the first content_block_start and the next event. */
  | { kind: 'slow-gap'; ms: number }
  /** HTTP 200 and message_start (non-streaming: half the JSON), then the socket is destroyed. */
  | { kind: 'cut-after-start' }
  /** message_start, then a mid-stream error (SSE `event: error` overloaded_error; Bedrock exception frame). */
  | { kind: 'stream-exception' }
  /** The socket is destroyed before any response byte. */
  | { kind: 'reset' }
  /** 400 naming the request's first beta (header, or Bedrock body `anthropic_beta`); `ok` when there is none. */
  | { kind: 'bad-beta' }
  /** 400 about an invalid thinking `signature` while an assistant turn holds a thinking block; `ok` once none does. */
  | { kind: 'bad-signature' }
  /** The first `n` calls for this model name on this fake answer `error-500`, later ones `ok`. */
  | { kind: 'flaky'; n: number };

/** What an `ok` / `stream` answer reports instead of FAKE_USAGE (pricing tests' worked examples). */
export interface UsageScript {
  /** The Message's whole `usage`; a stream's `message_start` carries it with `output_tokens: FAKE_START_OUTPUT_TOKENS` and without `iterations`. */
  usage: Record<string, unknown>;
  /** A stream's final cumulative `message_delta` usage; default: the usage's counts and iterations. */
  delta?: Record<string, unknown>;
  /** Streams: after this many events, send only pings until the client goes away (a cancelled stream). */
  holdAfter?: number;
  /** Bedrock streams: `amazon-bedrock-invocationMetrics` instead of FAKE_BEDROCK_METRICS. */
  metrics?: Record<string, unknown>;
}

/** A behaviour object, or a model-name-like keyword (`'error-429-array'`, `'slow-200'`, `'flaky-2'`). */
export type BehaviourSpec = Behaviour | string;

/** An upstream fake: the shared base plus the scripted queue. */
export interface Fake extends FakeBase {
  /** The next call of this fake behaves as `b`, whatever its model name; queued calls are used in order. */
  enqueue(b: BehaviourSpec): void;
}

/**
 * Usage every successful answer reports, on every fake. Streams report it in `message_start` with
 * `output_tokens: FAKE_START_OUTPUT_TOKENS`, and the final (cumulative, never to be summed)
 * `message_delta` repeats the input/cache counts and carries `output_tokens: 42`.
 * Total input = 25 + 30 + 100 = 155; cache writes 5m 20 + 1h 10 = 30.
 */
export const FAKE_USAGE = {
  input_tokens: 25,
  output_tokens: 42,
  cache_creation_input_tokens: 30,
  cache_read_input_tokens: 100,
  cache_creation: { ephemeral_5m_input_tokens: 20, ephemeral_1h_input_tokens: 10 },
} as const;
/** FAKE_USAGE as a usage event counts it (services/shared/src/usage-event.ts). */
export const FAKE_TOKEN_USAGE = {
  input: FAKE_USAGE.input_tokens,
  output: FAKE_USAGE.output_tokens,
  cache_write_5m: FAKE_USAGE.cache_creation.ephemeral_5m_input_tokens,
  cache_write_1h: FAKE_USAGE.cache_creation.ephemeral_1h_input_tokens,
  cache_read: FAKE_USAGE.cache_read_input_tokens,
  web_search_requests: 0,
} as const;

/** What FAKE_USAGE costs on claude-sonnet-4-5 or 4-6 (one price) without a regional premium: $3 in, $15 out, 5m write 3.75, 1h write 6, read 0.30 per MTok. */
export const SONNET_COST_MICROS = Math.round(
  FAKE_TOKEN_USAGE.input * 3 +
    FAKE_TOKEN_USAGE.output * 15 +
    FAKE_TOKEN_USAGE.cache_write_5m * 3.75 +
    FAKE_TOKEN_USAGE.cache_write_1h * 6 +
    FAKE_TOKEN_USAGE.cache_read * 0.3,
);
/** `output_tokens` in `message_start`: a gateway that adds it to the final delta's 42 reports 43. */
export const FAKE_START_OUTPUT_TOKENS = 1;
/** The tool call in the `stream` answer; its input arrives as two `input_json_delta` fragments. */
export const FAKE_TOOL = { name: 'get_weather', input: { location: 'San Francisco, CA' } } as const;

/** The text of every answer: `Hello from fake-vertex` / `fake-anthropic` / `fake-bedrock`. */
export function fakeAnswerText(label: FakeLabel): string {
  return `Hello from ${label}`;
}
export type FakeLabel = 'fake-vertex' | 'fake-anthropic' | 'fake-bedrock';

export const DEFAULT_SLOW_MS = 1000;
/** The `retry-after` (seconds) sent with 429s by the Anthropic fake unless the behaviour names one. */
export const FAKE_RETRY_AFTER_SECONDS = 1;

/** Rules in match order: more specific names first (`error-429-array` before `error-429`, `slow-gap-` before `slow`). */
const RULES: [RegExp, (m: RegExpExecArray) => Behaviour][] = [
  [/error-429-array/, () => ({ kind: 'error-429', form: 'array' })],
  [/error-429/, () => ({ kind: 'error-429', form: 'object' })],
  [/error-500/, () => ({ kind: 'error-500' })],
  [/error-529/, () => ({ kind: 'error-529' })],
  [/slow-gap-(\d+)/, (m) => ({ kind: 'slow-gap', ms: Number(m[1]) })],
  [/slow(?:-(\d+))?/, (m) => ({ kind: 'slow', ms: m[1] ? Number(m[1]) : DEFAULT_SLOW_MS })],
  [/cut-after-start/, () => ({ kind: 'cut-after-start' })],
  [/flaky-(\d+)/, (m) => ({ kind: 'flaky', n: Number(m[1]) })],
  [/(?:^|[^a-z])reset(?:[^a-z]|$)/, () => ({ kind: 'reset' })],
  [/bad-beta/, () => ({ kind: 'bad-beta' })],
  [/bad-signature/, () => ({ kind: 'bad-signature' })],
  [/stream-exception/, () => ({ kind: 'stream-exception' })],
  [/stream/, () => ({ kind: 'stream' })],
];

/** The behaviour a model name asks for; anything unrecognised (real model IDs included) is `ok`. */
export function parseBehaviour(model: string): Behaviour {
  const name = model.toLowerCase();
  for (const [re, make] of RULES) {
    const m = re.exec(name);
    if (m) return make(m);
  }
  return { kind: 'ok' };
}

export interface Script {
  enqueue(b: BehaviourSpec): void;
  /** The behaviour for one call: queued first, else by name; `flaky` is resolved to `error-500` or `ok`. */
  next(model: string): Exclude<Behaviour, { kind: 'flaky' }>;
  reset(): void;
}

/** Per-fake script state: the explicit queue and the flaky counters (keyed by the model string as received). */
export function createScript(): Script {
  const queue: Behaviour[] = [];
  const seen = new Map<string, number>();
  return {
    enqueue(b) {
      queue.push(typeof b === 'string' ? parseBehaviour(b) : b);
    },
    next(model) {
      const b = queue.shift() ?? parseBehaviour(model);
      if (b.kind !== 'flaky') return b;
      const count = (seen.get(model) ?? 0) + 1;
      seen.set(model, count);
      return count <= b.n ? { kind: 'error-500' } : { kind: 'ok' };
    },
    reset() {
      queue.length = 0;
      seen.clear();
    },
  };
}

/**
 * Deterministic token count for count-tokens routes: ceil(JSON.stringify(messages).length / 4).
 * Tests compute the expected value with this same function.
 */
export function fakeCountTokens(body: unknown): number {
  const messages = (body as { messages?: unknown } | undefined)?.messages ?? [];
  return Math.ceil(JSON.stringify(messages).length / 4);
}

/** The Anthropic API's wording for a thinking block signed by another provider (docs/design.md §6.3). */
export const INVALID_SIGNATURE_MESSAGE = 'messages.1.content.0: Invalid `signature` in `thinking` block';

/** Whether a request body still carries a thinking block in an assistant turn (what `bad-signature` refuses). */
export function hasThinkingTurn(body: unknown): boolean {
  const messages = (body as { messages?: unknown } | undefined)?.messages;
  return (
    Array.isArray(messages) &&
    messages.some(
      (m) =>
        m?.role === 'assistant' &&
        Array.isArray(m.content) &&
        m.content.some((b: { type?: string }) => b?.type === 'thinking' || b?.type === 'redacted_thinking'),
    )
  );
}
