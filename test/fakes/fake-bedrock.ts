/**
 * Fake Bedrock runtime on 127.0.0.1 (docs/wire-formats.md §4): `POST /model/{modelId}/invoke` (JSON) and
 * `/model/{modelId}/invoke-with-response-stream` (binary AWS event-stream, no pings), scripted by
 * the model ID in the path (script.ts). SigV4 is required in form but its signature is not checked.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { answerEvents, answerMessage, usageScriptOf, createIds, cutJson, playStream, type AnswerEvent, type StreamSink } from './answer';
import { resetSocket, sendJson, startHttpFake, type RecordedCall } from './http-fake';
import { createScript, FAKE_USAGE, type Fake, hasThinkingTurn, INVALID_SIGNATURE_MESSAGE } from './script';

export const BEDROCK_ANTHROPIC_VERSION = 'bedrock-2023-05-31';
const LABEL = 'fake-bedrock';
const PATH = /^\/model\/([^/]+)\/(invoke|invoke-with-response-stream)$/;
const SIGV4 = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/;
const THROTTLED = 'Too many requests, please wait before trying again.';

/** `amazon-bedrock-invocationMetrics` on the final `message_stop` chunk; token counts match FAKE_USAGE. */
export const FAKE_BEDROCK_METRICS = {
  inputTokenCount: FAKE_USAGE.input_tokens,
  outputTokenCount: FAKE_USAGE.output_tokens,
  invocationLatency: 812,
  firstByteLatency: 301,
  cacheReadInputTokenCount: FAKE_USAGE.cache_read_input_tokens,
  cacheWriteInputTokenCount: FAKE_USAGE.cache_creation_input_tokens,
} as const;

