import type { ServerResponse } from 'node:http';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { errorBody, GatewayError, toGatewayError } from '../../../shared/src/errors';
import type { Logger } from '../../../shared/src/log';
import { errorFields } from '../../../shared/src/log';
import { formatSse } from '../streaming/sse';
import type { RequestRecord } from '../usage/record';

/** Turns body-parser's failures (admin routes) into the error a client can act on. */
export function bodyParserError(err: { type?: string; limit?: number }): GatewayError | undefined {
  if (err.type === 'entity.too.large') {
    return new GatewayError('request_too_large', `Request body is larger than the gateway's limit of ${err.limit} bytes (GATEHOUSE_MAX_BODY_BYTES).`);
  }
  if (err.type === 'encoding.unsupported' || err.type === 'charset.unsupported') {
    return new GatewayError('invalid_request_error', 'Unsupported request encoding: send the body as uncompressed UTF-8 JSON.');
  }
  if (err.type === 'request.aborted') return new GatewayError('invalid_request_error', 'Client aborted the request while sending it.', { status: 499 });
  return undefined;
}

export interface ErrorContext {
  log: Logger;
  requestId?: string;
  /** The model request's record, which learns the status and error type. */
  record?: RequestRecord;
}

/**
 * The one error renderer (STYLE §3): Anthropic-shaped JSON, or an SSE `error` event once a stream has
 * started. Upstream Anthropic-shaped errors are passed through byte for byte.
 */
export function sendError(res: ServerResponse, raw: unknown, { log, requestId, record }: ErrorContext): void {
  const err = bodyParserError(raw as { type?: string }) ?? toGatewayError(raw);
  if (record) {
    record.status = err.status;
    record.errorType = err.type;
    record.outcome ??= err.status === 499 ? 'client_cancel' : record.attempts.length ? 'upstream_error' : err.status >= 500 ? 'gateway_error' : 'rejected';
  }
  if (err.status >= 500 && !err.opts.rawBody) log.error('request failed', { status: err.status, type: err.type, ...errorFields(err.cause ?? err) });
  if (res.headersSent) {
    if (!res.writableEnded) res.end(formatSse('error', JSON.stringify(errorBody(err))));
    return;
  }
  const body = err.opts.rawBody ?? JSON.stringify(errorBody(err, requestId));
  res.writeHead(err.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...(err.opts.retryAfterSeconds ? { 'retry-after': String(Math.ceil(err.opts.retryAfterSeconds)) } : {}),
  });
  res.end(body);
}

/** Express's error middleware for the routes it serves (admin, models, health, 404). */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (raw, _req, res, _next) => {
    sendError(res, raw, { log: (res.locals.log as Logger | undefined) ?? log, requestId: res.locals.requestId as string | undefined });
  };
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new GatewayError('not_found_error', `No route for ${req.method} ${req.path}. Gatehouse serves POST /v1/messages, POST /v1/messages/count_tokens, GET /v1/models and the Vertex rawPredict routes.`));
};
