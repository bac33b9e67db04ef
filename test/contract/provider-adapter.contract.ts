import { Agent } from 'undici';
import { createCatalog } from '../../services/shared/src/catalog';
import type { Provider } from '../../services/shared/src/entities';
import { GatewayError } from '../../services/shared/src/errors';
import type { InboundRequest, ProviderAdapter } from '../../services/gateway/src/providers/types';
import { AbortEmitter } from '../../services/gateway/src/proxy/abort';
import type { UpstreamAnswer } from '../../services/gateway/src/proxy/types';
import { callUpstream } from '../../services/gateway/src/proxy/upstream';
import { DROPPED } from '../../services/gateway/src/streaming/relay';
import type { SseEvent } from '../../services/gateway/src/streaming/sse';
import { FAKE_USAGE, fakeCountTokens, type Fake } from '../fakes/script';
import { inboundRequest } from '../helpers/inbound';

/** One adapter under the contract: how to start its fake and point a provider at it, and what differs. */
export interface AdapterUnderTest<P extends Provider = Provider> {
  adapter: ProviderAdapter<P>;
  startFake(): Promise<Fake>;
  provider(fakeUrl: string): P;
  /** Whether the provider counts tokens; one that does not refuses with a 400 naming the provider kind. */
  countsTokens: boolean;
  /** The repairs it makes for a refused beta (`bad-beta`), besides the thinking-signature one every provider makes. */
  repairsBetas: boolean;
}

const catalog = createCatalog();
const dispatcher = new Agent({ connections: 4 });
const BETA = 'interleaved-thinking-2025-05-14';

const message = (model: string, stream: boolean, extra: Record<string, unknown> = {}) =>
  inboundRequest({ model, max_tokens: 64, stream, messages: [{ role: 'user', content: 'hi' }], ...extra });

/** A conversation whose earlier assistant turn carries thinking signed by another provider. */
const conversation = (model: string) =>
  inboundRequest({
    model,
    max_tokens: 64,
    messages: [
      { role: 'user', content: 'What is 2 + 2?' },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'Simple sum.', signature: 'other-provider-sig' },
          { type: 'text', text: '4' },
        ],
      },
      { role: 'user', content: 'And 3 + 3?' },
    ],
  });

async function drain(answer: UpstreamAnswer): Promise<SseEvent[]> {
  if (answer.kind !== 'stream') throw new Error(`expected a stream, got ${answer.kind}`);
  const events = [...answer.first.events];
  for (let next = await answer.rest.next(); !next.done; next = await answer.rest.next()) events.push(...next.value.events);
  return events;
}

/**
 * What every provider adapter guarantees to the attempt loop (docs/style.md §7, docs/design.md §6.3),
 * checked over loopback against the provider's scripted fake: its stream decoded into Anthropic events,
 * a JSON answer, count_tokens, each class of upstream failure as a GatewayError whose `retryable`
 * decides failover, and the repair of a refused request, made once.
 */
