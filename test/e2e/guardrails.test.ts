import type { ServerResponse } from 'node:http';
import { placeholder } from '../../services/gateway/src/guardrails/redaction';
import { FAKE_METADATA_TOKEN } from '../fakes/fake-metadata';
import { INJECTION_TEXT, SLOW_TEXT, startFakeModelArmor } from '../fakes/fake-model-armor';
import { sendJson, startHttpFake, type HttpFake } from '../fakes/http-fake';
import { DEV_KEY } from '../helpers/gateway';
import { guardedClaudeCodeBody } from '../helpers/guarded-body';
import { closeAll } from '../helpers/listen';
import { positives } from '../helpers/secret-corpus';
import { message, type RoutingRig, sseEvents, startRoutingRig, streamedText } from './routing-harness';

/**
 * Guardrails end to end: what the upstream received and what the client got, for each action on the
 * request and on the answer (whole and streamed), and the verdicts in the usage event.
 */

const REDACTION_KEY = 'e2e-redaction-key-0123456789';
const aws = positives().find((p) => p.detector === 'aws_access_key_id')!.secret;
const ANSWER_TEXT = `Your key is ${aws} — rotate it.`;

/** An upstream whose answers leak a secret; streamed, the secret is split across two writes. */
async function startLeaky(): Promise<HttpFake> {
  return startHttpFake(async (_req, res, call) => {
    if (!call.body?.stream) {
      return sendJson(res, 200, {
        id: 'msg_leak',
        type: 'message',
        role: 'assistant',
        model: call.body?.model,
        content: [{ type: 'text', text: ANSWER_TEXT }],
        stop_reason: 'end_turn',
        usage: { input_tokens: 10, output_tokens: 12 },
      });
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const sse = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    const delta = (text: string) => sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } });
    const write = (s: string) => new Promise<void>((r) => (res as ServerResponse).write(s, () => r()));
    const cut = ANSWER_TEXT.indexOf(aws) + 9;
    await write(
      sse('message_start', {
        type: 'message_start',
        message: { id: 'msg_leak', type: 'message', role: 'assistant', content: [], model: call.body.model, usage: { input_tokens: 10, output_tokens: 1 } },
      }) +
        sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) +
        delta(ANSWER_TEXT.slice(0, cut)),
    );
    await new Promise((r) => setTimeout(r, 20));
    await write(delta(ANSWER_TEXT.slice(cut)));
    res.end(
      sse('content_block_stop', { type: 'content_block_stop', index: 0 }) +
        sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 12 } }) +
        sse('message_stop', { type: 'message_stop' }),
    );
  });
}

let rig: RoutingRig;
let leaky: HttpFake;
let armor: HttpFake;
const TEMPLATE = 'projects/my-project/locations/us-central1/templates/gatehouse';

beforeAll(async () => {
  leaky = await startLeaky();
  armor = await startFakeModelArmor([TEMPLATE], ['rotate it']); // the leaky answer's words
  rig = await startRoutingRig({
    env: { GATEHOUSE_REDACTION_KEY: REDACTION_KEY, GATEHOUSE_MODEL_ARMOR_URL: armor.url },
    seed: {
      providers: [{ slug: 'leaky', kind: 'anthropic', credentials: { env: 'ANTHROPIC_API_KEY' }, base_url: leaky.url, allow_uncatalogued_models: true }],
    },
  });
});
afterAll(() => closeAll(rig, leaky, armor));
beforeEach(async () => {
  leaky.reset();
  armor.reset();
  await rig.reset();
});

const withSecret = () => message('claude-sonnet-4-6', { messages: [{ role: 'user', content: `deploy with AWS_ACCESS_KEY_ID=${aws} please` }] });
const inputConfig = (action: string) => ({ provider: '@anthropic-prod', input_guardrails: [{ id: `input-${action}`, action, checks: ['secrets', 'pii'] }] });

