/**
 * Fake api.anthropic.com on 127.0.0.1 (docs/wire-formats.md §5): `POST /v1/messages` (JSON or SSE by
 * `body.stream`) and `POST /v1/messages/count_tokens`, scripted by model name (script.ts).
 */
import type { ServerResponse } from 'node:http';
import {
  answerEvents,
  answerMessage,
  usageScriptOf,
  anthropicError,
  badBetaMessage,
  createIds,
  cutJson,
  OVERLOADED_EVENT,
  playStream,
  SSE_HEADERS,
  type StreamSink,
  sseSink,
} from './answer';
import { bearer, headerBetas, resetSocket, sendJson, startHttpFake, type RecordedCall } from './http-fake';
import { type Behaviour, createScript, FAKE_RETRY_AFTER_SECONDS, fakeCountTokens, type Fake, hasThinkingTurn, INVALID_SIGNATURE_MESSAGE } from './script';

export interface FakeAnthropicOptions {
  /** When set, the key (`x-api-key`, or `Authorization: Bearer`) must equal it; otherwise any non-empty key is accepted. */
  apiKey?: string;
  /** Picks a call's behaviour from the request itself (before the queue and the model name): for many concurrent, different calls. */
  behaviour?: (call: RecordedCall) => Behaviour | undefined;
}

const LABEL = 'fake-anthropic';
const RATE_LIMIT_MESSAGE =
  'Number of request tokens has exceeded your per-minute rate limit (https://docs.claude.com/en/api/rate-limits); see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later.';

export async function startFakeAnthropic(opts: FakeAnthropicOptions = {}): Promise<Fake> {
  const script = createScript();
  const ids = createIds('');

  const fake = await startHttpFake(
    async (req, res, call) => {
      const requestId = ids.request();
      const reply = (status: number, body: unknown, headers: Record<string, string>) => {
        call.sent = { status, body };
        sendJson(res, status, body, headers);
      };
      const error = (status: number, type: string, message: string, headers: Record<string, string> = {}) =>
        reply(status, anthropicError(type, message, requestId), { 'request-id': requestId, ...headers });

      const op = call.method === 'POST' ? route(call.path) : undefined;
      if (!op) return error(404, 'not_found_error', `Not Found: ${call.method} ${call.path}`);
      // `x-api-key` is the classic header; @anthropic-ai/sdk >= 1.x sends the same key as `Authorization: Bearer`.
      const key = call.headers['x-api-key'] ?? bearer(call);
      if (!key || (opts.apiKey !== undefined && key !== opts.apiKey)) return error(401, 'authentication_error', 'invalid x-api-key');
      if (!call.headers['anthropic-version']) return error(400, 'invalid_request_error', 'anthropic-version: header is required');
      const problem = validate(call);
      if (problem) return error(400, 'invalid_request_error', problem);
      const model = String(call.body.model);
      call.model = model;

      const b = opts.behaviour?.(call) ?? script.next(model);
      if (b.kind === 'reset') return resetSocket(req);
      if (b.kind === 'slow') await fake.sleep(b.ms);
      const retry = { 'x-should-retry': 'true' };
      switch (b.kind) {
        case 'error-429':
          return error(429, 'rate_limit_error', RATE_LIMIT_MESSAGE, { 'retry-after': String(b.retryAfter ?? FAKE_RETRY_AFTER_SECONDS), ...retry });
        case 'error-500':
          return error(500, 'api_error', 'Internal server error', retry);
        case 'error-529':
          return error(529, 'overloaded_error', 'Overloaded', retry);
        case 'bad-beta': {
          const beta = headerBetas(call)[0];
          if (beta) return error(400, 'invalid_request_error', badBetaMessage(beta));
          break;
        }
        case 'bad-signature':
          if (hasThinkingTurn(call.body)) return error(400, 'invalid_request_error', INVALID_SIGNATURE_MESSAGE);
      }

      const headers = { 'request-id': requestId };
      if (op === 'count_tokens') return sendJson(res, 200, { input_tokens: fakeCountTokens(call.body) }, headers);
      const answer = {
        shape: b.kind === 'stream' ? 'stream' : 'ok',
        label: LABEL,
        model,
        messageId: ids.message(),
        toolId: ids.tool(),
        script: usageScriptOf(b),
      } as const;
      if (call.body.stream !== true) {
        if (b.kind === 'cut-after-start') return cutJson(res, answerMessage(answer), fake.sleep, headers);
        return reply(200, answerMessage(answer), headers);
      }
      streamHead(res, headers);
      await playStream(answerEvents(answer), b, recordingSink(sseSink(res, fake.sleep), call), () => res.destroy());
    },
    () => script.reset(),
  );

  return { url: fake.url, calls: fake.calls, enqueue: script.enqueue, reset: fake.reset, close: fake.close };
}

function route(path: string): 'messages' | 'count_tokens' | undefined {
  if (path === '/v1/messages') return 'messages';
  if (path === '/v1/messages/count_tokens') return 'count_tokens';
  return undefined;
}

/** The first-party body checks a gateway could trip over when it forgets to undo a provider transform. */
function validate(call: RecordedCall): string | undefined {
  const body = call.body;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return 'There was an error parsing the body: expected a JSON object';
  if (typeof body.model !== 'string' || !body.model) return 'model: Field required';
  if ('anthropic_version' in body) return 'anthropic_version: Extra inputs are not permitted';
  if ('anthropic_beta' in body) return 'anthropic_beta: Extra inputs are not permitted';
  return undefined;
}

/** Records each event once it is written: what the client can have received. */
function recordingSink(sink: StreamSink, call: RecordedCall): StreamSink {
  const sent: NonNullable<RecordedCall['sent']> = { status: 200, events: [] };
  call.sent = sent;
  return {
    ...sink,
    async write(e) {
      const ok = await sink.write(e);
      if (ok) sent.events!.push(e);
      return ok;
    },
    async fail() {
      sent.events!.push(OVERLOADED_EVENT);
      await sink.fail();
    },
  };
}

function streamHead(res: ServerResponse, headers: Record<string, string>): void {
  res.writeHead(200, { ...SSE_HEADERS, ...headers });
  res.flushHeaders();
}
