import type { Catalog } from '../../../../shared/src/catalog';
import type { VertexProvider } from '../../../../shared/src/entities';
import { GatewayError } from '../../../../shared/src/errors';
import { parseSse } from '../../streaming/sse';
import type { Credentials } from '../credentials';
import { withoutRefusedThinking } from '../thinking-signature';
import type { InboundRequest, ProviderAdapter, Repair, UpstreamRequest } from '../types';
import { upstreamError } from '../upstream-errors';

export const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16';
const VERTEX_MODEL_ID = /^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9._-]*(@[0-9]{8})?$/;

/** Vertex's host for a region (docs/wire-formats.md §1.1): global, `us`/`eu` multi-region, or regional. */
export function vertexBaseUrl(p: VertexProvider): string {
  if (p.base_url) return p.base_url.replace(/\/+$/, '');
  if (p.region === 'global') return 'https://aiplatform.googleapis.com';
  if (p.region === 'us' || p.region === 'eu') return `https://aiplatform.${p.region}.rep.googleapis.com`;
  return `https://${p.region}-aiplatform.googleapis.com`;
}

/**
 * Anthropic body → Vertex: `model` moves into the URL (count-tokens keeps it in the body),
 * `anthropic_version` is added, `stream` stays, betas go in the header after the catalog's policy.
 */
export function toVertexRequest(req: InboundRequest, p: VertexProvider, catalog: Catalog): UpstreamRequest {
  const id = catalog.providerModelId('vertex', req.model);
  // The id becomes a URL path segment on Google's API, called with the gateway's own identity.
  if (!VERTEX_MODEL_ID.test(id)) {
    throw new GatewayError(
      'invalid_request_error',
      `model: "${id.slice(0, 100)}" is not a Vertex model id (letters, digits, ".", "-", "_" and "@date"; no "..").`,
    );
  }
  const root = `${vertexBaseUrl(p)}/v1/projects/${p.project_id}/locations/${p.region}/publishers/anthropic/models`;
  const counting = req.op === 'count_tokens';
  const url = counting ? `${root}/count-tokens:rawPredict` : `${root}/${id}:${req.stream ? 'streamRawPredict' : 'rawPredict'}`;
  const betas = catalog.filterBetas('vertex', req.betas);
  return {
    url,
    headers: {
      ...req.forwardHeaders,
      'content-type': 'application/json',
      'anthropic-version': req.anthropicVersion,
      ...(betas.length ? { 'anthropic-beta': betas.join(',') } : {}),
    },
    body: counting
      ? req.body.bytes({ anthropic_version: VERTEX_ANTHROPIC_VERSION, model: id })
      : req.body.bytes({ anthropic_version: VERTEX_ANTHROPIC_VERSION, stream: req.stream }, ['model']),
    modelUpstream: id,
    framing: req.stream && !counting ? 'sse' : 'json',
  };
}

/** The beta values a Vertex 400 names as unexpected, so the request can be retried without them. */
export function rejectedBetas(message: string): string[] {
  const m = /Unexpected value\(s\) `([^`]+)` for the `anthropic-beta` header/.exec(message);
  return m
    ? m[1]
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
}

/** A Vertex 400 naming betas it does not accept is answered again without them (docs/wire-formats.md §1.3). */
function withoutRejectedBetas(req: InboundRequest, err: GatewayError, done: ReadonlySet<string>): Repair | undefined {
  if (done.has('rejected-betas') || err.status !== 400) return undefined;
  const named = rejectedBetas(err.message);
  return named.length ? { name: 'rejected-betas', req: { ...req, betas: req.betas.filter((b) => !named.includes(b)) } } : undefined;
}

export function vertexAdapter(credentials: Pick<Credentials, 'googleToken'>): ProviderAdapter<VertexProvider> {
  return {
    toUpstream: toVertexRequest,
    async authorize(up, p) {
      const token = await credentials.googleToken(p.credentials, `Vertex provider @${p.slug}`, p.project_id);
      return { ...up, headers: { ...up.headers, authorization: `Bearer ${token}` } };
    },
    toError: (status, headers, body) => upstreamError('Vertex AI', status, headers, body),
    decodeStream: parseSse,
    repair: (req, err, done) => withoutRejectedBetas(req, err, done) ?? withoutRefusedThinking(req, err, done),
  };
}
