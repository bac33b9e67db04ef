import { ALL_SCOPES } from '../../services/gateway/src/admin/scopes';
import type { UsageScript } from '../fakes/script';
import { DEV_KEY } from '../helpers/gateway';
import { call } from './admin-fixtures';
import { message, type RoutingRig, startRoutingRig } from './routing-harness';

/**
 * Every request is billed what the provider bills. Each case is a worked example: the fake
 * upstream reports a usage, the request goes the real way through the gateway, and the usage event's
 * cost is the figure computed by hand in the comment (prices in USD per MTok = micro-USD per token).
 */
const ADMIN = 'gth_test_billing_org_admin_0000000000000000';

let rig: RoutingRig;

beforeAll(async () => {
  rig = await startRoutingRig({
    seed: {
      api_keys: [
        {
          key: ADMIN,
          key_id: 'key_billing_admin',
          name: 'billing-admin',
          type: 'organisation',
          kind: 'user',
          scopes: [...ALL_SCOPES],
          status: 'active',
          defaults: {},
        },
      ],
    },
  });
  // A second Bedrock provider on the same fake, calling global. profiles.
  const put = await call(rig.gw, ADMIN, 'PUT', '/admin/v1/providers/bedrock-global', {
    kind: 'bedrock',
    region: 'us-east-1',
    profile_prefix: 'global',
    credentials: { access_key_id: { env: 'AWS_ACCESS_KEY_ID' }, secret_access_key: { env: 'AWS_SECRET_ACCESS_KEY' } },
    base_url: rig.bedrock.url,
  });
  expect(put.status).toBe(201);
}, 30_000);

afterAll(() => rig.close());
beforeEach(() => rig.reset());

const tokens = (input: number, output: number, more: Record<string, unknown> = {}) => ({
  input_tokens: input,
  output_tokens: output,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
  ...more,
});

/** Sends `model` to `provider`, the fake answering with `usage`, streamed or not; returns the usage event. */
async function billed(provider: string, model: string, stream: boolean, usage: UsageScript) {
  const fake = provider.startsWith('bedrock') ? rig.bedrock : provider.startsWith('anthropic') ? rig.anthropic : rig.vertex;
  fake.enqueue({ kind: 'ok', usage });
  const res = await rig.send(message(model, { stream }), { headers: { 'x-gatehouse-provider': `@${provider}` } });
  expect([res.status, res.text.slice(0, 200)]).toEqual([200, expect.any(String)]);
  return rig.onlyEvent();
}