describe('input guardrails', () => {
  it('deny: 400 naming the guardrail and where it matched, nothing sent upstream, the verdict in the usage event', async () => {
    const res = await rig.send(withSecret(), { config: inputConfig('deny') });
    expect(res.status).toBe(400);
    expect(res.json().error).toEqual({
      type: 'invalid_request_error',
      message: 'Input guardrail "input-deny" denied the request: aws_access_key_id in messages[0].content. The matched text is not repeated here.',
      details: { error_code: 'dlp_request_denied' },
    });
    expect(res.text).not.toContain(aws);
    expect(rig.anthropic.calls).toHaveLength(0);
    const event = await rig.onlyEvent();
    expect(event.guardrails).toEqual([{ id: 'input-deny', action: 'deny', location: 'input:messages[0].content', detector: 'aws_access_key_id' }]);
    expect(event.outcome).toBe('rejected');
  });

  it('redact: the upstream gets a placeholder, the client a normal answer', async () => {
    const res = await rig.send(withSecret(), { config: inputConfig('redact') });
    expect(res.status).toBe(200);
    const sent = rig.anthropic.calls[0].body.messages[0].content;
    expect(sent).toBe(`deploy with AWS_ACCESS_KEY_ID=${placeholder('aws_access_key_id', aws, REDACTION_KEY)} please`);
    expect((await rig.onlyEvent()).guardrails).toEqual([
      { id: 'input-redact', action: 'redact', location: 'input:messages[0].content', detector: 'aws_access_key_id' },
    ]);
  });

  it('flag: the upstream gets the request unchanged, the usage event the verdict', async () => {
    const res = await rig.send(withSecret(), { config: inputConfig('flag') });
    expect(res.status).toBe(200);
    expect(rig.anthropic.calls[0].body.messages[0].content).toContain(aws);
    expect((await rig.onlyEvent()).guardrails?.map((v) => v.action)).toEqual(['flag']);
  });

  it('a Claude Code request: the tool_result secret redacted, the signed thinking block byte-identical upstream', async () => {
    const { raw, thinkingRaw } = guardedClaudeCodeBody();
    const body = JSON.parse(raw.toString());
    const res = await fetch(`${rig.gw.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': DEV_KEY, 'x-gatehouse-config': JSON.stringify(inputConfig('redact')) },
      body: new Uint8Array(raw),
    });
    await res.text();
    const upstream = rig.anthropic.calls[0].rawBody;
    expect(upstream).toContain(thinkingRaw); // the client's escapes, secret and all: signed bytes are never touched
    expect(upstream).toContain(`AWS_ACCESS_KEY_ID=${placeholder('aws_access_key_id', aws, REDACTION_KEY)}`);
    expect(upstream.split(aws)).toHaveLength(2); // only inside the thinking block
    expect(Buffer.byteLength(upstream) - raw.length).toBe(placeholder('aws_access_key_id', aws, REDACTION_KEY).length - aws.length);
    expect(body.messages[2].content[0].type).toBe('thinking');
  });

  it('a stored guardrail named by a workspace default runs whatever config the key uses', async () => {
    const store = rig.gw.deps.store;
    await store.guardrails.put('org-no-secrets', { id: 'org-no-secrets', version: 1, guardrail: { action: 'deny', checks: ['secrets'] } });
    const ws = (await store.workspaces.get('dev'))!;
    await store.workspaces.put('dev', { ...ws, defaults: { ...ws.defaults, input_guardrails: ['org-no-secrets'] } });
    try {
      await new Promise((r) => setTimeout(r, 50));
      // The config asks only to flag; the workspace default still denies.
      const res = await rig.send(withSecret(), { config: inputConfig('flag') });
      expect(res.status).toBe(400);
      expect(res.json().error.message).toMatch(/^Input guardrail "org-no-secrets" denied the request/);
      expect((await rig.onlyEvent()).guardrails?.map((v) => `${v.id}:${v.action}`)).toEqual(['org-no-secrets:deny', 'input-flag:flag']);
    } finally {
      await store.workspaces.put('dev', ws);
      await store.guardrails.delete('org-no-secrets');
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  it('a guardrail id that does not exist fails closed with a 400', async () => {
    const res = await rig.send(withSecret(), { config: { provider: '@anthropic-prod', input_guardrails: ['missing'] } });
    expect(res.status).toBe(400);
    expect(res.json().error.message).toBe('Guardrail "missing" (from config input_guardrails) does not exist.');
  });
});

describe('output guardrails', () => {
  const outputConfig = (spec: Record<string, unknown>) => ({ provider: '@leaky', output_guardrails: [{ id: 'out', checks: ['secrets'], ...spec }] });
  const redacted = ANSWER_TEXT.replace(aws, placeholder('aws_access_key_id', aws, REDACTION_KEY));

  it('redact on a stream whose secret is split across chunks: the client never sees it', async () => {
    const res = await rig.send(message('claude-sonnet-4-6', { stream: true }), { config: outputConfig({ action: 'redact' }) });
    expect(res.status).toBe(200);
    expect(res.text).not.toContain(aws.slice(0, 9));
    expect(streamedText(res.text)).toBe(redacted);
    expect(sseEvents(res.text).at(-1)?.event).toBe('message_stop');
    expect((await rig.onlyEvent()).guardrails).toEqual([{ id: 'out', action: 'redact', location: 'output:content[0].text', detector: 'aws_access_key_id' }]);
  });

  it('deny on a stream: the stream ends with an SSE error event before the secret', async () => {
    const res = await rig.send(message('claude-sonnet-4-6', { stream: true }), { config: outputConfig({ action: 'deny' }) });
    const events = sseEvents(res.text);
    expect(events.at(-1)).toEqual({
      event: 'error',
      data: {
        type: 'error',
        error: {
          type: 'invalid_request_error',
          message: 'Output guardrail "out" stopped the answer: aws_access_key_id in content[0].text. The matched text is not repeated here.',
          details: { error_code: 'dlp_request_denied' },
        },
      },
    });
    expect(res.text).not.toContain(aws.slice(0, 9));
    const event = await rig.onlyEvent();
    expect(event.guardrails?.[0].action).toBe('deny');
    expect(event.outcome).toBe('upstream_error');
  });

  it('redact and deny on a whole answer', async () => {
    const ok = await rig.send(message('claude-sonnet-4-6'), { config: outputConfig({ action: 'redact' }) });
    expect(ok.json().content[0].text).toBe(redacted);
    await rig.onlyEvent();
    const denied = await rig.send(message('claude-sonnet-4-6'), { config: outputConfig({ action: 'deny' }) });
    expect(denied.status).toBe(400);
    expect(denied.text).not.toContain(aws);
    expect(denied.json().error.message).toBe(
      'Output guardrail "out" denied the answer: aws_access_key_id in content[0].text. The matched text is not repeated here.',
    );
    const event = await rig.onlyEvent();
    expect(event.usage.output).toBe(12); // the upstream billed the answer
  });
});

describe('cached answers', () => {
  /** Stores the leaky answer under a config without guardrails, then asks again under `guarded`: a hit, checked. */
  async function hitUnder(stream: boolean, guardrail: Record<string, unknown>) {
    const cache = { mode: 'simple' };
    const body = message('claude-sonnet-4-6', { stream });
    const warm = await rig.send(body, { config: { provider: '@leaky', cache } });
    expect(stream ? streamedText(warm.text) : warm.json().content[0].text).toBe(ANSWER_TEXT); // stored as the upstream sent it
    await rig.onlyEvent();
    await rig.gw.clearEvents();
    const calls = leaky.calls.length;
    const res = await rig.send(body, { config: { provider: '@leaky', cache, output_guardrails: [{ id: 'out', checks: ['secrets'], ...guardrail }] } });
    expect(res.headers.get('x-gatehouse-cache-status')).toBe('HIT');
    expect(leaky.calls).toHaveLength(calls);
    const event = await rig.onlyEvent();
    expect(event.cache?.status).toBe('HIT');
    return { res, event };
  }
  const redacted = ANSWER_TEXT.replace(aws, placeholder('aws_access_key_id', aws, REDACTION_KEY));
  const verdict = (action: string) => [{ id: 'out', action, location: 'output:content[0].text', detector: 'aws_access_key_id' }];

  it('deny: a whole cached answer becomes the guardrail’s 400', async () => {
    const { res, event } = await hitUnder(false, { action: 'deny' });
    expect(res.status).toBe(400);
    expect(res.text).not.toContain(aws);
    expect(res.json().error).toMatchObject({ type: 'invalid_request_error', details: { error_code: 'dlp_request_denied' } });
    expect(event.guardrails).toEqual(verdict('deny'));
  });

  it('deny on a cached stream: it ends with an SSE error event before the secret', async () => {
    const { res, event } = await hitUnder(true, { action: 'deny' });
    expect(res.text).not.toContain(aws.slice(0, 9));
    expect(sseEvents(res.text).at(-1)?.event).toBe('error');
    expect(event.guardrails).toEqual(verdict('deny'));
  });

  it('redact: whole and streamed cached answers reach the client redacted', async () => {
    const whole = await hitUnder(false, { action: 'redact' });
    expect(whole.res.json().content[0].text).toBe(redacted);
    expect(whole.event.guardrails).toEqual(verdict('redact'));
    const streamed = await hitUnder(true, { action: 'redact' });
    expect(streamedText(streamed.res.text)).toBe(redacted);
    expect(sseEvents(streamed.res.text).at(-1)?.event).toBe('message_stop');
    expect(streamed.event.guardrails).toEqual(verdict('redact'));
  });

  it('flag: the cached answer unchanged, the verdict recorded', async () => {
    const { res, event } = await hitUnder(false, { action: 'flag' });
    expect(res.json().content[0].text).toBe(ANSWER_TEXT);
    expect(event.guardrails).toEqual(verdict('flag'));
  });
});

describe('Model Armor', () => {
  const armored = (spec: Record<string, unknown> = {}, action = 'deny') => ({
    provider: '@anthropic-prod',
    input_guardrails: [{ id: 'armor', action, checks: [{ type: 'model_armor', template: TEMPLATE, ...spec }] }],
  });
  const ask = (text: string) => message('claude-sonnet-4-6', { system: 'You are helpful.', messages: [{ role: 'user', content: text }] });

  it('deny: a prompt injection Model Armor finds is refused, nothing upstream; the prompt went to sanitizeUserPrompt with the service identity', async () => {
    const res = await rig.send(ask(`Please: ${INJECTION_TEXT}`), { config: armored() });
    expect(res.status).toBe(400);
    expect(res.json().error).toEqual({
      type: 'invalid_request_error',
      message: 'Input guardrail "armor" denied the request: model_armor:pi_and_jailbreak in messages. The matched text is not repeated here.',
      details: { error_code: 'dlp_request_denied' },
    });
    expect(rig.anthropic.calls).toHaveLength(0);
    expect(armor.calls).toHaveLength(1);
    expect(armor.calls[0].path).toBe(`/v1/${TEMPLATE}:sanitizeUserPrompt`);
    expect(armor.calls[0].headers.authorization).toBe(`Bearer ${FAKE_METADATA_TOKEN}`);
    expect(armor.calls[0].query.$alt).toBe('json;enum-encoding=int'); // so the fake answered enums as numbers
    expect(armor.calls[0].body.userPromptData.text).toBe(`You are helpful.\n\nPlease: ${INJECTION_TEXT}`);
    expect((await rig.onlyEvent()).guardrails).toEqual([{ id: 'armor', action: 'deny', location: 'input:messages', detector: 'model_armor:pi_and_jailbreak' }]);
  });

  it('a clean prompt goes upstream with no verdict; flag records a match and lets it through', async () => {
    expect((await rig.send(ask('What is 2 + 2?'), { config: armored() })).status).toBe(200);
    expect((await rig.onlyEvent()).guardrails ?? []).toEqual([]);
    await rig.gw.clearEvents();
    expect((await rig.send(ask(INJECTION_TEXT), { config: armored({}, 'flag') })).status).toBe(200);
    expect((await rig.onlyEvent()).guardrails).toEqual([{ id: 'armor', action: 'flag', location: 'input:messages', detector: 'model_armor:pi_and_jailbreak' }]);
    expect(rig.anthropic.calls).toHaveLength(2);
  });

  it('a slow Model Armor: fail closed refuses with a 503, fail_open lets the request through flagged', async () => {
    const closed = await rig.send(ask(SLOW_TEXT), { config: armored({ timeout_ms: 200 }) });
    expect(closed.status).toBe(503);
    expect(closed.json().error.message).toBe('Guardrail "armor" could not get an answer from Model Armor, so the request was not sent; try again.');
    expect(rig.anthropic.calls).toHaveLength(0);
    await rig.onlyEvent();
    await rig.gw.clearEvents();
    const open = await rig.send(ask(SLOW_TEXT), { config: armored({ timeout_ms: 200, fail_open: true }) });
    expect(open.status).toBe(200);
    expect((await rig.onlyEvent()).guardrails).toEqual([{ id: 'armor', action: 'flag', location: 'input:messages', detector: 'model_armor:unavailable' }]);
  });

  it('output: a whole answer is checked with sanitizeModelResponse and denied on a match', async () => {
    const config = { provider: '@leaky', output_guardrails: [{ id: 'armor-out', action: 'deny', checks: [{ type: 'model_armor', template: TEMPLATE }] }] };
    const res = await rig.send(message('claude-sonnet-4-6'), { config });
    expect(res.status).toBe(400);
    expect(res.json().error.message).toBe(
      'Output guardrail "armor-out" denied the answer: model_armor:pi_and_jailbreak in content. The matched text is not repeated here.',
    );
    expect(armor.calls[0].path).toBe(`/v1/${TEMPLATE}:sanitizeModelResponse`);
    expect(armor.calls[0].body.modelResponseData.text).toBe(ANSWER_TEXT);
    expect((await rig.onlyEvent()).guardrails).toEqual([
      { id: 'armor-out', action: 'deny', location: 'output:content', detector: 'model_armor:pi_and_jailbreak' },
    ]);
  });

  it('output on a stream: the whole answer is checked before its end, and a deny ends the stream with an error', async () => {
    const config = { provider: '@leaky', output_guardrails: [{ id: 'armor-out', action: 'deny', checks: [{ type: 'model_armor', template: TEMPLATE }] }] };
    const res = await rig.send(message('claude-sonnet-4-6', { stream: true }), { config });
    const events = sseEvents(res.text);
    // The text went out as it came (Model Armor needs the whole answer); the end did not.
    expect(streamedText(res.text)).toBe(ANSWER_TEXT);
    expect(events.slice(-2).map((e) => e.event)).toEqual(['content_block_stop', 'error']);
    expect(events.map((e) => e.event)).not.toContain('message_delta');
    expect(events.at(-1)?.data).toEqual({
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message: 'Output guardrail "armor-out" stopped the answer: model_armor:pi_and_jailbreak in content. The matched text is not repeated here.',
        details: { error_code: 'dlp_request_denied' },
      },
    });
    expect(armor.calls.map((c) => [c.path, c.body.modelResponseData?.text])).toEqual([[`/v1/${TEMPLATE}:sanitizeModelResponse`, ANSWER_TEXT]]);
    const event = await rig.onlyEvent();
    expect(event.guardrails).toEqual([{ id: 'armor-out', action: 'deny', location: 'output:content', detector: 'model_armor:pi_and_jailbreak' }]);
  });

  it('output on a stream, flag: the stream ends as the upstream ended it, the verdict recorded', async () => {
    const config = { provider: '@leaky', output_guardrails: [{ id: 'armor-out', action: 'flag', checks: [{ type: 'model_armor', template: TEMPLATE }] }] };
    const res = await rig.send(message('claude-sonnet-4-6', { stream: true }), { config });
    expect(streamedText(res.text)).toBe(ANSWER_TEXT);
    expect(sseEvents(res.text).at(-1)?.event).toBe('message_stop');
    expect(armor.calls).toHaveLength(1);
    expect((await rig.onlyEvent()).guardrails).toEqual([
      { id: 'armor-out', action: 'flag', location: 'output:content', detector: 'model_armor:pi_and_jailbreak' },
    ]);
  });

  it('a model_armor check cannot redact, and names a template', async () => {
    const bad = await rig.send(ask('hi'), { config: armored({ template: 'gatehouse' }) });
    expect(bad.status).toBe(400);
    expect(bad.json().error.message).toContain('a template name: projects/P/locations/L/templates/T');
    const redact = await rig.send(ask('hi'), { config: armored({}, 'redact') });
    expect(redact.status).toBe(400);
    expect(redact.json().error.message).toContain('a model_armor check has nothing to redact');
    expect(armor.calls).toHaveLength(0);
  });
});
