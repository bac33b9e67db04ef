import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Provider } from '../../../shared/src/entities';
import { GatewayError, toGatewayError } from '../../../shared/src/errors';
import { traceResource } from '../../../shared/src/log';
import { traceContext } from './trace-context';
import type { UsageEvent } from '../../../shared/src/usage-event';
import { authenticate, type Caller, callerFor, checkCallerTarget } from '../auth/caller';
import type { GatewayDeps } from '../deps';
import { activeGuardrails } from '../guardrails/active';
import { guardInput } from '../guardrails/input-guard';
import { modelArmorGuard } from '../guardrails/model-armor-guard';
import { requestSites } from '../guardrails/text-sites';
import { mergeMetadata, parseMetadataHeader } from '../policy/metadata';
import { estimateTokens } from '../policy/rate-limiter';
import { AbortEmitter } from '../proxy/abort';
import { execute } from '../proxy/execute';
import { RequestBody } from '../providers/request-body';
import { resolveConfig, resolvePlan } from '../proxy/resolve';
import type { InboundRequest } from '../providers/types';
import { RequestRecord } from '../usage/record';
import { emitUsage } from '../usage/emit';
import { readBody } from './body';
import { sendError } from './errors';
import { clientHeaders, gatehouseHeader, header } from './request-context';

type Route = UsageEvent['route'];

/** Claude model names, Vertex `@date` and Bedrock ids and ARNs all fit; spaces and control characters do not. */
const MODEL_NAME = /^[\x21-\x7e]{1,256}$/;

/** Vertex-shaped paths Claude Code sends in Vertex mode, with or without the `/v1` prefix. */
const VERTEX_PREDICT = /^\/(?:v1\/)?projects\/([^/]+)\/locations\/([^/]+)\/publishers\/anthropic\/models\/([^/:]+):(rawPredict|streamRawPredict)$/;

/** A model route: what the usage event calls it, and how its request reads. */
interface ModelRoute {
  route: Route;
  inbound(req: IncomingMessage, body: RequestBody): InboundRequest;
}

const MESSAGES: ModelRoute = { route: 'messages', inbound: (req, b) => inboundRequest(req, b, 'messages') };
const COUNT_TOKENS: ModelRoute = { route: 'count_tokens', inbound: (req, b) => inboundRequest(req, b, 'count_tokens') };

function vertexRoute(match: RegExpExecArray): ModelRoute {
  // Malformed escapes were refused before (app.ts); what the segment decodes to is checked per target.
  const model = decodeURIComponent(match[3]);
  const stream = match[4] === 'streamRawPredict';
  return {
    route: model === 'count-tokens' ? 'vertex_count_tokens' : 'vertex_predict',
    inbound(req, b) {
      // Vertex-format bodies carry `anthropic_version`, which each provider sets (or must not see) itself.
      const vertexBody = b.without(['anthropic_version']);
      if (model === 'count-tokens') return inboundRequest(req, vertexBody, 'count_tokens');
      return inboundRequest(req, vertexBody, 'messages', { model, stream });
    },
  };
}

function modelRoute(method: string | undefined, url: string | undefined): ModelRoute | undefined {
  if (method !== 'POST' || !url) return undefined;
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (path === '/v1/messages') return MESSAGES;
  if (path === '/v1/messages/count_tokens') return COUNT_TOKENS;
  const vertex = VERTEX_PREDICT.exec(path);
  return vertex ? vertexRoute(vertex) : undefined;
}

/**
 * The model routes, served on node:http directly (the request path is the product: no router or
 * body-parser layers on it); everything else goes to the express app. Returns false for a request
 * that is not a model route.
 */
export function messageHandler(deps: GatewayDeps): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const route = modelRoute(req.method, req.url);
    if (!route) return false;
    void serveModelRequest(deps, req, res, route);
    return true;
  };
}

function inboundRequest(req: IncomingMessage, body: RequestBody, op: InboundRequest['op'], fromUrl?: { model: string; stream: boolean }): InboundRequest {
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
  return v
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
}

/**
 * Serves one model request. Its record is opened first, so that every outcome (a rejected key or an
 * oversize body included) yields exactly one usage event; the key is checked before the body is read,
 * so nobody without one can make the gateway buffer 32 MiB. The event goes out when the response is
 * over and the handler has stopped recording: a client that disconnects mid-stream closes the
 * response before the relay has finished counting.
 */
