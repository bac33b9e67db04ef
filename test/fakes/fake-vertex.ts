/**
 * Fake Vertex AI (Claude partner models) on 127.0.0.1 (docs/wire-formats.md §1): `:rawPredict`,
 * `:streamRawPredict` and `count-tokens:rawPredict` under `/v1/projects/{p}/locations/{r}/publishers/anthropic/models/`,
 * scripted by the model name in the URL (script.ts). Quota and platform errors use the Google envelope,
 * model-level rejections the Anthropic one with `req_vrtx_` IDs — as Vertex does.
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
  playStream,
  SSE_HEADERS,
  sseSink,
  type AnswerEvent,
} from './answer';
import { bearer, headerBetas, resetSocket, sendJson, startHttpFake, type RecordedCall } from './http-fake';
import { createScript, FAKE_USAGE, fakeCountTokens, type Fake, hasThinkingTurn, INVALID_SIGNATURE_MESSAGE } from './script';

export interface FakeVertexOptions {
  /** When set, `Authorization: Bearer` must carry exactly this token; otherwise any token is accepted. */
  token?: string;
}

export const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16';
const LABEL = 'fake-vertex';
const PREDICT = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/anthropic\/models\/([^/:]+):(rawPredict|streamRawPredict)$/;
const GOOGLE_JSON = 'application/json; charset=UTF-8';
const QUOTA_MESSAGE =
  'Quota exceeded for aiplatform.googleapis.com/online_prediction_input_tokens_per_minute_per_base_model with base model: anthropic-claude. Please submit a quota increase request. https://cloud.google.com/vertex-ai/docs/generative-ai/quotas-genai.';
const EXHAUSTED_MESSAGE =
  'Resource exhausted. Please try again later. Please refer to https://cloud.google.com/vertex-ai/generative-ai/docs/error-code-429 for more details.';

/** A Google API error envelope: `{"error":{"code","message","status"}}`. */
export function googleError(code: number, status: string, message: string, extra: Record<string, unknown> = {}): { error: Record<string, unknown> } {
  return { error: { code, message, ...extra, status } };
}

