import type { Catalog } from '../../../shared/src/catalog';
import type { Provider } from '../../../shared/src/entities';
import type { GatewayError } from '../../../shared/src/errors';
import type { RequestBody } from './request-body';

/** A client request in Anthropic format, after parsing and before any provider transform. */
export interface InboundRequest {
  op: 'messages' | 'count_tokens';
  /** The model to call: the client's name for it, or a config's override. */
  model: string;
  /** The body as the client sent it (unknown fields kept); spliced, not re-serialised, on the way out. */
  body: RequestBody;
  stream: boolean;
  /** `anthropic-beta` values, split and trimmed, in order. */
  betas: string[];
  anthropicVersion: string;
  /** Extra client headers a config's `forward_headers` names (lower-case names). */
  forwardHeaders: Record<string, string>;
}

/** What goes over the wire to the upstream. Pure data: built by `toUpstream`, signed by `authorize`. */
export interface UpstreamRequest {
  url: string;
  headers: Record<string, string>;
  body: string | Buffer;
  /** The model id the upstream sees (for the usage event). */
  modelUpstream: string;
  /** How the 2xx streaming body is framed. */
  framing: 'sse' | 'aws-eventstream' | 'json';
}

/** A provider is data plus small pure transforms (docs/style.md §5); only `authorize` does I/O. */
export interface ProviderAdapter<P extends Provider = Provider> {
  toUpstream(req: InboundRequest, provider: P, catalog: Catalog): UpstreamRequest;
  /** Adds credentials (bearer token, API key, SigV4 signature) to a built request. */
  authorize(up: UpstreamRequest, provider: P): Promise<UpstreamRequest>;
  /** Turns a non-2xx upstream answer into the error the client sees. */
  toError(status: number, headers: Record<string, string | string[] | undefined>, body: string): GatewayError;
}
