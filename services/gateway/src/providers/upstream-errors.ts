import { GatewayError, STATUS, type ErrorType, typeForStatus } from '../../../shared/src/errors';
import { parseJson } from '../../../shared/src/json';
import { retryAfterMs } from '../routing/retry';

/**
 * Upstream error bodies come in two envelopes: Anthropic's (passed through byte for byte, since
 * Claude Code matches on its wording) and Google's `{"error":{code,message,status}}`, sometimes
 * wrapped in an array (docs/wire-formats.md §1.5), which is translated.
 */
export function upstreamError(provider: string, status: number, headers: Record<string, string | string[] | undefined>, body: string): GatewayError {
  const retryAfterSeconds = retryAfterSecondsOf(headers);
  const retryable = status === 408 || status === 429 || status >= 500;
  const parsed = parseJson(body);
  const anthropic = parsed as { type?: string; error?: { type?: string; message?: string } } | undefined;
  if (anthropic?.type === 'error' && anthropic.error?.type && typeof anthropic.error.message === 'string') {
    const type = anthropic.error.type in STATUS ? (anthropic.error.type as ErrorType) : typeForStatus(status);
    return new GatewayError(type, anthropic.error.message, { status, retryable, rawBody: body, retryAfterSeconds });
  }
  const google = (Array.isArray(parsed) ? parsed[0] : parsed) as { error?: { code?: number; message?: string; status?: string } } | undefined;
  if (google?.error && typeof google.error.message === 'string') {
    const type = typeForStatus(status);
    const label = google.error.status ? ` (${google.error.status})` : '';
    return new GatewayError(type, `${provider}${label}: ${google.error.message}`, {
      status: type === 'api_error' ? status : undefined,
      retryable,
      retryAfterSeconds,
    });
  }
  const text = body.trim().slice(0, 500) || 'no body';
  return new GatewayError(typeForStatus(status), `${provider} answered HTTP ${status}: ${text}`, {
    status: status >= 500 && status !== 529 ? status : undefined,
    retryable,
    retryAfterSeconds,
  });
}

/** The wait an upstream asked for: `retry-after-ms`, or `retry-after` in seconds or as an HTTP date. */
export function retryAfterSecondsOf(headers: Record<string, string | string[] | undefined>, now = Date.now()): number | undefined {
  const ms = retryAfterMs({ retryAfterHeader: first(headers['retry-after']), retryAfterMsHeader: first(headers['retry-after-ms']), now });
  return ms !== undefined && ms > 0 ? ms / 1000 : undefined;
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
