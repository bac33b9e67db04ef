import { foldUsage, UsageTap, usageFromMessage } from '../../services/gateway/src/usage/usage-tap';
import { ZERO_USAGE } from '../../services/shared/src/usage-event';

describe('usage tap: counts are cumulative, overwritten and never added', () => {
  it('takes input and cache from message_start and output from the last message_delta', () => {
    const tap = new UsageTap();
    tap.onEvent(
      'message_start',
      JSON.stringify({
        type: 'message_start',
        message: {
          model: 'claude-opus-5-5',
          usage: {
            input_tokens: 10,
            output_tokens: 1,
            cache_creation_input_tokens: 30,
            cache_read_input_tokens: 7,
            cache_creation: { ephemeral_5m_input_tokens: 20, ephemeral_1h_input_tokens: 10 },
          },
        },
      }),
    );
    tap.onEvent('ping', '{"type": "ping"}');
    tap.onEvent('message_delta', JSON.stringify({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 40 } }));
    tap.onEvent(
      'message_delta',
      JSON.stringify({ type: 'message_delta', delta: {}, usage: { output_tokens: 55, server_tool_use: { web_search_requests: 2 } } }),
    );
    expect(tap.usage).toEqual({ input: 10, output: 55, cache_write_5m: 20, cache_write_1h: 10, cache_read: 7, web_search_requests: 2 });
  });

  it('lets a later cumulative total overwrite input and cache counts, keeping the 1h split', () => {
    const start = foldUsage(ZERO_USAGE, {
      input_tokens: 10,
      cache_creation_input_tokens: 30,
      cache_creation: { ephemeral_5m_input_tokens: 20, ephemeral_1h_input_tokens: 10 },
    });
    const end = foldUsage(start, { input_tokens: 12, cache_creation_input_tokens: 40, output_tokens: 5 });
    expect(end).toMatchObject({ input: 12, cache_write_1h: 10, cache_write_5m: 30, output: 5 });
  });

  it('bills cache writes without a TTL breakdown at the 5-minute rate', () => {
    expect(foldUsage(ZERO_USAGE, { cache_creation_input_tokens: 50 })).toMatchObject({ cache_write_5m: 50, cache_write_1h: 0 });
  });

  it('ignores nulls (Vertex sends them) and malformed data', () => {
    const tap = new UsageTap();
    tap.onEvent('message_start', '{"message":{"usage":{"input_tokens":9,"cache_read_input_tokens":null}}}');
    tap.onEvent('message_delta', 'not json');
    expect(tap.usage).toMatchObject({ input: 9, cache_read: 0 });
  });

  it('records the type of an SSE error event', () => {
    const tap = new UsageTap();
    tap.onEvent('error', '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}');
    expect(tap.errorType).toBe('overloaded_error');
  });

  it('reads a non-streaming Message', () => {
    expect(usageFromMessage({ usage: { input_tokens: 3, output_tokens: 4 } })).toMatchObject({ input: 3, output: 4 });
    expect(usageFromMessage({ input_tokens: 8 })).toEqual(ZERO_USAGE);
  });
});

describe('usage tap: what the provider bills beyond the top-level counts', () => {
  it('reads speed, inference_geo and the iterations the top level leaves out', () => {
    const got = usageFromMessage({
      usage: {
        input_tokens: 5,
        output_tokens: 6,
        speed: 'fast',
        inference_geo: 'us',
        iterations: [
          {
            type: 'compaction',
            input_tokens: 100,
            output_tokens: 10,
            cache_read_input_tokens: 3,
            cache_creation_input_tokens: 7,
            cache_creation: { ephemeral_5m_input_tokens: 2, ephemeral_1h_input_tokens: 5 },
          },
          { type: 'message', input_tokens: 5, output_tokens: 6 },
          { type: 'advisor_message', model: 'claude-opus-5', input_tokens: 1, output_tokens: 2 },
        ],
      },
    });
    expect(got).toMatchObject({ input: 5, output: 6, speed: 'fast', inference_geo: 'us' });
    expect(got.iterations).toEqual([
      { type: 'compaction', input: 100, output: 10, cache_write_5m: 2, cache_write_1h: 5, cache_read: 3 },
      { type: 'advisor_message', model: 'claude-opus-5', input: 1, output: 2, cache_write_5m: 0, cache_write_1h: 0, cache_read: 0 },
    ]);
  });

  it('estimates the output relayed after the last cumulative count, at about four characters a token', () => {
    const tap = new UsageTap();
    tap.onEvent('message_start', JSON.stringify({ type: 'message_start', message: { usage: { input_tokens: 3, output_tokens: 1 } } }));
    const delta = (text: string) => JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } });
    tap.onEvent('content_block_delta', delta('abcdefgh')); // 8 characters: 2 tokens
    tap.onEvent('content_block_delta', delta('ijk')); // 3 more: 11 characters, ceil(11 / 4) = 3 tokens
    expect(tap.outputSinceLastCount()).toBe(3);
    // A cumulative count covers everything before it.
    tap.onEvent('message_delta', JSON.stringify({ type: 'message_delta', usage: { output_tokens: 4 } }));
    expect(tap.outputSinceLastCount()).toBe(0);
  });
});