describe.each([false, true])('worked examples (stream: %s)', (stream) => {
  it('Bedrock us. profile bills the 10 % geographic premium, global. does not', async () => {
    const usage = {
      usage: tokens(1000, 2000),
      metrics: { inputTokenCount: 1000, outputTokenCount: 2000, cacheReadInputTokenCount: 0, cacheWriteInputTokenCount: 0 },
    };
    // Sonnet 4.5: 1000 × $3 + 2000 × $15 = 3,000 + 30,000 = 33,000 µ$ at global; × 1.1 = 36,300 µ$ on us.
    const us = await billed('bedrock-prod', 'claude-sonnet-4-5-20250929', stream, usage);
    expect(us).toMatchObject({ model_upstream: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', cost_micros: 36_300, list_cost_micros: 36_300, priced: true });
    const global = await billed('bedrock-global', 'claude-sonnet-4-5-20250929', stream, usage);
    expect(global).toMatchObject({ model_upstream: 'global.anthropic.claude-sonnet-4-5-20250929-v1:0', cost_micros: 33_000 });
  });

  it.each(['anthropic-prod', 'vertex-prod', 'bedrock-global'])('bills a compaction iteration on top of the top-level counts (%s)', async (provider) => {
    // Opus 5 ($5 in, $25 out). Top level: 23,000 × 5 + 1,000 × 25 = 140,000 µ$. The compaction iteration
    // is not in the top level: 180,000 × 5 + 3,500 × 25 = 987,500 µ$. The `message` iteration repeats the
    // top level and is not billed twice. Total 1,127,500 µ$ (Vertex global and Bedrock global.: no premium).
    const event = await billed(provider, 'claude-opus-5', stream, {
      usage: tokens(23_000, 1_000, {
        iterations: [
          { type: 'compaction', ...tokens(180_000, 3_500) },
          { type: 'message', ...tokens(23_000, 1_000) },
        ],
      }),
    });
    expect(event.cost_micros).toBe(1_127_500);
    expect(event.usage.iterations).toEqual([{ type: 'compaction', input: 180_000, output: 3_500, cache_write_5m: 0, cache_write_1h: 0, cache_read: 0 }]);
  });

  it('bills fast mode at the model fast-mode prices', async () => {
    // Opus 4.8 fast: $10 in, $50 out, cache read $1: 2,000 × 10 + 1,000 × 50 + 10,000 × 1 = 80,000 µ$
    // (standard speed would be 10,000 + 25,000 + 5,000 = 40,000 µ$).
    const event = await billed('anthropic-prod', 'claude-opus-4-8', stream, {
      usage: tokens(2_000, 1_000, { cache_read_input_tokens: 10_000, speed: 'fast' }),
    });
    expect(event).toMatchObject({ cost_micros: 80_000, usage: { speed: 'fast' } });
  });

  it('bills a data-residency inference_geo at 1.1 times', async () => {
    // Sonnet 4.6: 1,000 × 3 + 1,000 × 15 + 2,000 5-minute writes × 3.75 = 3,000 + 15,000 + 7,500 = 25,500 µ$;
    // inference_geo "us" × 1.1 = 28,050 µ$.
    const event = await billed('anthropic-prod', 'claude-sonnet-4-6', stream, {
      usage: tokens(1_000, 1_000, {
        cache_creation_input_tokens: 2_000,
        cache_creation: { ephemeral_5m_input_tokens: 2_000, ephemeral_1h_input_tokens: 0 },
        inference_geo: 'us',
      }),
    });
    expect(event).toMatchObject({ cost_micros: 28_050, usage: { inference_geo: 'us', cache_write_5m: 2_000 } });
  });

  it('prices an unknown upstream id at the requested model, and marks a model with no price unpriced', async () => {
    // The config sends "claude-custom-tune" upstream; the client asked for Sonnet 4.6:
    // 1,000 × 3 + 1,000 × 15 = 18,000 µ$ at the requested model's price.
    rig.anthropic.enqueue({ kind: 'ok', usage: { usage: tokens(1_000, 1_000) } });
    const config = { provider: '@anthropic-prod', override_params: { model: 'claude-custom-tune' } };
    expect((await rig.send(message('claude-sonnet-4-6', { stream }), { config })).status).toBe(200);
    expect(await rig.onlyEvent()).toMatchObject({ model_upstream: 'claude-custom-tune', priced: true, cost_micros: 18_000 });

    // Neither name has a price: 0, said to be unpriced, with a WARNING naming the model, and counted.
    const period = new Date().toISOString().slice(0, 7);
    const before = (await rig.gw.store.usageTotals('workspace', 'dev', period))?.unpriced_requests ?? 0;
    const event = await billed('anthropic-prod', 'claude-nobody-knows', stream, { usage: tokens(1_000, 1_000) });
    expect(event).toMatchObject({ priced: false, cost_micros: 0, list_cost_micros: 0, usage: { input: 1_000, output: 1_000 } });
    const warning = rig.gw.logs.find((l) => l.message === 'usage not priced: no catalog price for the model' && l.request_id === event.request_id);
    expect(warning).toMatchObject({ severity: 'WARNING', model_requested: 'claude-nobody-knows' });
    expect((await rig.gw.store.usageTotals('workspace', 'dev', period))?.unpriced_requests).toBe(before + 1);
  });
});

describe('cumulative totals and cancelled streams', () => {
  it('keeps the 5-minute / 1-hour split of cache writes that grow after message_start', async () => {
    // message_start: 100 5m + 50 1h; the final delta: 400 written, 100 5m + 300 1h. Opus 5: 100 × 6.25 +
    // 300 × 10 + 10 output × 25 = 625 + 3,000 + 250 = 3,875 µ$ (the remainder at the 5m rate would be 3,625).
    const event = await billed('anthropic-prod', 'claude-opus-5', true, {
      usage: tokens(0, 10, { cache_creation_input_tokens: 150, cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 50 } }),
      delta: { output_tokens: 10, cache_creation_input_tokens: 400, cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 300 } },
    });
    expect(event).toMatchObject({ usage: { cache_write_5m: 100, cache_write_1h: 300, output: 10 }, cost_micros: 3_875 });
  });

  it('records a cancelled stream: input and cache from message_start, output estimated after the last count', async () => {
    // message_start: 500 input, 1,000 cache reads, 200 5m writes, output_tokens 1. Then "Hello", " from ",
    // "fake-anthropic" (25 characters ≈ 7 tokens at 4 a token) are relayed and the client goes away.
    // Sonnet 4.6: 500 × 3 + 1,000 × 0.30 + 200 × 3.75 + (1 + 7) × 15 = 1,500 + 300 + 750 + 120 = 2,670 µ$.
    rig.anthropic.enqueue({
      kind: 'ok',
      usage: {
        usage: tokens(500, 50, {
          cache_read_input_tokens: 1_000,
          cache_creation_input_tokens: 200,
          cache_creation: { ephemeral_5m_input_tokens: 200, ephemeral_1h_input_tokens: 0 },
        }),
        holdAfter: 6,
      },
    });
    const abort = new AbortController();
    const res = await fetch(`${rig.gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': DEV_KEY, 'x-gatehouse-provider': '@anthropic-prod' },
      body: JSON.stringify(message('claude-sonnet-4-6', { stream: true })),
      signal: abort.signal,
    }).catch((err: Error) => err);
    if (res instanceof Error) throw res;
    const reader = res.body!.getReader();
    let seen = '';
    while ((seen.match(/event: content_block_delta/g) ?? []).length < 3) {
      const chunk = await reader.read();
      if (chunk.done) throw new Error(`the stream ended before three deltas: ${seen}`);
      seen += new TextDecoder().decode(chunk.value);
    }
    abort.abort();
    const event = await rig.onlyEvent();
    expect(event).toMatchObject({
      outcome: 'client_cancel',
      usage: { input: 500, cache_read: 1_000, cache_write_5m: 200, output: 8 },
      estimated: { output_tokens: 7 },
      cost_micros: 2_670,
    });
  });
});

describe('the Bedrock invocation metrics cross-check', () => {
  it('logs both figures when Bedrock counts differently from the stream', async () => {
    const event = await billed('bedrock-prod', 'claude-sonnet-4-5', true, {
      usage: tokens(1000, 2000),
      metrics: { inputTokenCount: 1000, outputTokenCount: 2100, cacheReadInputTokenCount: 0, cacheWriteInputTokenCount: 0 },
    });
    const line = rig.gw.logs.find((l) => l.message === 'Bedrock invocation metrics disagree with the streamed usage' && l.requestId === event.request_id);
    expect(line).toMatchObject({
      severity: 'WARNING',
      bedrock: { input: 1000, output: 2100, cache_read: 0, cache_write: 0 },
      tapped: { input: 1000, output: 2000, cache_read: 0, cache_write: 0 },
    });
  });

  it('logs nothing when they agree', async () => {
    const mismatches = () => rig.gw.logs.filter((l) => l.message === 'Bedrock invocation metrics disagree with the streamed usage').length;
    const before = mismatches();
    await billed('bedrock-prod', 'claude-sonnet-4-5', true, { usage: tokens(1000, 2000), metrics: { inputTokenCount: 1000, outputTokenCount: 2000 } });
    expect(mismatches()).toBe(before);
  });
});

describe('retired models', () => {
  // The check reads the gateway's wall clock, pinned here so the verdicts hold whatever today's date.
  const day = (iso: string) => () => Date.parse(`${iso}T12:00:00Z`);
  const onProvider = (provider: string) => ({ headers: { 'x-gatehouse-provider': `@${provider}` } });
  const fakes = () => rig.vertex.calls.length + rig.anthropic.calls.length + rig.bedrock.calls.length;

  it.each([
    [
      'vertex-prod',
      'claude-3-7-sonnet@20250219',
      /claude-3-7-sonnet-20250219 was retired on Google Vertex AI on 2026-05-11 \(provider @vertex-prod\); use claude-sonnet-4-6 instead/,
    ],
    [
      'anthropic-prod',
      'claude-sonnet-4-0',
      /claude-sonnet-4-20250514 was retired on the Anthropic API on 2026-06-15 \(provider @anthropic-prod\); use claude-sonnet-4-6 instead/,
    ],
    [
      'bedrock-prod',
      'claude-3-7-sonnet-20250219',
      /claude-3-7-sonnet-20250219 was retired on Amazon Bedrock on 2026-04-28 \(provider @bedrock-prod\); use claude-sonnet-4-6 instead/,
    ],
    [
      'anthropic-prod',
      'claude-sonnet-4-5',
      /claude-sonnet-4-5-20250929 was retired on the Anthropic API on 2026-11-30 \(provider @anthropic-prod\); use claude-sonnet-4-6 instead/,
    ],
    [
      'vertex-prod',
      'claude-sonnet-4-5@20250929',
      /claude-sonnet-4-5-20250929 was retired on Google Vertex AI on 2026-11-30 \(provider @vertex-prod\); use claude-sonnet-4-6 instead/,
    ],
  ])('%s refuses %s on 2026-12-03 with a 400 naming the date and a replacement, without calling upstream', async (provider, model, wording) => {
    rig.wallClock = day('2026-12-03');
    const res = await rig.send(message(model), onProvider(provider));
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringMatching(wording) } });
    expect(fakes()).toBe(0);
  });

  it('serves Sonnet 4.5 on the Claude API up to its last day, 2026-11-29', async () => {
    rig.wallClock = day('2026-11-29');
    expect((await rig.send(message('claude-sonnet-4-5'), onProvider('anthropic-prod'))).status).toBe(200);
    expect(rig.anthropic.calls.map((c) => c.body.model)).toEqual(['claude-sonnet-4-5-20250929']);
  });

  it('still serves Sonnet 4.5 on Bedrock, which has not retired it', async () => {
    rig.wallClock = day('2026-12-03');
    expect((await rig.send(message('claude-sonnet-4-5'), onProvider('bedrock-prod'))).status).toBe(200);
    expect(rig.bedrock.calls.map((c) => c.path)).toEqual(['/model/us.anthropic.claude-sonnet-4-5-20250929-v1:0/invoke']);
  });

  it.each(['anthropic-prod', 'vertex-prod'])('serves Opus 4.5 on %s before 2027-01-22 and refuses it from that day', async (provider) => {
    rig.wallClock = day('2027-01-21');
    expect((await rig.send(message('claude-opus-4-5'), onProvider(provider))).status).toBe(200);
    expect(fakes()).toBe(1);
    rig.wallClock = day('2027-01-22');
    const res = await rig.send(message('claude-opus-4-5'), onProvider(provider));
    expect(res.status).toBe(400);
    expect(res.json().error.message).toMatch(/claude-opus-4-5-20251101 was retired on .* on 2027-01-22 .*; use claude-opus-4-8 instead/);
    expect(fakes()).toBe(1);
  });

  it('still serves Opus 4.5 on Bedrock after 2027-01-22', async () => {
    rig.wallClock = day('2027-06-01');
    expect((await rig.send(message('claude-opus-4-5'), onProvider('bedrock-prod'))).status).toBe(200);
  });
});

describe('negotiated prices', () => {
  const admin = (method: string, path: string, body?: unknown) => call(rig.gw, ADMIN, method, `/admin/v1${path}`, body);

  it('bills the effective cost next to the list cost, by the version set through the admin API (audited)', async () => {
    const set = await admin('PUT', '/providers/anthropic-prod/pricing', {
      discount_percent: 12.5,
      models: { 'claude-opus-4-8': { input: 4, output: 20, cache_write_5m: 5, cache_write_1h: 8, cache_read: 0.4 } },
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ version: 1, discount_percent: 12.5 });
    await new Promise((r) => setTimeout(r, 50)); // the gateway's provider cache follows the store

    // Opus 5 at list: 1,000 × 5 + 1,000 × 25 = 30,000 µ$; 12.5 % off: 26,250 µ$.
    const discounted = await billed('anthropic-prod', 'claude-opus-5', false, { usage: tokens(1_000, 1_000) });
    expect(discounted).toMatchObject({ list_cost_micros: 30_000, cost_micros: 26_250, pricing_version: 1 });
    // Opus 4.8 has its own row: 1,000 × 4 + 1,000 × 20 = 24,000 µ$ (list 30,000 µ$); no discount on top.
    const own = await billed('anthropic-prod', 'claude-opus-4-8', false, { usage: tokens(1_000, 1_000) });
    expect(own).toMatchObject({ list_cost_micros: 30_000, cost_micros: 24_000 });

    expect((await admin('PUT', '/providers/anthropic-prod/pricing', {})).body).toMatchObject({ version: 2 });
    const audit = await admin('GET', '/audit?target_type=provider&action=provider.pricing');
    expect(audit.body.data.map((e: { target: { id: string } }) => e.target.id)).toEqual(['anthropic-prod', 'anthropic-prod']);
  });

  it('refuses a price for a model the catalog does not know', async () => {
    const res = await admin('PUT', '/providers/anthropic-prod/pricing', {
      models: { 'claude-opus-9': { input: 1, output: 1, cache_write_5m: 1, cache_write_1h: 1, cache_read: 1 } },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/"claude-opus-9" is not in the model catalog/);
  });
});
