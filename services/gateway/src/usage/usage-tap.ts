import { parseJson } from '../../../shared/src/json';
import { type TokenUsage, ZERO_USAGE } from '../../../shared/src/usage-event';

/** Anthropic's usage object as it appears in messages, `message_start` and `message_delta`. */
export interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation?: { ephemeral_5m_input_tokens?: number | null; ephemeral_1h_input_tokens?: number | null } | null;
  server_tool_use?: { web_search_requests?: number | null } | null;
}

const n = (v: number | null | undefined): number | undefined => (typeof v === 'number' && v >= 0 ? Math.floor(v) : undefined);

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
  const split1h = n(u.cache_creation?.ephemeral_1h_input_tokens);
  const split5m = n(u.cache_creation?.ephemeral_5m_input_tokens);
  if (split1h !== undefined) next.cache_write_1h = split1h;
  if (split5m !== undefined) next.cache_write_5m = split5m;
  const total = n(u.cache_creation_input_tokens);
  if (total !== undefined) {
    next.cache_write_1h = Math.min(next.cache_write_1h, total);
    next.cache_write_5m = total - next.cache_write_1h;
  }
  return next;
}

/** Usage of a non-streaming Message body (or count_tokens answer, which has none). */
export function usageFromMessage(body: unknown): TokenUsage {
  const usage = (body as { usage?: AnthropicUsage } | undefined)?.usage;
  return foldUsage(ZERO_USAGE, usage);
}

/**
 * Taps an Anthropic SSE stream for usage. Only `message_start` and `message_delta` data is parsed;
 * every other event passes untouched.
 */
export class UsageTap {
  usage: TokenUsage = ZERO_USAGE;
  /** The error type of an SSE `error` event, when the upstream sent one. */
  errorType?: string;

  onEvent(event: string, data: string): void {
    if (event === 'message_start') {
      const msg = parseJson(data) as { message?: { usage?: AnthropicUsage } } | undefined;
      this.usage = foldUsage(this.usage, msg?.message?.usage);
    } else if (event === 'message_delta') {
      const delta = parseJson(data) as { usage?: AnthropicUsage } | undefined;
      this.usage = foldUsage(this.usage, delta?.usage);
    } else if (event === 'error') {
      const err = parseJson(data) as { error?: { type?: string } } | undefined;
      this.errorType = err?.error?.type ?? 'api_error';
    }
  }
}
