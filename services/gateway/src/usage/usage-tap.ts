import { parseJson } from '../../../shared/src/json';
import { type IterationUsage, type TokenUsage, ZERO_USAGE } from '../../../shared/src/usage-event';

const n = (v: number | null | undefined): number | undefined => (typeof v === 'number' && v >= 0 ? Math.floor(v) : undefined);

interface AnthropicTokens {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation?: { ephemeral_5m_input_tokens?: number | null; ephemeral_1h_input_tokens?: number | null } | null;
}

/** Anthropic's usage object as it appears in messages, `message_start` and `message_delta`. */
export interface AnthropicUsage extends AnthropicTokens {
  server_tool_use?: { web_search_requests?: number | null } | null;
  speed?: string | null;
  inference_geo?: string | null;
  iterations?: Array<AnthropicTokens & { type?: string; model?: string }> | null;
}

// Sampling iterations the top-level fields already count (Anthropic API reference, Usage.iterations); every
// other type (compaction, advisor) is billed on top of them.
const IN_TOP_LEVEL = new Set(['message', 'fallback_message']);

/** The 5m/1h split of a cache-write total: the split the API gives, the rest of the total at 5 minutes. */
function cacheWrites(u: AnthropicTokens, prev: { cache_write_5m: number; cache_write_1h: number }) {
  let w1h = n(u.cache_creation?.ephemeral_1h_input_tokens) ?? prev.cache_write_1h;
  let w5m = n(u.cache_creation?.ephemeral_5m_input_tokens) ?? prev.cache_write_5m;
  const total = n(u.cache_creation_input_tokens);
  if (total !== undefined) {
    w1h = Math.min(w1h, total);
    w5m = total - w1h;
  }
  return { cache_write_5m: w5m, cache_write_1h: w1h };
}

function iterationsOf(list: AnthropicUsage['iterations']): IterationUsage[] | undefined {
  if (!Array.isArray(list)) return undefined;
  const out: IterationUsage[] = [];
  for (const it of list) {
    if (!it || typeof it.type !== 'string' || IN_TOP_LEVEL.has(it.type)) continue;
    out.push({
      type: it.type,
      ...(typeof it.model === 'string' ? { model: it.model } : {}),
      input: n(it.input_tokens) ?? 0,
      output: n(it.output_tokens) ?? 0,
      ...cacheWrites(it, { cache_write_5m: 0, cache_write_1h: 0 }),
      cache_read: n(it.cache_read_input_tokens) ?? 0,
    });
  }
  return out;
}

/**
 * Folds one usage object into the running totals. Every count Anthropic reports is cumulative for the
 * whole message, so a present value overwrites and is never added (docs/wire-formats.md §5.3). The 5m/1h split
 * of cache writes only appears in `message_start`; when a later total disagrees with the split, the
 * remainder is billed at the 5-minute rate.
 */
export function foldUsage(current: TokenUsage, u: AnthropicUsage | undefined | null): TokenUsage {
  if (!u) return current;
  const next = { ...current };
  next.input = n(u.input_tokens) ?? next.input;
  next.output = n(u.output_tokens) ?? next.output;
  next.cache_read = n(u.cache_read_input_tokens) ?? next.cache_read;
  next.web_search_requests = n(u.server_tool_use?.web_search_requests) ?? next.web_search_requests;
  Object.assign(next, cacheWrites(u, next));
  if (typeof u.speed === 'string') next.speed = u.speed;
  if (typeof u.inference_geo === 'string') next.inference_geo = u.inference_geo;
  const iterations = iterationsOf(u.iterations);
  if (iterations?.length) next.iterations = iterations;
  return next;
}

/** Usage of a non-streaming Message body (or count_tokens answer, which has none). */
export function usageFromMessage(body: unknown): TokenUsage {
  const usage = (body as { usage?: AnthropicUsage } | undefined)?.usage;
  return foldUsage(ZERO_USAGE, usage);
}

/** The event Bedrock's decoder emits for `amazon-bedrock-invocationMetrics` (never relayed). */
export const BEDROCK_METRICS_EVENT = 'bedrock_invocation_metrics';

export interface BedrockMetrics {
  inputTokenCount?: number;
  outputTokenCount?: number;
  cacheReadInputTokenCount?: number;
  cacheWriteInputTokenCount?: number;
}

// `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":""}}`: what a delta
// carries besides its text, and the usual characters per token of English text and code.
const DELTA_ENVELOPE_CHARS = 80;
const CHARS_PER_TOKEN = 4;

/**
 * Taps an Anthropic SSE stream for usage. Only `message_start` and `message_delta` data is parsed;
 * content deltas are only measured (their length), for the estimate a cancelled stream needs.
 */
export class UsageTap {
  usage: TokenUsage = ZERO_USAGE;
  /** The error type of an SSE `error` event, when the upstream sent one. */
  errorType?: string;
  bedrockMetrics?: BedrockMetrics;
  /** Content deltas relayed since the last cumulative output count, and their characters. */
  private deltasSinceCount = 0;
  private charsSinceCount = 0;

  onEvent(event: string, data: string): void {
    if (event === 'content_block_delta') {
      this.deltasSinceCount++;
      this.charsSinceCount += data.length;
    } else if (event === 'message_start') {
      const msg = parseJson(data) as { message?: { usage?: AnthropicUsage } } | undefined;
      this.fold(msg?.message?.usage);
    } else if (event === 'message_delta') {
      const delta = parseJson(data) as { usage?: AnthropicUsage } | undefined;
      this.fold(delta?.usage);
    } else if (event === BEDROCK_METRICS_EVENT) {
      this.bedrockMetrics = parseJson(data) as BedrockMetrics | undefined;
    } else if (event === 'error') {
      const err = parseJson(data) as { error?: { type?: string } } | undefined;
      this.errorType = err?.error?.type ?? 'api_error';
    }
  }

  /**
   * Output tokens relayed after the last cumulative count the upstream sent, estimated from the text
   * of the content deltas (about four characters a token, JSON escapes counted): what a client that
   * went away mid-stream received, and the provider billed, but no usage event reported.
   */
  outputSinceLastCount(): number {
    const text = this.charsSinceCount - this.deltasSinceCount * DELTA_ENVELOPE_CHARS;
    return text > 0 ? Math.ceil(text / CHARS_PER_TOKEN) : 0;
  }

  private fold(u: AnthropicUsage | undefined): void {
    this.usage = foldUsage(this.usage, u);
    if (n(u?.output_tokens) !== undefined) this.deltasSinceCount = this.charsSinceCount = 0;
  }
}