export function providerAdapterContract<P extends Provider>(name: string, under: AdapterUnderTest<P>): void {
  describe(`ProviderAdapter contract: ${name}`, () => {
    let fake: Fake;
    let provider: P;
    beforeAll(async () => {
      fake = await under.startFake();
      provider = under.provider(fake.url);
    });
    afterAll(() => fake.close());
    beforeEach(() => fake.reset());

    const call = (req: InboundRequest) =>
      callUpstream(under.adapter, provider, req, { dispatcher, catalog, timeoutMs: 5000, clientSignal: new AbortEmitter(), wallClock: Date.now() });
    const failure = (req: InboundRequest) =>
      call(req).then(
        () => {
          throw new Error('expected the call to fail');
        },
        (err: unknown) => err as GatewayError,
      );

    it('decodes a stream into the Anthropic event grammar, message_start to message_stop', async () => {
      const events = await drain(await call(message('stream', true)));
      expect(events[0].event).toBe('message_start');
      expect(JSON.parse(events[0].data).message.usage.input_tokens).toBe(FAKE_USAGE.input_tokens);
      expect(events.map((e) => e.event)).toContain('content_block_delta');
      expect(events.at(-1)!.event).toBe('message_stop');
      // What the client will see is Anthropic's grammar; provider noise (Vertex's, Bedrock's metrics) is the relay's to drop.
      for (const e of events.filter((x) => !DROPPED.has(x.event))) expect(JSON.parse(e.data).type).toBe(e.event);
    });

    it('answers a non-streaming request with a whole Message', async () => {
      const answer = await call(message('claude-sonnet-4-6', false));
      expect(answer).toMatchObject({ kind: 'json', status: 200 });
      const body = JSON.parse(answer.kind === 'json' ? answer.text : '{}');
      expect(body).toMatchObject({ type: 'message', role: 'assistant', usage: { output_tokens: FAKE_USAGE.output_tokens } });
    });

    it(under.countsTokens ? 'counts tokens' : 'refuses count_tokens with a 400 naming the provider kind', async () => {
      const req = { ...message('claude-sonnet-4-6', false), op: 'count_tokens' as const };
      if (under.countsTokens) {
        const answer = await call(req);
        expect(JSON.parse(answer.kind === 'json' ? answer.text : '{}')).toEqual({ input_tokens: fakeCountTokens(req.body.json) });
      } else {
        const err = await failure(req);
        expect(err).toMatchObject({ type: 'invalid_request_error', status: 400, retryable: false });
        expect(err.message).toMatch(new RegExp(provider.kind, 'i'));
        expect(fake.calls).toHaveLength(0);
      }
    });

    it.each([
      ['a rate limit', 'error-429', 'rate_limit_error', 429, true],
      ['a server error', 'error-500', 'api_error', 500, true],
      ['an overload (Bedrock: ServiceUnavailableException)', 'error-529', 'overloaded_error', 529, true],
      ['a connection reset before any byte', 'reset', 'api_error', 502, true],
      ['a thinking signature the upstream refuses', 'bad-signature', 'invalid_request_error', 400, false],
    ])('turns %s into a GatewayError, retryable only when a retry could help', async (_what, model, type, status, retryable) => {
      const req = model === 'bad-signature' ? conversation(model) : message(model, true);
      const err = await failure(req);
      expect(err).toBeInstanceOf(GatewayError);
      expect(err).toMatchObject({ type, status, retryable });
    });

    it('repairs a refused thinking signature once: the earlier thinking removed, then accepted', async () => {
      const req = conversation('bad-signature');
      const err = await failure(req);
      const repair = under.adapter.repair(req, err, new Set());
      expect(repair?.name).toBe('thinking-signature');
      expect(JSON.stringify(repair!.req.body.json)).not.toContain('"thinking"');
      expect(await call(repair!.req)).toMatchObject({ kind: 'json', status: 200 });
      expect(under.adapter.repair(req, err, new Set([repair!.name]))).toBeUndefined();
    });

    it(under.repairsBetas ? 'repairs a rejected beta once by sending without it' : 'does not repair a rejected beta', async () => {
      const req = { ...message('bad-beta', false), betas: [BETA] };
      const err = await failure(req);
      expect(err).toMatchObject({ status: 400, retryable: false });
      const repair = under.adapter.repair(req, err, new Set());
      if (!under.repairsBetas) {
        expect(repair).toBeUndefined();
        return;
      }
      expect(repair).toMatchObject({ name: 'rejected-betas', req: { betas: [] } });
      expect(await call(repair!.req)).toMatchObject({ kind: 'json', status: 200 });
      expect(under.adapter.repair(req, err, new Set([repair!.name]))).toBeUndefined();
    });

    it('makes no repair for a failure it cannot mend', async () => {
      const err = await failure(message('error-500', false));
      expect(under.adapter.repair(message('error-500', false), err, new Set())).toBeUndefined();
    });
  });
}
