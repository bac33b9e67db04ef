import { LRUCache } from 'lru-cache';
import { type Dispatcher, errors as undiciErrors } from 'undici';
import type { Catalog } from '../../../shared/src/catalog';
import type { Provider } from '../../../shared/src/entities';
import { GatewayError } from '../../../shared/src/errors';
import { parseJsonObject } from '../../../shared/src/json';
import type { InboundRequest, ProviderAdapter } from '../providers/types';
import { AbortEmitter } from './abort';
import type { UpstreamAnswer } from './types';

export interface CallOptions {
  dispatcher: Dispatcher;
  catalog: Catalog;
  timeoutMs: number;
  /** Aborted when the client goes away. */
  clientSignal: AbortEmitter;
  /** Wall-clock milliseconds, for the retirement dates: injected so tests do not depend on the real date. */
  wallClock: number;
}

/**
 * Calls one upstream once. Resolves with the answer once its first event (or whole JSON body) is in
 * hand, or rejects with a GatewayError: the upstream's own error translated, a timeout before the
 * first byte, or a connection failure. A stream whose first event is an `error` counts as a failed
 * call, since nothing has reached the client yet.
 */
export async function callUpstream<P extends Provider>(
  adapter: ProviderAdapter<P>,
  provider: P,
  req: InboundRequest,
  opts: CallOptions,
): Promise<UpstreamAnswer> {
  const retired = opts.catalog.retirement(provider.kind, req.model, new Date(opts.wallClock).toISOString().slice(0, 10));
  if (retired) {
    // The provider would answer 404 (Claude Code reads that as a misconfigured model); say why instead.
    throw new GatewayError(
      'invalid_request_error',
      `model: ${retired.model} was retired on ${PLATFORM[provider.kind]} on ${retired.date} (provider @${provider.slug}); use ${retired.replacement} instead.`,
    );
  }
  // `aborted` covers an abort that comes before undici listens (during authorize).
  const abort = new AbortEmitter();
  let timedOut = false;
  const stop = () => abort.abort();
  opts.clientSignal.once('abort', stop);
  if (opts.clientSignal.aborted) stop(); // the client left while the key or config was being read
  const timer = setTimeout(() => {
    timedOut = true;
    stop();
  }, opts.timeoutMs);
  const label = `@${provider.slug}`;
  let streaming = false;
  try {
    const up = await adapter.authorize(adapter.toUpstream(req, provider, opts.catalog), provider);
    const { origin, path } = originAndPath(up.url);
    const res = await opts.dispatcher.request({
      origin,
      path,
      method: 'POST',
      headers: up.headers,
      body: up.body,
      signal: abort,
    });
    if (res.statusCode >= 300) {
      const text = await res.body.text();
      throw adapter.toError(res.statusCode, res.headers, text);
    }
    if (up.framing === 'json') {
      return { kind: 'json', status: res.statusCode, text: await res.body.text(), up };
    }
    const rest = adapter.decodeStream(res.body)[Symbol.asyncIterator]();
    const first = await rest.next();
    if (!first.done && first.value.events[0].event === 'error') {
      await rest.return?.(undefined);
      throw streamError(label, first.value.events[0].data);
    }
    // From here the client's disconnect must still abort the upstream: the listener stays.
    streaming = true;
    return { kind: 'stream', status: res.statusCode, first: first.done ? { events: [] } : first.value, rest, up };
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    if (timedOut) {
      throw new GatewayError('timeout_error', `${label} sent no answer within ${opts.timeoutMs} ms (request_timeout).`, {
        retryable: true,
        timedOutAfterMs: opts.timeoutMs,
      });
    }
    if (opts.clientSignal.aborted) throw new GatewayError('invalid_request_error', 'Client closed the request.', { status: 499 });
    throw connectionError(label, err);
  } finally {
    clearTimeout(timer);
    if (!streaming) opts.clientSignal.off('abort', stop);
  }
}

const PLATFORM: Record<Provider['kind'], string> = { vertex: 'Google Vertex AI', bedrock: 'Amazon Bedrock', anthropic: 'the Anthropic API' };

/**
 * An upstream URL as the dispatcher takes it, parsed once per distinct URL (a provider's few endpoints
 * per model). undici's `request(url)` parses the URL on every call: with the parse cached, the p50 at
 * 200 req/s measured 0.08-0.23 ms lower (two builds interleaved request by request, 6 of 6 rounds).
 */
const parsedUrls = new LRUCache<string, { origin: string; path: string }>({ max: 1000 });

export function originAndPath(url: string): { origin: string; path: string } {
  let parsed = parsedUrls.get(url);
  if (!parsed) {
    const u = new URL(url);
    parsed = { origin: u.origin, path: `${u.pathname}${u.search}` };
    parsedUrls.set(url, parsed);
  }
  return parsed;
}

function streamError(label: string, data: string): GatewayError {
  const parsed = (parseJsonObject(data) ?? {}) as { error?: { type?: string; message?: string } };
  const type = parsed.error?.type ?? 'api_error';
  const known = ['overloaded_error', 'rate_limit_error', 'api_error', 'timeout_error', 'invalid_request_error'] as const;
  const t = (known as readonly string[]).includes(type) ? (type as (typeof known)[number]) : 'api_error';
  return new GatewayError(t, parsed.error?.message ?? `${label} stream failed before its first event.`, {
    retryable: t !== 'invalid_request_error',
    rawBody: JSON.stringify({ type: 'error', error: { type: t, message: parsed.error?.message ?? 'Upstream error' } }),
  });
}

function connectionError(label: string, err: unknown): GatewayError {
  const e = err as { code?: string; message?: string };
  const detail = e.code ?? (err instanceof undiciErrors.UndiciError ? err.name : e.message) ?? 'connection failed';
  return new GatewayError('api_error', `Could not reach ${label}: ${detail}.`, { status: 502, retryable: true, cause: err });
}