export async function startFakeVertex(opts: FakeVertexOptions = {}): Promise<Fake> {
  const script = createScript();
  const ids = createIds('vrtx_');

  const fake = await startHttpFake(
    async (req, res, call) => {
      const google = (code: number, status: string, message: string, headers: Record<string, string> = {}) =>
        sendJson(res, code, googleError(code, status, message), headers, GOOGLE_JSON);
      const anthropic = (status: number, type: string, message: string) => sendJson(res, status, anthropicError(type, message, ids.request()));

      const m = PREDICT.exec(call.path);
      if (call.method !== 'POST' || !m) return google(404, 'NOT_FOUND', `The requested URL ${call.path} was not found on this server.`);
      const [, project, region, rawModel, method] = m;
      const countTokens = rawModel === 'count-tokens' && method === 'rawPredict';
      const token = bearer(call);
      if (!token || (opts.token !== undefined && token !== opts.token)) {
        return google(
          401,
          'UNAUTHENTICATED',
          'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
          { 'www-authenticate': 'Bearer realm="https://accounts.google.com/"' },
        );
      }
      // Google APIs reject query parameters they do not know (the SDK deletes Claude Code's `?beta=true`).
      const unknown = Object.keys(call.query)[0];
      if (unknown) {
        return google(
          400,
          'INVALID_ARGUMENT',
          `Invalid JSON payload received. Unknown name "${unknown}": Cannot bind query parameter. Field '${unknown}' could not be found in request message.`,
        );
      }
      const model = countTokens ? call.body?.model : decodeURIComponent(rawModel);
      // Dated Claude IDs are `name@YYYYMMDD` on Vertex; the Anthropic `name-YYYYMMDD` form does not exist there.
      if (!countTokens && /-\d{8}$/.test(model)) {
        return google(404, 'NOT_FOUND', `Publisher Model \`projects/${project}/locations/${region}/publishers/anthropic/models/${model}\` not found.`);
      }
      const problem = validate(call, countTokens);
      if (problem) return anthropic(400, 'invalid_request_error', problem);
      call.model = model;

      const b = script.next(model);
      if (b.kind === 'reset') return resetSocket(req);
      if (b.kind === 'slow') await fake.sleep(b.ms);
      switch (b.kind) {
        case 'error-429': {
          if (b.form === 'array') {
            const detail = { message: EXHAUSTED_MESSAGE, domain: 'global', reason: 'rateLimitExceeded' };
            const body = [googleError(429, 'RESOURCE_EXHAUSTED', EXHAUSTED_MESSAGE, { errors: [detail] })]; // seen on streamRawPredict
            return sendJson(res, 429, body, retryAfter(b.retryAfter), GOOGLE_JSON);
          }
          return google(429, 'RESOURCE_EXHAUSTED', QUOTA_MESSAGE, retryAfter(b.retryAfter));
        }
        case 'error-500':
          return google(500, 'INTERNAL', 'Internal error encountered.');
        case 'error-529':
          return anthropic(529, 'overloaded_error', 'Overloaded');
        case 'bad-beta': {
          const beta = headerBetas(call)[0];
          if (beta) return anthropic(400, 'invalid_request_error', badBetaMessage(beta));
          break;
        }
        case 'bad-signature':
          if (hasThinkingTurn(call.body)) return anthropic(400, 'invalid_request_error', INVALID_SIGNATURE_MESSAGE);
      }

      if (countTokens) return sendJson(res, 200, { input_tokens: fakeCountTokens(call.body) });
      // Vertex reports the hyphen form (`claude-haiku-4-5-20251001`), not the `@` form of the URL.
      const answer = {
        shape: b.kind === 'stream' ? 'stream' : 'ok',
        label: LABEL,
        model: model.replace('@', '-'),
        messageId: ids.message(),
        toolId: ids.tool(),
        script: usageScriptOf(b),
      } as const;
      if (call.body.stream !== true) {
        if (b.kind === 'cut-after-start') return cutJson(res, answerMessage(answer), fake.sleep);
        return sendJson(res, 200, answerMessage(answer));
      }
      streamHead(res);
      await playStream(withVertexEvent(answerEvents(answer)), b, sseSink(res, fake.sleep), () => res.destroy());
    },
    () => script.reset(),
  );

  return { url: fake.url, calls: fake.calls, enqueue: script.enqueue, reset: fake.reset, close: fake.close };
}

function retryAfter(seconds: number | undefined): Record<string, string> {
  return seconds === undefined ? {} : { 'retry-after': String(seconds) };
}

/** Vertex rejects a predict body that still names `model`, and every body without its `anthropic_version`. */
function validate(call: RecordedCall, countTokens: boolean): string | undefined {
  const body = call.body;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return 'There was an error parsing the body: expected a JSON object';
  if (countTokens && (typeof body.model !== 'string' || !body.model)) return 'model: Field required';
  if (!countTokens && 'model' in body) return 'model: Extra inputs are not permitted';
  if (!('anthropic_version' in body)) return 'anthropic_version: Field required';
  if (body.anthropic_version !== VERTEX_ANTHROPIC_VERSION) return `anthropic_version: Input should be '${VERTEX_ANTHROPIC_VERSION}'`;
  return undefined;
}

/**
 * Vertex's extra `vertex_event` (docs/wire-formats.md §1.6), sent just before `message_stop`;
 * Anthropic-format clients must not see it.
 */
function withVertexEvent(events: AnswerEvent[]): AnswerEvent[] {
  const { cache_creation, ...counts } = FAKE_USAGE;
  const usage = { ...counts, web_search_requests: null, cache_creation: { ...cache_creation } };
  const vertexEvent: AnswerEvent = { event: 'vertex_event', data: { type: 'vertex_event', usage: { ...usage, tiers: { '0-to-200000': usage } } } };
  return [...events.slice(0, -1), vertexEvent, events[events.length - 1]];
}

function streamHead(res: ServerResponse): void {
  res.writeHead(200, SSE_HEADERS);
  res.flushHeaders();
}
