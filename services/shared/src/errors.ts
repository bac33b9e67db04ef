/** One error type and one status table for everything a client can see (docs/design.md §10). */
export const STATUS = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  conflict_error: 409,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
} as const;

export type ErrorType = keyof typeof STATUS;

export interface GatewayErrorOptions {
  /**
   * Whether routing may try again (same or next target): unset means no. A config's status lists only
   * narrow it (docs/design.md §6.3).
   */
  retryable?: boolean;
  cause?: unknown;
  /** Upstream status when it differs from the table (e.g. Vertex 503 rendered as api_error). */
  status?: number;
  /** Seconds the client should wait, rendered as `retry-after`. */
  retryAfterSeconds?: number;
  /** Further response headers (a rate limit's `anthropic-ratelimit-*`). */
  headers?: Record<string, string>;
  /** An upstream error body to pass through byte for byte (Claude Code matches on its wording). */
  rawBody?: string;
  /** Already logged where it was detected (a store outage: once per outage), so not once per request. */
  reported?: boolean;
  /** Set when the gateway stopped waiting for the upstream itself (request_timeout): after this many ms. */
  timedOutAfterMs?: number;
  /**
   * Rendered as `error.details.error_code`, the machine-readable reason Anthropic's API adds to some
   * errors; Claude Code reads it to tell an explained refusal from one it should retry (docs/claude-code.md §4).
   */
  errorCode?: string;
}

export class GatewayError extends Error {
  constructor(
    readonly type: ErrorType,
    message: string,
    readonly opts: GatewayErrorOptions = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'GatewayError';
  }

  get status(): number {
    return this.opts.status ?? STATUS[this.type];
  }

  get retryable(): boolean {
    return this.opts.retryable ?? false;
  }
}

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string; details?: { error_code: string } };
  request_id?: string;
}

export function errorBody(err: GatewayError, requestId?: string): AnthropicErrorBody {
  const details = err.opts.errorCode ? { details: { error_code: err.opts.errorCode } } : {};
  return { type: 'error', error: { type: err.type, message: err.message, ...details }, ...(requestId ? { request_id: requestId } : {}) };
}

/** The error type for an HTTP status, for upstream errors that carry no Anthropic type. */
export function typeForStatus(status: number): ErrorType {
  const exact = (Object.keys(STATUS) as ErrorType[]).find((t) => STATUS[t] === status);
  if (exact) return exact;
  if (status === 408) return 'timeout_error';
  if (status === 422) return 'invalid_request_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

/** Anything thrown becomes a GatewayError; unknown failures are a 500 that does not leak internals. */
export function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  return new GatewayError('api_error', 'Internal gateway error; see the gateway logs for the request id.', { cause: err });
}
