import type { Catalog } from '../../../../shared/src/catalog';
import type { BedrockProvider } from '../../../../shared/src/entities';
import { GatewayError } from '../../../../shared/src/errors';
import type { InboundRequest, UpstreamRequest } from '../types';

export const BEDROCK_ANTHROPIC_VERSION = 'bedrock-2023-05-31';

/**
 * Client headers a config may name in `forward_headers` that must never reach Bedrock: betas travel in
 * the body, the version is `anthropic_version`, and the rest would break or forge the SigV4 signature.
 */
const NEVER_FORWARD = new Set([
  'anthropic-beta',
  'anthropic-version',
  'authorization',
  'x-api-key',
  'host',
  'content-length',
  'content-type',
  'accept',
  'connection',
  'transfer-encoding',
]);

// Base and inference-profile ids (`us.anthropic.claude-…-v1:0`), or one ARN whose resource id is such
// an id (or an opaque profile id): exactly one "/", after the resource type. No "..", "%", "?" or "#".
const BEDROCK_MODEL_ID = /^(?!.*\.\.)(?:arn:aws[a-z-]*:bedrock:[a-z0-9-]*:\d{0,12}:[a-z-]+\/)?[A-Za-z0-9][A-Za-z0-9._:-]*$/;

/**
 * Anthropic Messages request → Bedrock InvokeModel(WithResponseStream). Only what differs: `model` moves
 * to the URL, `stream` picks the operation, betas move into the body (docs/wire-formats.md §4.1).
 */
export function toBedrockRequest(req: InboundRequest, p: BedrockProvider, catalog: Catalog): UpstreamRequest {
  if (req.op === 'count_tokens') {
    // Bedrock's CountTokens takes a base64 InvokeModel body, wants a foundation-model id rather than the
    // inference profile we invoke, is missing for some CRIS-only Claude models, and answers
    // `{"inputTokens": N}`, which the adapter interface has no hook to rename. Refuse clearly instead.
    throw new GatewayError(
      'invalid_request_error',
      'count_tokens is not supported by Bedrock providers; route /v1/messages/count_tokens to a Vertex or Anthropic provider.',
    );
  }
  const { model: _model, stream: _stream, ...rest } = req.body.json;
  const modelId = catalog.providerModelId('bedrock', req.model, { profilePrefix: p.profile_prefix });
  if (!BEDROCK_MODEL_ID.test(modelId)) {
    throw new GatewayError('invalid_request_error', `model: "${modelId.slice(0, 100)}" is not a Bedrock model id, inference profile id or ARN.`);
  }

  const body: Record<string, unknown> = { ...rest };
  if (body.anthropic_version === undefined) body.anthropic_version = BEDROCK_ANTHROPIC_VERSION;
  if (body.anthropic_beta === undefined) {
    const betas = catalog.filterBetas('bedrock', req.betas);
    if (betas.length > 0) body.anthropic_beta = betas;
  }

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.forwardHeaders)) {
    const lower = name.toLowerCase();
    if (!NEVER_FORWARD.has(lower) && !lower.startsWith('x-amz-')) headers[lower] = value;
  }
  // The official SDK sends `accept: application/json` to both operations; the stream still comes back as
  // `application/vnd.amazon.eventstream`.
  headers['content-type'] = 'application/json';
  headers.accept = 'application/json';

  return {
    url: `${bedrockBaseUrl(p)}/model/${escapeModelId(modelId)}/${req.stream ? 'invoke-with-response-stream' : 'invoke'}`,
    headers,
    body: JSON.stringify(body),
    modelUpstream: modelId,
    framing: req.stream ? 'aws-eventstream' : 'json',
  };
}

export function bedrockBaseUrl(p: Pick<BedrockProvider, 'base_url' | 'region'>): string {
  return (p.base_url ?? `https://bedrock-runtime.${p.region}.amazonaws.com`).replace(/\/+$/, '');
}

/** One path segment: `:` stays literal, `/` in ARNs becomes `%2F` (what the official SDK puts on the wire). */
export function escapeModelId(id: string): string {
  return encodeURIComponent(id).replace(/%3A/gi, ':');
}
