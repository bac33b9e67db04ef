import type { ServerResponse } from 'node:http';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { errorBody, GatewayError, toGatewayError } from '../../../shared/src/errors';
import type { Logger } from '../../../shared/src/log';
import { errorFields } from '../../../shared/src/log';
import { formatSse } from '../streaming/sse';

interface ErrorContext {
  log: Logger;
  requestId?: string;
}

/**
 * The one error renderer (docs/style.md §3): Anthropic-shaped JSON, or an SSE `error` event once a stream has
 * started. Upstream Anthropic-shaped errors are passed through byte for byte.
 */
export function sendError(res: ServerResponse, raw: unknown, { log, requestId }: ErrorContext): void {
  const err = toGatewayError(raw);
  if (err.status >= 500 && !err.opts.rawBody && !err.opts.reported)
    log.error('request failed', { status: err.status, type: err.type, ...errorFields(err.cause ?? err) });
  if (res.headersSent) {
    if (!res.writableEnded) res.end(formatSse('error', JSON.stringify(errorBody(err))));
    return;
  }
  const body = err.opts.rawBody ?? JSON.stringify(errorBody(err, requestId));
  res.writeHead(err.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...(err.opts.retryAfterSeconds ? { 'retry-after': String(Math.ceil(err.opts.retryAfterSeconds)) } : {}),
    ...err.opts.headers,
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
  next(
    new GatewayError(
      'not_found_error',
      `No route for ${req.method} ${req.path}. Gatehouse serves POST /v1/messages, POST /v1/messages/count_tokens, GET /v1/models and the Vertex rawPredict routes.`,
    ),
  );
};
