/**
 * Bench child process: a fake api.anthropic.com on 127.0.0.1 that reads the whole request and answers
 * at once with a realistic streamed Message (docs/wire-formats.md §5.2): message_start, a text block of ~40
 * deltas, ping, a tool_use block streamed as input_json_delta, a cumulative message_delta, message_stop.
 * Reports `{ port }` to the parent over IPC.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { reportReady } from './child-ready';

const TEXT =
  "I'll look at how the retry budget is computed first. The delay comes from `retryDelayMs`, which reads " +
  '`retry-after` in seconds but ignores `retry-after-ms`; the total wait is bounded by `withinRetryBudget`. ' +
  "I'll add the millisecond header, prefer it when both are present, and cover both with table-driven tests " +
  'so the schedule stays deterministic with the injected random source.';

function sse(event: string, data: Record<string, unknown>): string {
  return `event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`;
}

/** One streamed answer, a few KB, as Anthropic frames it. */
export function answerStream(messageId: string): string {
  const out: string[] = [];
  out.push(
    sse('message_start', {
      message: {
        id: messageId,
        type: 'message',
        role: 'assistant',
        model: 'claude-opus-5-5',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: 6,
          cache_creation_input_tokens: 1204,
          cache_read_input_tokens: 17436,
          cache_creation: { ephemeral_5m_input_tokens: 1204, ephemeral_1h_input_tokens: 0 },
          output_tokens: 3,
          service_tier: 'standard',
        },
      },
    }),
    sse('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    sse('ping', {}),
  );
  const words = TEXT.split(/(?<= )/);
  for (let i = 0; i < words.length; i += 2) {
    out.push(sse('content_block_delta', { index: 0, delta: { type: 'text_delta', text: words.slice(i, i + 2).join('') } }));
  }
  out.push(
    sse('content_block_stop', { index: 0 }),
    sse('content_block_start', { index: 1, content_block: { type: 'tool_use', id: `toolu_01${messageId.slice(-20)}`, name: 'Read', input: {} } }),
  );
  for (const partial_json of ['', '{"file_path": "/home/dev', '/project/src/routing/', 'retry.ts", "offset": 1', ', "limit": 200}']) {
    out.push(sse('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json } }));
  }
  out.push(
    sse('content_block_stop', { index: 1 }),
    sse('message_delta', {
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { input_tokens: 6, cache_creation_input_tokens: 1204, cache_read_input_tokens: 17436, output_tokens: 187 },
    }),
    sse('message_stop', {}),
  );
  return out.join('');
}

function main(): void {
  let n = 0;
  const server = createServer((req, res) => {
    let bytes = 0;
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      n++;
      const requestId = `req_011Bench${String(n).padStart(12, '0')}`;
      if (req.method !== 'POST' || !req.url?.startsWith('/v1/messages')) {
        res.writeHead(404, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: `Not Found: ${req.method} ${req.url}` } }));
      }
      if (!req.headers['x-api-key'] || !bytes) {
        res.writeHead(401, { 'content-type': 'application/json', 'request-id': requestId });
        return res.end(JSON.stringify({ type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }));
      }
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'request-id': requestId });
      res.end(answerStream(`msg_01Bench${String(n).padStart(20, '0')}`));
    });
  });
  server.keepAliveTimeout = 120_000;
  server.listen(0, '127.0.0.1', () => reportReady((server.address() as AddressInfo).port));
}

if (require.main === module) main();