export interface SigV4Parts {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

/** Splits a SigV4 `Authorization` header (undefined when it is not one). */
export function parseSigV4(authorization: string | undefined): SigV4Parts | undefined {
  const m = SIGV4.exec(authorization ?? '');
  if (!m) return undefined;
  return { accessKeyId: m[1], date: m[2], region: m[3], service: m[4], signedHeaders: m[5].split(';'), signature: m[6] };
}

/** The codec that frames the stream; tests decode with `new EventStreamCodec(toUtf8, fromUtf8)` too. */
const codec = new EventStreamCodec(toUtf8, fromUtf8);

export async function startFakeBedrock(): Promise<Fake> {
  const script = createScript();
  const ids = createIds('bdrk_');

  const fake = await startHttpFake(
    async (req, res, call) => {
      const requestId = randomUUID();
      const awsError = (status: number, name: string, message: string, namespace = 'com.amazon.bedrock') =>
        sendJson(res, status, { message }, { 'x-amzn-requestid': requestId, 'x-amzn-errortype': `${name}:http://internal.amazon.com/coral/${namespace}/` });

      const m = PATH.exec(call.path);
      if (call.method !== 'POST' || !m) return awsError(404, 'UnknownOperationException', 'Unknown operation', 'com.amazon.coral.service');
      const auth = call.headers.authorization;
      if (!auth) return awsError(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token', 'com.amazon.coral.service');
      const sig = parseSigV4(auth);
      if (!sig)
        return awsError(
          403,
          'IncompleteSignatureException',
          `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters. Authorization=${auth.split(' ')[0]}`,
          'com.amazon.coral.service',
        );
      if (!call.headers['x-amz-date'])
        return awsError(
          403,
          'IncompleteSignatureException',
          "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
          'com.amazon.coral.service',
        );
      if (sig.service !== 'bedrock')
        return awsError(403, 'InvalidSignatureException', "Credential should be scoped to correct service: 'bedrock'.", 'com.amazon.coral.service');
      const problem = validate(call);
      if (problem) return awsError(400, 'ValidationException', problem);
      const model = decodeURIComponent(m[1]);
      call.model = model;
      const stream = m[2] === 'invoke-with-response-stream';

      const b = script.next(model);
      if (b.kind === 'reset') return resetSocket(req);
      if (b.kind === 'slow') await fake.sleep(b.ms);
      switch (b.kind) {
        case 'error-429':
          return awsError(429, 'ThrottlingException', THROTTLED);
        case 'error-500':
          return awsError(500, 'InternalServerException', 'The server encountered an internal error while processing the request.');
        case 'error-529': // Bedrock has no 529: capacity shortfalls are 503s.
          return awsError(503, 'ServiceUnavailableException', 'Bedrock is unable to process your request.');
        case 'bad-beta':
          if ((call.body.anthropic_beta ?? []).length > 0) return awsError(400, 'ValidationException', 'invalid beta flag');
          break;
        case 'bad-signature':
          if (hasThinkingTurn(call.body)) return awsError(400, 'ValidationException', INVALID_SIGNATURE_MESSAGE);
      }

      const answer = {
        shape: b.kind === 'stream' ? 'stream' : 'ok',
        label: LABEL,
        model: reportedModel(model),
        messageId: ids.message(),
        toolId: ids.tool(),
        script: usageScriptOf(b),
      } as const;
      const headers = { 'x-amzn-requestid': requestId };
      if (!stream) {
        const invokeHeaders = { ...headers, ...metricHeaders() };
        if (b.kind === 'cut-after-start') return cutJson(res, answerMessage(answer), fake.sleep, invokeHeaders);
        return sendJson(res, 200, answerMessage(answer), invokeHeaders);
      }
      res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-bedrock-content-type': 'application/json', ...headers });
      res.flushHeaders();
      // Bedrock sends no pings, and its last chunk carries the invocation metrics.
      const events = answerEvents(answer)
        .filter((e) => e.event !== 'ping')
        .map((e) =>
          e.event === 'message_stop' ? { ...e, data: { ...e.data, 'amazon-bedrock-invocationMetrics': answer.script?.metrics ?? FAKE_BEDROCK_METRICS } } : e,
        );
      await playStream(events, b, eventStreamSink(res, fake.sleep), () => res.destroy());
    },
    () => script.reset(),
  );

  return { url: fake.url, calls: fake.calls, enqueue: script.enqueue, reset: fake.reset, close: fake.close };
}

/** `us.anthropic.claude-haiku-4-5-20251001-v1:0` → `claude-haiku-4-5-20251001`, as Bedrock reports it in the Message. */
function reportedModel(modelId: string): string {
  return modelId
    .replace(/^arn:.*\//, '')
    .replace(/^(?:global|us|eu|apac|jp|au|us-gov)\./, '')
    .replace(/^anthropic\./, '')
    .replace(/-v\d+(?::\d+)?$/, '');
}

function metricHeaders(): Record<string, string> {
  return {
    'x-amzn-bedrock-input-token-count': String(FAKE_USAGE.input_tokens),
    'x-amzn-bedrock-output-token-count': String(FAKE_USAGE.output_tokens),
    'x-amzn-bedrock-cache-read-input-token-count': String(FAKE_USAGE.cache_read_input_tokens),
    'x-amzn-bedrock-cache-write-input-token-count': String(FAKE_USAGE.cache_creation_input_tokens),
    'x-amzn-bedrock-invocation-latency': String(FAKE_BEDROCK_METRICS.invocationLatency),
  };
}

/** Bedrock's InvokeModel schema: no `model`, no `stream`, a fixed `anthropic_version`, betas as a body array. */
function validate(call: RecordedCall): string | undefined {
  const body = call.body;
  const malformed = (what: string) => `Malformed input request: ${what}, please reformat your input and try again.`;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return malformed('#: expected type: JSONObject');
  for (const key of ['model', 'stream']) if (key in body) return malformed(`#: extraneous key [${key}] is not permitted`);
  if (!('anthropic_version' in body)) return malformed('#: required key [anthropic_version] not found');
  if (body.anthropic_version !== BEDROCK_ANTHROPIC_VERSION) return 'Invalid API version';
  const betas = body.anthropic_beta;
  if (betas !== undefined && !(Array.isArray(betas) && betas.every((x) => typeof x === 'string'))) {
    return malformed('#/anthropic_beta: expected type: JSONArray of strings');
  }
  return undefined;
}

const PAD = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** One `chunk` event frame: payload `{"bytes":"<base64 of the Anthropic event JSON>","p":"<padding>"}`. */
export function chunkFrame(data: Record<string, unknown>, padLength = 3): Uint8Array {
  const bytes = Buffer.from(JSON.stringify(data)).toString('base64');
  return codec.encode({
    headers: {
      ':message-type': { type: 'string', value: 'event' },
      ':event-type': { type: 'string', value: 'chunk' },
      ':content-type': { type: 'string', value: 'application/json' },
    },
    body: fromUtf8(JSON.stringify({ bytes, p: PAD.slice(0, padLength) })),
  });
}

/** A mid-stream exception frame (`:message-type: exception`). */
export function exceptionFrame(exceptionType: string, message: string): Uint8Array {
  return codec.encode({
    headers: {
      ':message-type': { type: 'string', value: 'exception' },
      ':exception-type': { type: 'string', value: exceptionType },
      ':content-type': { type: 'string', value: 'application/json' },
    },
    body: fromUtf8(JSON.stringify({ message })),
  });
}

function eventStreamSink(res: ServerResponse, sleep: (ms: number) => Promise<void>): StreamSink {
  let n = 0;
  const write = (frame: Uint8Array) =>
    new Promise<boolean>((resolve) => {
      if (res.destroyed) return resolve(false);
      res.write(frame, (err) => resolve(!err));
    });
  return {
    write: (e: AnswerEvent) => write(chunkFrame(e.data, 3 + ((n++ * 7) % 29))),
    async fail() {
      await write(exceptionFrame('throttlingException', THROTTLED));
      res.end();
    },
    end: () => res.end(),
    sleep,
  };
}
