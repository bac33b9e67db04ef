import type { IncomingMessage } from 'node:http';

/**
 * The gateway's own request headers read while routing, each in its two spellings (`x-gatehouse-*`,
 * Portkey's `x-portkey-*`). The key's headers are read by auth/keys.ts (`keyFromHeaders`), which also
 * takes `x-api-key` and `Authorization`; the cache's force-refresh header by cache/cache-plan.ts.
 */
const SPELLINGS = {
  'trace-id': ['x-gatehouse-trace-id', 'x-portkey-trace-id'],
  metadata: ['x-gatehouse-metadata', 'x-portkey-metadata'],
  config: ['x-gatehouse-config', 'x-portkey-config'],
  provider: ['x-gatehouse-provider', 'x-portkey-provider'],
} as const;

/** One header value, whichever spelling the client used. */
export function gatehouseHeader(req: IncomingMessage, name: keyof typeof SPELLINGS): string | undefined {
  const [ours, portkey] = SPELLINGS[name];
  const v = req.headers[ours] ?? req.headers[portkey];
  return Array.isArray(v) ? v[0] : v;
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/**
 * Client headers as a lower-case map, for configs' `forward_headers` and conditions. Node already
 * joins repeated headers into one string; only `set-cookie` stays an array, and no client sends it.
 */
export function clientHeaders(req: IncomingMessage): Record<string, string> {
  return req.headers as Record<string, string>;
}
