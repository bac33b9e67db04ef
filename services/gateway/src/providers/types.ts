import type { Catalog } from '../../../shared/src/catalog';
import type { Provider } from '../../../shared/src/entities';
import type { GatewayError } from '../../../shared/src/errors';
import type { SseBatch } from '../streaming/sse';
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
  /** How the 2xx body is framed: `json` is read whole, a stream goes through the adapter's `decodeStream`. */
  framing: 'sse' | 'aws-eventstream' | 'json';
}

/**
 * A provider is data plus small pure transforms (docs/style.md §5); only `authorize` does I/O. Everything
 * in which providers differ is here, so adding one is adding a folder under `providers/`: the attempt
 * loop (proxy/execute.ts) calls these and knows no provider by name.
 */
export interface ProviderAdapter<P extends Provider = Provider> {
  toUpstream(req: InboundRequest, provider: P, catalog: Catalog): UpstreamRequest;
  /** Adds credentials (bearer token, API key, SigV4 signature) to a built request. */
  authorize(up: UpstreamRequest, provider: P): Promise<UpstreamRequest>;
  /**
   * Turns a non-2xx upstream answer into the error the client sees. Its `retryable` flag decides
   * whether routing may retry or fail over (docs/design.md §6.3).
   */
  toError(status: number, headers: Record<string, string | string[] | undefined>, body: string): GatewayError;
  /** A 2xx streaming body as Anthropic SSE events, in batches (one per upstream chunk). */
  decodeStream(body: AsyncIterable<Uint8Array>): AsyncIterable<SseBatch>;
  /**
   * The request changed so that this upstream accepts it, when `err` is a refusal the gateway knows how
   * to mend (a rejected beta, a thinking signature from another provider: docs/design.md §6.3); else
   * undefined. Repairs named in `done` were already made for this target: each is made once.
   */
  repair(req: InboundRequest, err: GatewayError, done: ReadonlySet<string>): Repair | undefined;
}

/** A mended request, and the name of the repair (`rejected-betas`, `thinking-signature`). */
export interface Repair {
  name: string;
  req: InboundRequest;
}
