import { RequestBody } from '../../services/gateway/src/providers/request-body';
import type { InboundRequest, UpstreamRequest } from '../../services/gateway/src/providers/types';

/** An InboundRequest as http/messages.ts builds it from a client body (bytes, scanned). */
export function inboundRequest(body: Record<string, unknown>, over: Partial<Omit<InboundRequest, 'body'>> = {}): InboundRequest {
  return {
    op: 'messages',
    model: String(body.model),
    body: RequestBody.parse(Buffer.from(JSON.stringify(body))),
    stream: body.stream === true,
    betas: [],
    anthropicVersion: '2023-06-01',
    forwardHeaders: {},
    ...over,
  };
}

/** The JSON an upstream request carries. */
export function upstreamJson(up: UpstreamRequest): any {
  return JSON.parse(up.body.toString());
}
