/**
 * Guards for the request path's performance tricks (README, Performance), so that a well-meant cleanup
 * cannot undo one silently: each was measured (`npm run bench`) and each looks like something a
 * tidier version would remove. The outbox timer is guarded in usage-outbox.test.ts.
 */
import type { Dispatcher } from 'undici';
import { createCatalog } from '../../services/shared/src/catalog';
import type { ApiKey, AnthropicProvider } from '../../services/shared/src/entities';
import { anthropicAdapter } from '../../services/gateway/src/providers/anthropic';
import { RequestBody } from '../../services/gateway/src/providers/request-body';
import { AbortEmitter } from '../../services/gateway/src/proxy/abort';
import { RequestPlanContext } from '../../services/gateway/src/proxy/resolve';
import { callUpstream, originAndPath } from '../../services/gateway/src/proxy/upstream';
import { BreakerRegistry } from '../../services/gateway/src/routing/breaker';
import { inboundRequest } from '../helpers/inbound';

test('the routing context is a class instance whose lazy params is a prototype getter, never an own getter', () => {
  // An object literal with its own getter is a dictionary-mode object in V8, and made V8 promote each
  // request's objects (its body included) to the old generation: a full GC every ~0.4 s at 2,000 req/s.
  const body = RequestBody.parse(Buffer.from('{"model":"m","max_tokens":1}'));
  const ctx = new RequestPlanContext(Math.random, new BreakerRegistry(), {
    key: { name: 'k', defaults: {} } as ApiKey,
    metadata: {},
    body,
    headers: {},
  });
  for (const [name, d] of Object.entries(Object.getOwnPropertyDescriptors(ctx))) {
    expect([name, typeof d.get]).toEqual([name, 'undefined']);
  }
  expect(typeof Object.getOwnPropertyDescriptor(RequestPlanContext.prototype, 'params')?.get).toBe('function');
  expect(ctx.params).toEqual({ model: 'm', max_tokens: 1 });
});

test('an upstream URL is parsed once: the same origin and path object is returned for a repeat', () => {
  const url = 'https://api.example.test/v1/messages?beta=true';
  const first = originAndPath(url);
  expect(first).toEqual({ origin: 'https://api.example.test', path: '/v1/messages?beta=true' });
  expect(originAndPath(url)).toBe(first);
});

test('the upstream call hands undici origin and path (no URL to parse) and an AbortEmitter, not an AbortController', async () => {
  let seen: Dispatcher.RequestOptions | undefined;
  const dispatcher = {
    request: async (opts: Dispatcher.RequestOptions) => {
      seen = opts;
      throw Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
    },
  } as unknown as Dispatcher;
  const provider: AnthropicProvider = { slug: 'a', kind: 'anthropic', base_url: 'http://127.0.0.1:9', credentials: { env: 'K' } };
  const adapter = anthropicAdapter({ secret: async () => 'sk-test' });
  const req = inboundRequest({ model: 'claude-sonnet-4-6', max_tokens: 1, messages: [] });
  await expect(
    callUpstream(adapter, provider, req, { dispatcher, catalog: createCatalog(), timeoutMs: 1000, clientSignal: new AbortEmitter(), wallClock: Date.now() }),
  ).rejects.toMatchObject({
    status: 502,
    retryable: true,
  });
  expect(seen).toMatchObject({ origin: 'http://127.0.0.1:9', path: '/v1/messages', method: 'POST' });
  expect(seen?.signal).toBeInstanceOf(AbortEmitter);
  expect(seen?.signal).not.toBeInstanceOf(AbortSignal);
});
