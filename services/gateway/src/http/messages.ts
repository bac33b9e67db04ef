import express, { type Request, type RequestHandler, type Response, Router } from 'express';
import { GatewayError } from '../../../shared/src/errors';
import { traceResource } from '../../../shared/src/log';
import type { UsageEvent } from '../../../shared/src/usage-event';
import { type Caller, callerFor, checkCallerModel } from '../auth/caller';
import { keyFromHeaders } from '../auth/keys';
import type { GatewayDeps } from '../deps';
import { mergeMetadata, parseMetadataHeader } from '../policy/metadata';
import { execute } from '../proxy/execute';
import { RequestBody } from '../proxy/request-body';
import { resolvePlan } from '../proxy/resolve';
import type { InboundRequest } from '../providers/types';
import { RequestRecord } from '../usage/record';
import { emitUsage } from '../usage/emit';
import { clientHeaders, gatehouseHeader, header } from './request-context';

type Route = UsageEvent['route'];

/** Claude model names, Vertex `@date` and Bedrock ids and ARNs all fit; spaces and control characters do not. */
const MODEL_NAME = /^[\x21-\x7e]{1,256}$/;

/** Vertex-shaped paths Claude Code sends in Vertex mode, with or without the `/v1` prefix. */
const VERTEX_PREDICT = /^\/(?:v1\/)?projects\/([^/]+)\/locations\/([^/]+)\/publishers\/anthropic\/models\/([^/:]+):(rawPredict|streamRawPredict)$/;

export function messageRoutes(deps: GatewayDeps): Router {
  const r = Router();
  // The key is checked before the body is read: nobody without one can make the gateway buffer 32 MiB.
  const body = express.raw({ type: () => true, limit: deps.env.GATEHOUSE_MAX_BODY_BYTES });
  r.post('/v1/messages', begin(deps, () => 'messages'), body, serve(deps, (req, b) => inboundRequest(req, b, 'messages')));
  r.post('/v1/messages/count_tokens', begin(deps, () => 'count_tokens'), body, serve(deps, (req, b) => inboundRequest(req, b, 'count_tokens')));
  const vertexModel = (req: Request) => {
    const raw = VERTEX_PREDICT.exec(req.path)![3];
    try {
      return decodeURIComponent(raw);
    } catch {
      return raw; // malformed %-escapes: the model check answers 400
    }
  };
  r.post(
    VERTEX_PREDICT,
    begin(deps, (req) => (vertexModel(req) === 'count-tokens' ? 'vertex_count_tokens' : 'vertex_predict')),
    body,
    serve(deps, (req, b) => {
      // Vertex-format bodies carry `anthropic_version`, which each provider sets (or must not see) itself.
      const vertexBody = b.without(['anthropic_version']);
      const model = vertexModel(req);
      if (model === 'count-tokens') return inboundRequest(req, vertexBody, 'count_tokens');
      return inboundRequest(req, vertexBody, 'messages', { model, stream: VERTEX_PREDICT.exec(req.path)![4] === 'streamRawPredict' });
    }),
  );
  return r;
}

function inboundRequest(req: Request, body: RequestBody, op: InboundRequest['op'], fromUrl?: { model: string; stream: boolean }): InboundRequest {
  const model = fromUrl?.model ?? body.value('model');
  if (typeof model !== 'string' || !model.trim()) {
    throw new GatewayError('invalid_request_error', 'model: field required (a Claude model name such as "claude-sonnet-4-5").');
  }
  if (!MODEL_NAME.test(model)) {
    throw new GatewayError('invalid_request_error', 'model: at most 256 printable characters, no spaces (a Claude model name such as "claude-sonnet-4-5").');
  }
  return {
    op,
    model,
    body,
    stream: op === 'messages' && (fromUrl?.stream ?? body.value('stream') === true),
    betas: splitBetas(header(req, 'anthropic-beta')),
    anthropicVersion: header(req, 'anthropic-version') ?? '2023-06-01',
    forwardHeaders: clientHeaders(req),
  };
}

function splitBetas(v: string | undefined): string[] {
  return v ? v.split(',').map((s) => s.trim()).filter(Boolean) : [];
}

/** One model request as it is served: its record, its caller, and the client's disconnect. */
interface Exchange {
  record: RequestRecord;
  caller?: Caller;
  clientSignal: AbortSignal;
  baseHeaders: Record<string, string>;
  /** Runs the handler; the usage event waits for it (see `begin`). */
  run(fn: () => Promise<void>): Promise<void>;
}

/**
 * Opens the request's record (so that every outcome, a rejected key or an oversize body included,
 * yields exactly one usage event) and authenticates the caller. The event goes out when the response
 * is over and no handler is still recording: a client that disconnects mid-stream closes the response
 * before the relay has finished counting.
 */
function begin(deps: GatewayDeps, routeOf: (req: Request) => Route): RequestHandler {
  return async (req, res, next) => {
    const requestId = `req_gth_${deps.newId()}`;
    const traceId = gatehouseHeader(req, 'trace-id') ?? deps.newId();
    const record = new RequestRecord(requestId, traceId, header(req, 'x-claude-code-session-id'), routeOf(req), deps.now());
    const baseHeaders = { 'x-gatehouse-request-id': requestId, 'x-gatehouse-trace-id': traceId };
    res.locals.requestId = requestId;
    res.locals.record = record;
    res.locals.log = deps.log.child({ requestId, trace: traceResource(deps.env.GOOGLE_CLOUD_PROJECT, traceId) });
    res.set(baseHeaders);
    const ac = new AbortController();
    let running = false;
    let closed = false;
    const emit = () => emitUsage(deps, record, res.locals.log, req);
    const exchange: Exchange = {
      record,
      clientSignal: ac.signal,
      baseHeaders,
      async run(fn) {
        running = true;
        try {
          await fn();
        } finally {
          running = false;
          if (closed) emit();
        }
      },
    };
    res.locals.exchange = exchange;
    res.once('close', () => {
      if (!res.writableFinished) ac.abort();
      closed = true;
      if (!running) emit();
    });
    record.key = await deps.keys.authenticate(keyFromHeaders(req.headers));
    exchange.caller = callerFor(deps, record.key);
    next();
  };
}

function serve(deps: GatewayDeps, toInbound: (req: Request, b: RequestBody) => InboundRequest): RequestHandler {
  return (req, res) => {
    const exchange = res.locals.exchange as Exchange;
    return exchange.run(() => handle(deps, req, res, exchange, (b) => toInbound(req, b)));
  };
}

async function handle(
  deps: GatewayDeps,
  req: Request,
  res: Response,
  { record, caller, clientSignal, baseHeaders }: Exchange,
  toInbound: (b: RequestBody) => InboundRequest,
): Promise<void> {
  const { key, workspace } = caller!;
  record.metadata = mergeMetadata(workspace?.defaults.metadata, parseMetadataHeader(gatehouseHeader(req, 'metadata')), key.defaults.metadata);
  const inbound = toInbound(RequestBody.parse(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)));
  record.modelRequested = inbound.model;
  record.stream = inbound.stream;
  const checkModel = (model: string) => checkCallerModel(deps, caller!, model);
  checkModel(inbound.model);
  const plan = resolvePlan(deps, {
    configHeader: gatehouseHeader(req, 'config'),
    providerHeader: gatehouseHeader(req, 'provider'),
    key,
    workspace,
    metadata: record.metadata,
    body: inbound.body,
    headers: inbound.forwardHeaders,
    sessionId: record.sessionId,
  });
  await execute(deps, { inbound, record, clientSignal, baseHeaders, checkModel }, plan, res);
}
