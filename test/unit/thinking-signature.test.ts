import { GatewayError } from '../../services/shared/src/errors';
import { isThinkingSignatureError, withoutThinkingBlocks } from '../../services/gateway/src/providers/thinking-signature';

describe('isThinkingSignatureError', () => {
  it.each([
    ['the Anthropic API wording', 400, 'messages.1.content.0: Invalid `signature` in `thinking` block', true],
    ['a redacted_thinking variant', 400, 'messages.3.content.0: Invalid `signature` in `redacted_thinking` block', true],
    ['another 400', 400, 'max_tokens: Field required', false],
    ['a signature word in a 500', 500, 'Invalid `signature` in `thinking` block', false],
  ])('%s → %s', (_name, status, message, want) => {
    const err = new GatewayError(status === 400 ? 'invalid_request_error' : 'api_error', message, { status });
    expect(isThinkingSignatureError(err)).toBe(want);
  });
});

describe('withoutThinkingBlocks', () => {
  const thinking = { type: 'thinking', thinking: 't', signature: 's' };

  it('removes thinking and redacted_thinking from assistant turns, dropping turns left empty', () => {
    const body = {
      model: 'm',
      messages: [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: [thinking, { type: 'text', text: 'b' }] },
        { role: 'user', content: 'c' },
        { role: 'assistant', content: [{ type: 'redacted_thinking', data: 'x' }] },
        { role: 'user', content: [{ type: 'text', text: 'd' }] },
      ],
    };
    expect(withoutThinkingBlocks(body)).toEqual({
      model: 'm',
      messages: [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: [{ type: 'text', text: 'b' }] },
        { role: 'user', content: 'c' },
        { role: 'user', content: [{ type: 'text', text: 'd' }] },
      ],
    });
    expect(body.messages[1].content).toHaveLength(2); // the input is not changed
  });

  it('turns thinking off when the last assistant turn is a tool call that lost its thinking', () => {
    const body = {
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: [thinking, { type: 'tool_use', id: 't1', name: 'x', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'ok' }] },
      ],
    };
    expect(withoutThinkingBlocks(body)?.thinking).toBeUndefined();
  });

  it('returns undefined when there is nothing to remove', () => {
    expect(
      withoutThinkingBlocks({
        messages: [
          { role: 'user', content: 'a' },
          { role: 'assistant', content: 'b' },
        ],
      }),
    ).toBeUndefined();
    expect(withoutThinkingBlocks({ prompt: 'x' })).toBeUndefined();
  });
});
