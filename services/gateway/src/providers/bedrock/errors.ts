import { retryAfterSecondsOf } from '../upstream-errors';
import { GatewayError, typeForStatus, type ErrorType } from '../../../../shared/src/errors';
import { parseJsonObject } from '../../../../shared/src/json';

type HeaderBag = Record<string, string | string[] | undefined>;

/**
 * Every Bedrock exception we translate, by its HTTP (`x-amzn-errortype`) name. Stream exception frames use
 * the same names in camelCase (`throttlingException`) and are looked up here too. `status` is what the
 * client gets: Bedrock's own status, except that an unavailable service is Anthropic's 529 (which Claude
 * Code backs off on) and the gateway's own rejected credentials are its own fault (500, not Bedrock's 403).
 * `retryable` decides whether routing may retry or fail over (docs/design.md §6.3, docs/style.md §3).
 */
export const BEDROCK_ERRORS: Record<string, { status: number; type: ErrorType; retryable: boolean }> = {
  ValidationException: { status: 400, type: 'invalid_request_error', retryable: false },
  AccessDeniedException: { status: 403, type: 'permission_error', retryable: false },
  ResourceNotFoundException: { status: 404, type: 'not_found_error', retryable: false },
  // The model ran past Bedrock's own limit on this request: the same request would time out again.
  ModelTimeoutException: { status: 408, type: 'timeout_error', retryable: false },
  ModelErrorException: { status: 424, type: 'api_error', retryable: false },
  ModelStreamErrorException: { status: 424, type: 'api_error', retryable: false },
  ThrottlingException: { status: 429, type: 'rate_limit_error', retryable: true },
  ServiceQuotaExceededException: { status: 429, type: 'rate_limit_error', retryable: true },
  InternalServerException: { status: 500, type: 'api_error', retryable: true },
  ServiceUnavailableException: { status: 529, type: 'overloaded_error', retryable: true },
  ModelNotReadyException: { status: 529, type: 'overloaded_error', retryable: true },
  // The gateway's own AWS credentials were rejected: a misconfigured provider, not the client's fault,
  // so not authentication_error (Claude Code would ask its user to log in again).
  UnrecognizedClientException: { status: 500, type: 'api_error', retryable: false },
  InvalidSignatureException: { status: 500, type: 'api_error', retryable: false },
  ExpiredTokenException: { status: 500, type: 'api_error', retryable: false },
  IncompleteSignatureException: { status: 500, type: 'api_error', retryable: false },
  MissingAuthenticationTokenException: { status: 500, type: 'api_error', retryable: false },
};

/** Looks up an exception by name in either spelling (`ThrottlingException`, `throttlingException`). */
export function bedrockErrorKind(name: string): (typeof BEDROCK_ERRORS)[string] | undefined {
  return BEDROCK_ERRORS[name.charAt(0).toUpperCase() + name.slice(1)];
}

/**
 * Bedrock's context-overflow wording, rewritten to Anthropic's so Claude Code recognises it and compacts
 * instead of failing (docs/wire-formats.md §4.2). Anthropic's own wording, which Bedrock sometimes relays, is kept.
 */
export function anthropicWording(message: string): string {
  if (/input is too long for requested model/i.test(message) && !/^prompt is too long/i.test(message)) {
    return `prompt is too long: ${message}`;
  }
  return message;
}

/** A non-2xx InvokeModel answer (`{"message": …}` + `x-amzn-errortype: Name:…`) → the client's error. */
export function bedrockError(status: number, headers: HeaderBag, body: string): GatewayError {
  const json = parseJsonObject(body);
  const name = errorName(headers, json);
  const kind = name ? bedrockErrorKind(name) : undefined;
  const upstream = messageOf(json) ?? (body.trim().slice(0, 500) || undefined);
  const message = anthropicWording(upstream ?? `Bedrock answered HTTP ${status}`);
  const retryAfterSeconds = retryAfterSecondsOf(headers);
  return new GatewayError(kind?.type ?? typeForStatus(status), name ? `${message} (${name})` : message, {
    ...(kind ? { status: kind.status } : {}),
    retryable: kind?.retryable ?? (status === 429 || (status >= 500 && status !== 501)),
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  });
}

function errorName(headers: HeaderBag, json: Record<string, unknown> | undefined): string | undefined {
  // `x-amzn-errortype: ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/`
  const fromHeader = header(headers, 'x-amzn-errortype')?.split(':')[0]?.trim();
  if (fromHeader) return fromHeader;
  // JSON-protocol bodies may carry `__type: "com.amazon.coral.service#ValidationException"` instead.
  const type = json?.__type ?? json?.code;
  if (typeof type === 'string' && type) return type.split('#').pop()!.split(':')[0];
  return undefined;
}

function messageOf(json: Record<string, unknown> | undefined): string | undefined {
  const m = json?.message ?? json?.Message;
  return typeof m === 'string' && m ? m : undefined;
}

function header(headers: HeaderBag, name: string): string | undefined {
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === name) return Array.isArray(v) ? v[0] : v;
  }
  return undefined;
}
