import { inboundRequest } from '../helpers/inbound';
/**
 * The Bedrock adapter end to end over loopback against the scripted fake (test/fakes/fake-bedrock.ts):
 * built with the real catalog, signed, sent with undici, the event stream decoded.
 */
import { request } from 'undici';
import { createCatalog } from '../../services/shared/src/catalog';
import type { BedrockProvider } from '../../services/shared/src/entities';
import type { InboundRequest } from '../../services/gateway/src/providers/types';
import { bedrockAdapter, decodeBedrockStream } from '../../services/gateway/src/providers/bedrock';
import type { SseEvent } from '../../services/gateway/src/streaming/sse';
import { FAKE_USAGE } from '../fakes/script';
import { startFakeBedrock } from '../fakes/fake-bedrock';
import { collect } from '../helpers/iterate';

const catalog = createCatalog();
const adapter = bedrockAdapter(async (ref) => ('env' in ref ? `value-of-${ref.env}` : 'unexpected'));
let fake: Awaited<ReturnType<typeof startFakeBedrock>>;
let provider: BedrockProvider;

beforeAll(async () => {
  fake = await startFakeBedrock();
  provider = {
    slug: 'bedrock-test',
    kind: 'bedrock',
    region: 'us-east-1',
    profile_prefix: 'us',
    base_url: fake.url,
    credentials: { access_key_id: { env: 'KEY' }, secret_access_key: { env: 'SECRET' } },
  };
});
afterAll(() => fake.close());

function inbound(model: string, stream: boolean, betas: string[] = []): InboundRequest {
  return inboundRequest({ model, max_tokens: 64, stream, messages: [{ role: 'user', content: 'hi' }] }, { betas });
}

async function send(req: InboundRequest) {
  const up = await adapter.authorize(adapter.toUpstream(req, provider, catalog), provider);
  const res = await request(up.url, { method: 'POST', headers: up.headers, body: up.body });
  return { up, res };
}

async function events(model: string, pingIntervalMs?: number): Promise<SseEvent[]> {
  const { res } = await send(inbound(model, true));
  expect(res.statusCode).toBe(200);
  return collect(decodeBedrockStream(res.body, { pingIntervalMs }));
}

it('streams a signed request and decodes the answer into the Anthropic event grammar', async () => {
  const got = await events('stream');
  expect(got[0].event).toBe('message_start');
  expect(JSON.parse(got[0].data).message.usage.input_tokens).toBe(FAKE_USAGE.input_tokens);
  expect(got.at(-1)).toEqual({ event: 'message_stop', data: '{"type":"message_stop"}' });
  expect(got.map((e) => e.event)).toContain('content_block_delta');
  const call = fake.calls.at(-1)!;
  expect(call.headers.authorization).toMatch(/Credential=value-of-KEY\/\d{8}\/us-east-1\/bedrock\/aws4_request/);
  expect(call.body).not.toHaveProperty('model');
  expect(call.body).not.toHaveProperty('stream');
});

it('sends the catalog id with the profile prefix and the filtered betas in the body', async () => {
  const { up, res } = await send(inbound('claude-sonnet-4-5', false, ['interleaved-thinking-2025-05-14']));
  expect(res.statusCode).toBe(200);
  await res.body.json();
  expect(up.modelUpstream).toBe(catalog.providerModelId('bedrock', 'claude-sonnet-4-5', { profilePrefix: 'us' }));
  expect(up.modelUpstream).toMatch(/^us\.anthropic\.claude-sonnet-4-5-/);
  const filtered = catalog.filterBetas('bedrock', ['interleaved-thinking-2025-05-14']);
  expect(fake.calls.at(-1)!.body.anthropic_beta).toEqual(filtered.length ? filtered : undefined);
});

it('synthesises pings while the upstream is silent', async () => {
  const got = await events('slow-gap-150', 40);
  expect(got.filter((e) => e.event === 'ping').length).toBeGreaterThanOrEqual(2);
  expect(got.at(-1)!.event).toBe('message_stop');
});

it('turns a mid-stream exception frame into an SSE error', async () => {
  const got = await events('stream-exception');
  expect(got[0].event).toBe('message_start');
  expect(got.at(-1)!.event).toBe('error');
  expect(JSON.parse(got.at(-1)!.data).error.type).toBe('rate_limit_error');
});

it('maps an HTTP error answer through toError', async () => {
  const { res } = await send(inbound('error-429', false));
  const err = adapter.toError(res.statusCode, res.headers, await res.body.text());
  expect(err.type).toBe('rate_limit_error');
  expect(err.retryable).toBe(true);
  expect(err.message).toMatch(/\(ThrottlingException\)$/);
});