async function serveModelRequest(deps: GatewayDeps, req: IncomingMessage, res: ServerResponse, route: ModelRoute): Promise<void> {
  const requestId = `req_gth_${deps.newId()}`;
  // The client's own trace id groups its requests; a Cloud Trace context, when there is one, is what
  // the log lines join (Cloud Run's front end adds one to every request).
  const cloud = traceContext(req);
  const traceId = gatehouseHeader(req, 'trace-id') ?? cloud?.traceId ?? deps.newId();
  const record = new RequestRecord(requestId, traceId, header(req, 'x-claude-code-session-id'), route.route, deps.now());
  record.cloudTrace = cloud;
  const log = deps.log.child({
    requestId,
    trace: traceResource(deps.env.GOOGLE_CLOUD_PROJECT, cloud?.traceId ?? traceId),
    ...(cloud?.spanId ? { spanId: cloud.spanId } : {}),
    ...(cloud?.sampled ? { traceSampled: true } : {}),
  });
  res.setHeader('x-gatehouse-request-id', requestId);
  res.setHeader('x-gatehouse-trace-id', traceId);
  const clientGone = new AbortEmitter();
  let handling = true;
  let closed = false;
  res.once('close', () => {
    if (!res.writableFinished) clientGone.abort();
    closed = true;
    if (!handling) emitUsage(deps.usage, deps.now(), record, log, req);
  });
  try {
    record.key = await authenticate(deps, req.headers);
    const caller = callerFor(deps.workspaces, record.key);
    const body = await readBody(req, deps.env.GATEHOUSE_MAX_BODY_BYTES);
    const captured = { contentType: header(req, 'content-type'), body };
    if (caller.workspace?.defaults.capture_bodies && deps.bodies) record.bodiesCaptured = deps.bodies.capture(requestId, captured, res);
    await handle(deps, req, res, { route, body, record, caller, clientSignal: clientGone, captured });
  } catch (raw) {
    const err = toGatewayError(raw);
    record.failed(err);
    sendError(res, err, { log, requestId });
  } finally {
    handling = false;
    if (closed) emitUsage(deps.usage, deps.now(), record, log, req);
  }
}

/** One model request as it is served, once its caller is known and its body read. */
interface Exchange {
  route: ModelRoute;
  body: Buffer;
  record: RequestRecord;
  caller: Caller;
  /** Aborted when the client goes away. */
  clientSignal: AbortEmitter;
  /** The request body a capture stores: input guardrails' redactions replace it (what went upstream). */
  captured: { body: Buffer };
}

/** Metadata, the model check, routing, then the upstream call. */
async function handle(
  deps: GatewayDeps,
  req: IncomingMessage,
  res: ServerResponse,
  { route, body, record, caller, clientSignal, captured }: Exchange,
): Promise<void> {
  const { key, workspace } = caller;
  record.metadata = mergeMetadata(workspace?.defaults.metadata, parseMetadataHeader(gatehouseHeader(req, 'metadata')), key.defaults.metadata);
  let inbound = route.inbound(req, RequestBody.parse(body));
  record.modelRequested = inbound.model;
  record.stream = inbound.stream;
  // Checked per target, against the model each provider will actually call (policy/target-model.ts).
  const checkTarget = (provider: Provider, model: string) => checkCallerTarget(deps.catalog, caller, provider, model);
  const routeInput = {
    configHeader: gatehouseHeader(req, 'config'),
    providerHeader: gatehouseHeader(req, 'provider'),
    key,
    workspace,
    metadata: record.metadata,
    body: inbound.body,
    headers: inbound.forwardHeaders,
    sessionId: record.sessionId,
  };
  const config = resolveConfig(deps, routeInput);
  // Input guardrails, before routing: what a deny refuses or a redaction removes never reaches a target.
  const inputGuards = activeGuardrails('input', config, workspace, key, deps.guardrails);
  if (inputGuards.length) {
    const guarded = guardInput(inputGuards, { body: inbound.body, size: body.length, metadata: record.metadata }, deps.env.GATEHOUSE_REDACTION_KEY);
    record.guardrails.push(...guarded.verdicts);
    if (guarded.denied) throw guarded.denied;
    if (guarded.body !== inbound.body) captured.body = guarded.body.bytes();
    inbound = { ...inbound, body: guarded.body };
    // Model Armor reads the redacted text: what a redaction removed does not leave for it either.
    const { body: checked } = inbound;
    const armored = await modelArmorGuard(inputGuards, 'input', () => requestSites(checked.value('system'), checked.value('messages')), deps.modelArmor);
    record.guardrails.push(...armored.verdicts);
    if (armored.denied) throw armored.denied;
  }
  const outputGuards = activeGuardrails('output', config, workspace, key, deps.guardrails);
  const plan = resolvePlan(deps, { ...routeInput, body: inbound.body }, config);
  // Policy: budgets (the provider is the first target's: a fallback elsewhere is not re-checked).
  const coverage = { key_id: key.key_id, workspace_id: key.workspace_id, metadata: record.metadata, provider: plan[0]?.provider };
  deps.budgets.admit(coverage, Date.now());
  // Rate limits: a store call only when this instance's lease is empty. count_tokens generates nothing.
  if (inbound.op === 'messages')
    await deps.rateLimits.admit(coverage, { requestId: record.requestId, tokens: () => estimateTokens(inbound.body.value('max_tokens'), body.length) });
  await execute(deps, { inbound, record, clientSignal, checkTarget, outputGuards }, plan, res);
}
