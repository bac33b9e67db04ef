import { compileGuardrail } from '../../services/gateway/src/guardrails/compile';
import { parseGuardrailSpec } from '../../services/gateway/src/guardrails/definition';
import { guardAnswer, guardStream, HOLD_BACK } from '../../services/gateway/src/guardrails/output-guard';
import { placeholder } from '../../services/gateway/src/guardrails/redaction';
import type { Verdict } from '../../services/gateway/src/guardrails/verdict';
import type { SseBatch, SseEvent } from '../../services/gateway/src/streaming/sse';
import { positives } from '../helpers/secret-corpus';

/**
 * Output guardrails on streams: a secret split at every possible chunk boundary is still redacted
 * (or ends the stream), and nothing of it reaches the client first.
 */

const KEY = 'stream-redaction-key-0123456789';
const guard = (spec: unknown) => compileGuardrail(parseGuardrailSpec(spec).spec!, 'out');
const SECRETS = positives();
const aws = SECRETS.find((p) => p.detector === 'aws_access_key_id')!.secret;
const jwt = SECRETS.find((p) => p.detector === 'jwt')!.secret;

const ev = (event: string, data: unknown): SseEvent => ({ event, data: JSON.stringify(data) });

/** A streamed answer: a thinking block, then a text block delivered in the given pieces, then the end. */
function answerStream(pieces: string[], kind: 'text' | 'tool_use' = 'text'): SseBatch[] {
  const start = kind === 'text' ? { type: 'text', text: '' } : { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: {} };
  const delta = (p: string) => (kind === 'text' ? { type: 'text_delta', text: p } : { type: 'input_json_delta', partial_json: p });
  return [
    { events: [ev('message_start', { type: 'message_start', message: { id: 'msg_1', usage: { input_tokens: 5, output_tokens: 1 } } })] },
    { events: [ev('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } })] },
    { events: [ev('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: `saw ${aws}` } })] },
    { events: [ev('content_block_stop', { type: 'content_block_stop', index: 0 })] },
    { events: [ev('content_block_start', { type: 'content_block_start', index: 1, content_block: start })] },
    ...pieces.map((p) => ({ events: [ev('content_block_delta', { type: 'content_block_delta', index: 1, delta: delta(p) })] })),
    {
      events: [ev('content_block_stop', { type: 'content_block_stop', index: 1 }), ev('message_delta', { type: 'message_delta', usage: { output_tokens: 9 } })],
    },
    { events: [ev('message_stop', { type: 'message_stop' })] },
  ];
}

async function run(batches: SseBatch[], spec: unknown): Promise<{ events: SseEvent[]; verdicts: Verdict[]; text: string }> {
  async function* source() {
    yield* batches;
  }
  const verdicts: Verdict[] = [];
  const events: SseEvent[] = [];
  for await (const b of guardStream(source(), [guard(spec)], KEY, verdicts)) events.push(...b.events);
  const text = events
    .filter((e) => e.event === 'content_block_delta')
    .map((e) => JSON.parse(e.data))
    .filter((d) => d.index === 1)
    .map((d) => d.delta.text ?? d.delta.partial_json)
    .join('');
  return { events, verdicts, text };
}

describe('a secret split at every chunk boundary', () => {
  const before = 'Here is the config you asked for:\nAWS_REGION=us-east-1\nid: ';
  const after = '\nKeep it safe. '.repeat(3);
  const full = before + aws + after;
  const redacted = before + placeholder('aws_access_key_id', aws, KEY) + after;

  it.each(Array.from({ length: full.length - 1 }, (_, i) => i + 1))('two chunks split at %i: redacted', async (k) => {
    const { text, verdicts, events } = await run(answerStream([full.slice(0, k), full.slice(k)]), { action: 'redact', checks: ['secrets'] });
    expect(text).toBe(redacted);
    expect(verdicts).toEqual([{ id: 'out', action: 'redact', location: 'output:content[1].text', detector: 'aws_access_key_id' }]);
    // The thinking block is signed: passed as it came, secret and all.
    expect(events.filter((e) => e.data.includes('thinking_delta')).map((e) => JSON.parse(e.data).delta.thinking)).toEqual([`saw ${aws}`]);
    expect(events.map((e) => e.event).slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
  });

  it('one character per chunk: redacted, and no chunk before the placeholder holds any of the secret', async () => {
    const { text, events } = await run(answerStream([...full]), { action: 'redact', checks: ['secrets'] });
    expect(text).toBe(redacted);
    let released = '';
    for (const e of events.filter((x) => x.event === 'content_block_delta' && JSON.parse(x.data).index === 1)) {
      released += JSON.parse(e.data).delta.text;
      if (!released.includes('[REDACTED')) expect(released).not.toContain(aws.slice(0, 4));
    }
  });

  it.each(Array.from({ length: Math.ceil((full.length - 1) / 3) }, (_, i) => 3 * i + 1))(
    'split at %i with on_stream "error": the stream ends with an SSE error, the secret never sent',
    async (k) => {
      const { events, text } = await run(answerStream([full.slice(0, k), full.slice(k)]), { id: 'x', action: 'deny', checks: ['aws_access_key_id'] });
      const last = events[events.length - 1];
      expect(last.event).toBe('error');
      expect(JSON.parse(last.data).error.message).toBe(
        'Output guardrail "out" stopped the answer: aws_access_key_id in content[1].text. The matched text is not repeated here.',
      );
      expect(text).not.toContain(aws.slice(0, 4));
      expect(events.some((e) => e.event === 'message_stop')).toBe(false);
    },
  );

  it('a long token (a JWT longer than the hold-back) split anywhere is still redacted whole', async () => {
    const long = `token: ${jwt}${'x'.repeat(0)} ok`;
    expect(jwt.length).toBeLessThan(HOLD_BACK * 4);
    for (let k = 1; k < long.length; k += 7) {
      const { text } = await run(answerStream([long.slice(0, k), long.slice(k)]), { action: 'redact', checks: ['jwt'] });
      expect(text).toBe(`token: ${placeholder('jwt', jwt, KEY)} ok`);
    }
  });

  it('tool inputs (input_json_delta) are guarded too, and stay valid JSON', async () => {
    const json = JSON.stringify({ command: `curl -H 'x-api-key: ${aws}' https://example.test` });
    for (let k = 1; k < json.length; k += 5) {
      const { text } = await run(answerStream([json.slice(0, k), json.slice(k)], 'tool_use'), { action: 'redact', checks: ['secrets'] });
      expect(JSON.parse(text).command).toBe(`curl -H 'x-api-key: ${placeholder('aws_access_key_id', aws, KEY)}' https://example.test`);
    }
  });

  it('flag passes the text unchanged and records the verdict', async () => {
    const { text, verdicts } = await run(answerStream([full.slice(0, 40), full.slice(40)]), { action: 'flag', checks: ['secrets'] });
    expect(text).toBe(full);
    expect(verdicts.map((v) => v.action)).toEqual(['flag']);
  });
});

describe('a whole (non-streamed) answer', () => {
  const answer = JSON.stringify({
    id: 'msg_1',
    type: 'message',
    content: [
      { type: 'thinking', thinking: `saw ${aws}`, signature: 'sig' },
      { type: 'text', text: `the key is ${aws}` },
    ],
    usage: { input_tokens: 1, output_tokens: 2 },
  });

  it('redact replaces the text block match only; the thinking block keeps its bytes', () => {
    const out = guardAnswer([guard({ action: 'redact', checks: ['secrets'] })], answer, KEY);
    expect(out.text).toBe(answer.replace(`the key is ${aws}`, `the key is ${placeholder('aws_access_key_id', aws, KEY)}`));
    expect(out.verdicts).toEqual([{ id: 'out', action: 'redact', location: 'output:content[1].text', detector: 'aws_access_key_id' }]);
  });

  it('deny gives the 400 naming the guardrail and location', () => {
    const out = guardAnswer([compileGuardrail(parseGuardrailSpec({ action: 'deny', checks: ['secrets'] }).spec!, 'no-leaks')], answer, KEY);
    expect(out.denied?.message).toBe(
      'Output guardrail "no-leaks" denied the answer: aws_access_key_id in content[1].text. The matched text is not repeated here.',
    );
  });
});
