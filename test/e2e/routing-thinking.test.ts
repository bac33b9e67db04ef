import { answerMessage, anthropicError } from '../fakes/answer';
import { sendJson, startHttpFake, type HttpFake } from '../fakes/http-fake';
import { message, startRoutingRig, type RoutingRig } from './routing-harness';
import { closeAll } from '../helpers/listen';

/**
 * Thinking-signature safety (docs/design.md §6.3): a thinking block's signature is valid only with the
 * provider that made it. This upstream speaks the Anthropic API and, like it, rejects a thinking block
 * whose signature it did not issue (its own start with `strict-`). The scripted fakes have no
 * behaviour for that 400, so it is a small fake of its own here.
 */
const INVALID_SIGNATURE = 'messages.1.content.0: Invalid `signature` in `thinking` block';
let strict: HttpFake;
let rig: RoutingRig;

beforeAll(async () => {
  strict = await startHttpFake((_req, res, call) => {
    const body = call.body ?? {};
    const foreign = (body.messages ?? []).some(
      (m: any) =>
        m.role === 'assistant' && Array.isArray(m.content) && m.content.some((b: any) => b.type === 'thinking' && !String(b.signature).startsWith('strict-')),
    );
    if (foreign || String(body.model).includes('always-bad-signature')) {
      return sendJson(res, 400, anthropicError('invalid_request_error', INVALID_SIGNATURE, 'req_strict_1'));
    }
    sendJson(res, 200, answerMessage({ shape: 'ok', label: 'fake-anthropic', model: String(body.model), messageId: 'msg_strict_1', toolId: 'toolu_strict_1' }));
  });
  rig = await startRoutingRig({
    seed: {
      providers: [
        { slug: 'anthropic-strict', kind: 'anthropic', credentials: { env: 'ANTHROPIC_API_KEY' }, base_url: strict.url, allow_uncatalogued_models: true },
      ],
    },
  });
});
afterAll(() => closeAll(rig, strict));
beforeEach(async () => {
  strict.reset();
  await rig.reset();
});

const config = { strategy: { mode: 'fallback' }, targets: [{ provider: '@vertex-prod' }, { provider: '@anthropic-strict' }] };

/** A conversation whose earlier assistant turns carry thinking signed by Vertex. */
function conversation(model = 'claude-sonnet-4-6') {
  return message(model, {
    thinking: { type: 'enabled', budget_tokens: 1024 },
    messages: [
      { role: 'user', content: 'What is 2 + 2?' },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'Simple sum.', signature: 'vertex-signature-abc' },
          { type: 'text', text: '4' },
        ],
      },
      { role: 'user', content: 'And 3 + 3?' },
      { role: 'assistant', content: [{ type: 'redacted_thinking', data: 'opaque' }] },
      { role: 'user', content: 'Well?' },
    ],
  });
}

it('after failing over to another provider, retries a thinking-signature 400 once without the earlier thinking blocks', async () => {
  rig.vertex.enqueue('error-500');
  const res = await rig.send(conversation(), { config });
  expect(res.status).toBe(200);
  expect(res.json().content[0].text).toBe('Hello from fake-anthropic');
  expect(res.headers.get('x-gatehouse-provider')).toBe('@anthropic-strict');
  expect(res.headers.get('x-gatehouse-retry-count')).toBe('2');
  expect(rig.vertex.calls).toHaveLength(1);
  expect(strict.calls).toHaveLength(2);
  expect(strict.calls[0].body.messages[1].content[0].type).toBe('thinking');
  const retried = strict.calls[1].body;
  // Thinking blocks gone; an assistant turn left empty is dropped; the rest is untouched.
  expect(retried.messages).toEqual([
    { role: 'user', content: 'What is 2 + 2?' },
    { role: 'assistant', content: [{ type: 'text', text: '4' }] },
    { role: 'user', content: 'And 3 + 3?' },
    { role: 'user', content: 'Well?' },
  ]);
  expect(retried.thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });
  const event = await rig.onlyEvent();
  expect(event.attempts.map((a) => [a.target, a.provider, a.status])).toEqual([
    ['targets[0]', 'vertex-prod', 500],
    ['targets[1]', 'anthropic-strict', 400],
    ['targets[1]', 'anthropic-strict', 200],
  ]);
  expect(event).toMatchObject({ outcome: 'success', provider: 'anthropic-strict' });
});

it('retries only once: a second signature 400 is returned to the client as the upstream wrote it', async () => {
  const res = await rig.send(conversation('always-bad-signature'), { config: { provider: '@anthropic-strict' } });
  expect(res.status).toBe(400);
  expect(res.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: INVALID_SIGNATURE }, request_id: 'req_strict_1' });
  expect(strict.calls).toHaveLength(2);
  const event = await rig.onlyEvent();
  expect(event.attempts.map((a) => a.status)).toEqual([400, 400]);
});

it('does not retry a signature 400 when there are no thinking blocks to remove', async () => {
  const res = await rig.send(message('always-bad-signature'), { config: { provider: '@anthropic-strict' } });
  expect(res.status).toBe(400);
  expect(strict.calls).toHaveLength(1);
  expect((await rig.onlyEvent()).attempts).toHaveLength(1);
});
