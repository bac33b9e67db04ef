/**
 * Which client headers a config's `forward_headers` may pass upstream: an allow-list. A header may be
 * forwarded when it is `anthropic-beta` (which still goes through each provider's beta policy) or a
 * custom `x-` header of the client's own (a team or cost tag, say). Everything else is refused when
 * the config is validated, so nothing a client sends can steer the platform behind a provider:
 * standard HTTP headers (`host`, hop-by-hop headers, `authorization`, `cookie`, `forwarded`, …) are not
 * on the list at all, and the `x-` namespaces below belong to a platform, a proxy or the gateway:
 * Google's front end reads `x-goog-*` (e.g. `x-goog-user-project` bills another project),
 * `x-http-method-override` and `x-server-timeout`; AWS reads `x-amz-*` and `x-amzn-*`; Anthropic reads
 * `x-api-key` and `x-stainless-*`.
 */
const ALLOWED = new Set(['anthropic-beta']);

/** An HTTP header name (RFC 9110 token). */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** `x-<segment>-…` names whose first segment a platform, a proxy or the gateway owns. */
const RESERVED_SEGMENTS = new Set([
  'goog',
  'google',
  'gfe',
  'cloud',
  'firebase',
  'android',
  'ios',
  'upload',
  'origin',
  'referer',
  'user',
  'server', // Google
  'amz',
  'amzn',
  'aws', // AWS
  'api',
  'stainless',
  'anthropic', // Anthropic
  'http',
  'method',
  'forwarded',
  'real',
  'client',
  'envoy',
  'request',
  'csrf',
  'xsrf', // HTTP and proxies
  'gatehouse',
  'portkey', // the gateway's own
]);

/** Why `name` (any case) may not be forwarded, or undefined when it may (or is no header name at all: the schema says so). */
export function unforwardable(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (ALLOWED.has(lower) || !HEADER_NAME.test(name)) return undefined;
  const custom = /^x-([a-z0-9]+)(-[a-z0-9]+)*$/.exec(lower);
  if (!custom) return `"${name}" cannot be forwarded: forward_headers may name anthropic-beta and custom x- headers (such as x-team), nothing else`;
  if (RESERVED_SEGMENTS.has(custom[1])) {
    return `"${name}" cannot be forwarded: x-${custom[1]}-… headers steer an upstream platform, a proxy or the gateway`;
  }
  return undefined;
}
