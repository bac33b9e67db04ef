import express, { type Request, type Response, Router } from 'express';
import { GatewayError } from '../../../shared/src/errors';
import { traceResource } from '../../../shared/src/log';
import type { UsageEvent } from '../../../shared/src/usage-event';
import { keyFromHeaders } from '../auth/keys';
import type { GatewayDeps } from '../deps';
import { mergeMetadata, parseMetadataHeader } from '../policy/metadata';
import { checkModelAccess } from '../policy/model-access';
import { execute } from '../proxy/execute';
import { RequestBody } from '../proxy/request-body';
import { resolvePlan } from '../proxy/resolve';
import type { InboundRequest } from '../providers/types';
import { RequestRecord } from '../usage/record';
import { emitUsage } from '../usage/emit';
import { clientHeaders, gatehouseHeader, header } from './request-context';

type Route = UsageEvent['route'];

/** Vertex-shaped paths Claude Code sends in Vertex mode, with or without the `/v1` prefix. */
/** Claude model names, Vertex `@date` and Bedrock ids and ARNs all fit; spaces and control characters do not. */
const MODEL_NAME = /^[\x21-\x7e]{1,256}$/;

const VERTEX_PREDICT = /^\/(?:v1\/)?projects\/([^/]+)\/locations\/([^/]+)\/publishers\/anthropic\/models\/([^/:]+):(rawPredict|streamRawPredict)$/;

export function messageRoutes(deps: GatewayDeps): Router {
  const r = Router();
  const body = express.raw({ type: () => true, limit: deps.env.GATEHOUSE_MAX_BODY_BYTES });
  r.post('/v1/messages', body, (req, res) => serve(deps, req, res, 'messages', (b) => inboundRequest(req, b, 'messages')));
  r.post('/v1/messages/count_tokens', body, (req, res) => serve(deps, req, res, 'count_tokens', (b) => inboundRequest(req, b, 'count_tokens')));
  r.post(VERTEX_PREDICT, body, (req, res) => {
    const m = VERTEX_PREDICT.exec(req.path)!;
    const [model, action] = [decodeURIComponent(m[3]), m[4]];
    // Vertex-format bodies carry `anthropic_version`, which each provider sets (or must not see) itself.
    const vertexBody = (b: RequestBody) => b.without(['anthropic_version']);
    if (model === 'count-tokens') return serve(deps, req, res, 'vertex_count_tokens', (b) => inboundRequest(req, vertexBody(b), 'count_tokens'));
    return serve(deps, req, res, 'vertex_predict', (b) => inboundRequest(req, vertexBody(b), 'messages', { model, stream: action === 'streamRawPredict' }));
  });
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

async function serve(deps: GatewayDeps, req: Request, res: Response, route: Route, toInbound: (b: RequestBody) => InboundRequest): Promise<void> {
  const requestId = `req_gth_${deps.newId()}`;
  const traceId = gatehouseHeader(req, 'trace-id') ?? deps.newId();
  const record = new RequestRecord(requestId, traceId, header(req, 'x-claude-code-session-id'), route, deps.now());
  res.locals.requestId = requestId;
  res.locals.record = record;
  res.locals.log = deps.log.child({ requestId, trace: traceResource(deps.env.GOOGLE_CLOUD_PROJECT, traceId) });
  const baseHeaders = { 'x-gatehouse-request-id': requestId, 'x-gatehouse-trace-id': traceId };
  res.set(baseHeaders);
  const ac = new AbortController();
  // The event goes out once the response is over AND the handler has recorded everything it saw: a
  // client that disconnects mid-stream closes the response before the relay has finished counting.
  let handled!: () => void;
  const handlerDone = new Promise<void>((resolve) => (handled = resolve));
  res.once('close', () => {
    if (!res.writableFinished) ac.abort();
    void handlerDone.then(() => emitUsage(deps, record, res.locals.log, req));
  });
  try {
    await handle(deps, req, res, record, ac.signal, baseHeaders, toInbound);
  } finally {
    handled();
  }
}

async function handle(
  deps: GatewayDeps,
  req: Request,
  res: Response,
  record: RequestRecord,
  clientSignal: AbortSignal,
  baseHeaders: Record<string, string>,
  toInbound: (b: RequestBody) => InboundRequest,
): Promise<void> {

  const key = await deps.keys.authenticate(keyFromHeaders(req.headers));
  record.key = key;
  if (!key.scopes.includes('completions')) {
    throw new GatewayError('permission_error', `API key "${key.name}" lacks the "completions" scope needed to call models.`);
  }
  const workspace = key.workspace_id ? deps.workspaces.get(key.workspace_id) : undefined;
  if (workspace?.status === 'archived') throw new GatewayError('permission_error', `Workspace "${workspace.id}" is archived: its keys can no longer call models. Ask your Gatehouse admin.`);
  record.metadata = mergeMetadata(workspace?.defaults.metadata, parseMetadataHeader(gatehouseHeader(req, 'metadata')), key.defaults.metadata);
  const inbound = toInbound(RequestBody.parse(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)));
  record.modelRequested = inbound.model;
  record.stream = inbound.stream;
  const rules = [
    { owner: `key "${key.name}"`, patterns: key.allowed_models },
    { owner: `workspace "${workspace?.id}"`, patterns: workspace?.defaults.allowed_models },
  ];
  const checkModel = (model: string) => checkModelAccess(modelNames(deps, model), rules);
  checkModel(record.modelRequested);
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

/** Every spelling of a model an allow-list may name: as sent, canonical id, aliases. */
export function modelNames(deps: GatewayDeps, model: string): string[] {
  const entry = deps.catalog.resolve(model);
  return entry ? [model, entry.id, ...entry.aliases] : [model];
}
