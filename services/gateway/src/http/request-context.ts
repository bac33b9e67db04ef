import type { IncomingMessage } from 'node:http';

/** One header value, whichever spelling (`x-gatehouse-*` or Portkey's `x-portkey-*`) the client used. */
export function gatehouseHeader(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[`x-gatehouse-${name}`] ?? req.headers[`x-portkey-${name}`];
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
