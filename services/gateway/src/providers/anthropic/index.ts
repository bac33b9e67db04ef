import type { Catalog } from '../../../../shared/src/catalog';
import type { AnthropicProvider } from '../../../../shared/src/entities';
import { GatewayError } from '../../../../shared/src/errors';
import { parseSse } from '../../streaming/sse';
import type { Credentials } from '../credentials';
import { withoutRefusedThinking } from '../thinking-signature';
import type { InboundRequest, ProviderAdapter, UpstreamRequest } from '../types';
import { upstreamError } from '../upstream-errors';

// Anthropic's ids are letters, digits and "-"; "." and "_" leave room for what comes next, nothing more.
const ANTHROPIC_MODEL_ID = /^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Pure pass-through: path, `anthropic-*` headers and body go as they came; only the credential changes. */
export function toAnthropicRequest(req: InboundRequest, p: AnthropicProvider, catalog: Catalog): UpstreamRequest {
  const root = (p.base_url ?? 'https://api.anthropic.com').replace(/\/+$/, '');
  const betas = catalog.filterBetas('anthropic', req.betas);
  const model = catalog.providerModelId('anthropic', req.model);
  if (!ANTHROPIC_MODEL_ID.test(model)) {
    throw new GatewayError(
      'invalid_request_error',
      `model: "${model.slice(0, 100)}" is not an Anthropic model id (letters, digits, ".", "-" and "_"; no "..").`,
    );
  }
  return {
    url: `${root}/v1/messages${req.op === 'count_tokens' ? '/count_tokens' : ''}`,
    headers: {
      ...req.forwardHeaders,
      'content-type': 'application/json',
      'anthropic-version': req.anthropicVersion,
      ...(betas.length ? { 'anthropic-beta': betas.join(',') } : {}),
    },
    body: req.op === 'messages' ? req.body.bytes({ model, stream: req.stream }) : req.body.bytes({ model }),
    modelUpstream: model,
    framing: req.stream && req.op === 'messages' ? 'sse' : 'json',
  };
}

export function anthropicAdapter(credentials: Pick<Credentials, 'secret'>): ProviderAdapter<AnthropicProvider> {
  return {
    toUpstream: toAnthropicRequest,
    async authorize(up, p) {
      const key = await credentials.secret(p.credentials, `Anthropic provider @${p.slug}`);
      return { ...up, headers: { ...up.headers, 'x-api-key': key } };
    },
    toError: (status, headers, body) => upstreamError('Anthropic', status, headers, body),
    decodeStream: parseSse,
    repair: withoutRefusedThinking,
  };
}
