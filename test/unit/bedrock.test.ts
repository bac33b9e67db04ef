import { createHash, createHmac } from 'node:crypto';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import type { Catalog } from '../../services/shared/src/catalog/types';
import type { BedrockProvider, CredentialRef } from '../../services/shared/src/entities';
import { GatewayError } from '../../services/shared/src/errors';
import type { InboundRequest, UpstreamRequest } from '../../services/gateway/src/providers/types';
import { inboundRequest, upstreamJson } from '../helpers/inbound';
import { bedrockAdapter, bedrockError, decodeBedrockStream, signBedrockRequest, toBedrockRequest } from '../../services/gateway/src/providers/bedrock';
import type { SseEvent } from '../../services/gateway/src/streaming/sse';
import { BEDROCK_METRICS_EVENT } from '../../services/gateway/src/usage/usage-tap';
import { BEDROCK_PROVIDER } from '../helpers/providers';
import { collect } from '../helpers/iterate';

// ---------------------------------------------------------------------------------------------------
// fixtures

const provider = BEDROCK_PROVIDER;

const ARN = 'arn:aws:bedrock:us-east-2:1234:inference-profile/us.anthropic.claude-3-7-sonnet-20250219-v1:0';

/** The two catalog calls the transform makes, with the catalog's documented behaviour for these names. */
const catalog = {
  providerModelId: jest.fn((kind: string, name: string, opts?: { profilePrefix?: string }) => {
    expect(kind).toBe('bedrock');
    if (name === 'claude-sonnet-4-5') return `${opts?.profilePrefix}.anthropic.claude-sonnet-4-5-20250929-v1:0`;
    return name; // unknown names (ARNs, raw Bedrock ids) go through as they are
  }),
  filterBetas: jest.fn((_kind: string, betas: string[]) => betas.filter((b) => b !== 'files-api-2025-04-14')),
} as unknown as Catalog;

function inbound(over: Partial<Omit<InboundRequest, 'body'>> & { body?: Record<string, unknown> } = {}): InboundRequest {
  const { body, ...rest } = over;
  const b = body ?? { model: 'claude-sonnet-4-5', max_tokens: 64, stream: false, messages: [{ role: 'user', content: 'hi' }] };
  return inboundRequest(b, { stream: false, ...rest });
}

// ---------------------------------------------------------------------------------------------------
// toBedrockRequest

describe('toBedrockRequest', () => {
  it('moves model to the URL, drops stream, adds anthropic_version and keeps unknown fields', () => {
    const up = toBedrockRequest(
      inbound({ body: { model: 'claude-sonnet-4-5', stream: true, max_tokens: 8, messages: [], x_future: { a: 1 } }, stream: true }),
      provider,
      catalog,
    );
    expect(up.url).toBe('https://bedrock-runtime.us-east-1.amazonaws.com/model/us.anthropic.claude-sonnet-4-5-20250929-v1:0/invoke-with-response-stream');
    expect(upstreamJson(up)).toEqual({ max_tokens: 8, messages: [], x_future: { a: 1 }, anthropic_version: 'bedrock-2023-05-31' });
    expect(up.framing).toBe('aws-eventstream');
    expect(up.modelUpstream).toBe('us.anthropic.claude-sonnet-4-5-20250929-v1:0');
    expect(catalog.providerModelId).toHaveBeenCalledWith('bedrock', 'claude-sonnet-4-5', { profilePrefix: 'us' });
  });

  it('uses /invoke and json framing for non-streaming requests', () => {
    const up = toBedrockRequest(inbound(), provider, catalog);
    expect(up.url).toMatch(/\/invoke$/);
    expect(up.framing).toBe('json');
    expect(up.headers).toEqual({ 'content-type': 'application/json', accept: 'application/json' });
  });

  it('keeps a body-provided anthropic_version', () => {
    const up = toBedrockRequest(inbound({ body: { model: 'claude-sonnet-4-5', anthropic_version: 'bedrock-2099-01-01' } }), provider, catalog);
    expect(upstreamJson(up).anthropic_version).toBe('bedrock-2099-01-01');
  });

  it('moves anthropic-beta into the body after the catalog filters it', () => {
    const up = toBedrockRequest(inbound({ betas: ['interleaved-thinking-2025-05-14', 'files-api-2025-04-14', 'context-1m-2025-08-07'] }), provider, catalog);
    expect(upstreamJson(up).anthropic_beta).toEqual(['interleaved-thinking-2025-05-14', 'context-1m-2025-08-07']);
    expect(up.headers['anthropic-beta']).toBeUndefined();
    expect(catalog.filterBetas).toHaveBeenCalledWith('bedrock', ['interleaved-thinking-2025-05-14', 'files-api-2025-04-14', 'context-1m-2025-08-07']);
  });

  it('omits anthropic_beta when nothing survives the filter', () => {
    const up = toBedrockRequest(inbound({ betas: ['files-api-2025-04-14'] }), provider, catalog);
    expect(upstreamJson(up)).not.toHaveProperty('anthropic_beta');
  });

  it('does not override a body-provided anthropic_beta', () => {
    const up = toBedrockRequest(
      inbound({ body: { model: 'claude-sonnet-4-5', anthropic_beta: ['mine'] }, betas: ['interleaved-thinking-2025-05-14'] }),
      provider,
      catalog,
    );
    expect(upstreamJson(up).anthropic_beta).toEqual(['mine']);
  });

  it.each([
    [
      'an ARN: "/" becomes %2F, ":" stays',
      ARN,
      '/model/arn:aws:bedrock:us-east-2:1234:inference-profile%2Fus.anthropic.claude-3-7-sonnet-20250219-v1:0/invoke',
    ],
    ['a base id', 'anthropic.claude-3-5-sonnet-20241022-v2:0', '/model/anthropic.claude-3-5-sonnet-20241022-v2:0/invoke'],
  ])('path-escapes %s', (_name, model, path) => {
    const up = toBedrockRequest(inbound({ body: { model } }), provider, catalog);
    expect(new URL(up.url).pathname).toBe(path);
    expect(up.modelUpstream).toBe(model);
  });

  it('honours base_url (without a trailing slash) and region', () => {
    const up = toBedrockRequest(inbound(), { ...provider, region: 'eu-west-1', base_url: 'http://127.0.0.1:4010/bedrock/' }, catalog);
    expect(up.url).toBe('http://127.0.0.1:4010/bedrock/model/us.anthropic.claude-sonnet-4-5-20250929-v1:0/invoke');
    const regional = toBedrockRequest(inbound(), { ...provider, region: 'eu-west-1' }, catalog);
    expect(new URL(regional.url).host).toBe('bedrock-runtime.eu-west-1.amazonaws.com');
  });

  it('forwards configured headers except the ones the signature or the body own', () => {
    const up = toBedrockRequest(
      inbound({ forwardHeaders: { 'x-team': 'a', 'anthropic-beta': 'x', authorization: 'Bearer k', 'x-amz-date': 'forged', host: 'evil' } }),
      provider,
      catalog,
    );
    expect(up.headers).toEqual({ 'x-team': 'a', 'content-type': 'application/json', accept: 'application/json' });
  });

  it('refuses count_tokens with an invalid_request_error', () => {
    expect(() => toBedrockRequest(inbound({ op: 'count_tokens' }), provider, catalog)).toThrow(GatewayError);
    try {
      toBedrockRequest(inbound({ op: 'count_tokens' }), provider, catalog);
    } catch (err) {
      expect((err as GatewayError).type).toBe('invalid_request_error');
      expect((err as GatewayError).message).toMatch(/count_tokens is not supported by Bedrock/);
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// signBedrockRequest

const CREDS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const DATE = new Date('2015-08-30T12:36:00Z');

function built(
  body = '{"max_tokens":8}',
  url = 'https://bedrock-runtime.us-east-1.amazonaws.com/model/us.anthropic.claude-sonnet-4-5-20250929-v1:0/invoke',
): UpstreamRequest {
  return { url, body, headers: { 'content-type': 'application/json', accept: 'application/json' }, modelUpstream: 'm', framing: 'json' };
}

/** SigV4 written out from the AWS spec (canonical request → string to sign → HMAC chain), for comparison. */
function referenceSignature(up: UpstreamRequest, headers: Record<string, string>, region: string, secret: string): string {
  const url = new URL(up.url);
  const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const canonicalUri = url.pathname.split('/').map(rfc3986).join('/'); // non-S3: the wire path is encoded again
  const all: Record<string, string> = { ...headers, host: url.host };
  delete all.authorization;
  const names = Object.keys(all).sort();
  const canonical = [
    'POST',
    canonicalUri,
    '',
    ...names.map((n) => `${n}:${all[n].trim()}`),
    '',
    names.join(';'),
    createHash('sha256').update(up.body).digest('hex'),
  ].join('\n');
  const amzDate = headers['x-amz-date'];
  const scope = `${amzDate.slice(0, 8)}/${region}/bedrock/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  let key: Buffer = createHmac('sha256', `AWS4${secret}`).update(amzDate.slice(0, 8)).digest();
  for (const part of [region, 'bedrock', 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  return `AWS4-HMAC-SHA256 Credential=${CREDS.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
}

describe('signBedrockRequest', () => {
  it('matches SigV4 computed from the spec, for a plain id and for an ARN path', async () => {
    for (const url of [built().url, `https://bedrock-runtime.us-east-2.amazonaws.com/model/${encodeURIComponent(ARN).replace(/%3A/g, ':')}/invoke`]) {
      const up = built('{"max_tokens":8}', url);
      const signed = await signBedrockRequest(up, 'us-east-1', CREDS, { signingDate: DATE });
      expect(signed.headers['x-amz-date']).toBe('20150830T123600Z');
      expect(signed.headers.authorization).toBe(referenceSignature(up, signed.headers, 'us-east-1', CREDS.secretAccessKey));
    }
  });

  it('signs host, content headers, date and payload hash, and keeps the request otherwise unchanged', async () => {
    const up = built();
    const signed = await signBedrockRequest(up, 'us-east-1', CREDS, { signingDate: DATE });
    expect(signed.headers.authorization).toContain(
      'Credential=AKIDEXAMPLE/20150830/us-east-1/bedrock/aws4_request, SignedHeaders=accept;content-type;host;x-amz-content-sha256;x-amz-date,',
    );
    expect(signed.headers['x-amz-content-sha256']).toBe(createHash('sha256').update(up.body).digest('hex'));
    expect(signed.headers.host).toBeUndefined();
    expect(signed.headers['content-type']).toBe('application/json');
    expect({ ...signed, headers: undefined }).toEqual({ ...up, headers: undefined });
    expect(up.headers).not.toHaveProperty('authorization'); // the input is not mutated
  });

  it('is deterministic for a fixed date and changes with the body, region and date', async () => {
    const sig = async (body: string, region = 'us-east-1', date = DATE) =>
      (await signBedrockRequest(built(body), region, CREDS, { signingDate: date })).headers.authorization;
    expect(await sig('{"a":1}')).toBe(await sig('{"a":1}'));
    expect(await sig('{"a":2}')).not.toBe(await sig('{"a":1}'));
    expect(await sig('{"a":1}', 'us-west-2')).not.toBe(await sig('{"a":1}'));
    expect(await sig('{"a":1}', 'us-east-1', new Date('2015-08-30T12:36:01Z'))).not.toBe(await sig('{"a":1}'));
  });

  it('adds and signs x-amz-security-token for session credentials', async () => {
    const signed = await signBedrockRequest(built(), 'us-east-1', { ...CREDS, sessionToken: 'tok' }, { signingDate: DATE });
    expect(signed.headers['x-amz-security-token']).toBe('tok');
    expect(signed.headers.authorization).toContain(';x-amz-security-token,');
    expect(signed.headers.authorization).toBe(referenceSignature(built(), signed.headers, 'us-east-1', CREDS.secretAccessKey));
  });

  it('signs the port of a non-default base_url into host', async () => {
    const up = built('{}', 'http://127.0.0.1:4010/model/x/invoke');
    const signed = await signBedrockRequest(up, 'us-east-1', CREDS, { signingDate: DATE });
    expect(signed.headers.authorization).toBe(referenceSignature(up, signed.headers, 'us-east-1', CREDS.secretAccessKey));
  });
});

// ---------------------------------------------------------------------------------------------------
// decodeBedrockStream

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const str = (value: string) => ({ type: 'string' as const, value });

function chunkFrame(event: unknown): Uint8Array {
  const json = typeof event === 'string' ? event : JSON.stringify(event);
  const payload = { bytes: Buffer.from(json, 'utf8').toString('base64'), p: 'abcdefghijklmnop' };
  return codec.encode({
    headers: { ':message-type': str('event'), ':event-type': str('chunk'), ':content-type': str('application/json') },
    body: fromUtf8(JSON.stringify(payload)),
  });
}

function exceptionFrame(name: string, payload: unknown): Uint8Array {
  return codec.encode({
    headers: { ':message-type': str('exception'), ':exception-type': str(name), ':content-type': str('application/json') },
    body: fromUtf8(JSON.stringify(payload)),
  });
}

const MESSAGE_START =
  '{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}}';
const DELTA = '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Héllo ✓"}}';
const MESSAGE_DELTA = '{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}';
const STOP_WITH_METRICS =
  '{"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":25,"outputTokenCount":15,"invocationLatency":812,"firstByteLatency":301}}';

const FRAMES = [chunkFrame(MESSAGE_START), chunkFrame(DELTA), chunkFrame(MESSAGE_DELTA), chunkFrame(STOP_WITH_METRICS)];
const EXPECTED: SseEvent[] = [
  { event: 'message_start', data: MESSAGE_START },
  { event: 'content_block_delta', data: DELTA },
  { event: 'message_delta', data: MESSAGE_DELTA },
  // The metrics become their own event just before message_stop: the usage tap checks them, the relay drops them.
  { event: BEDROCK_METRICS_EVENT, data: '{"inputTokenCount":25,"outputTokenCount":15,"invocationLatency":812,"firstByteLatency":301}' },
  { event: 'message_stop', data: '{"type":"message_stop"}' },
];

const concatBytes = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function* source(chunks: Uint8Array[], onClose?: () => void): AsyncGenerator<Uint8Array> {
  try {
    for (const c of chunks) yield c;
  } finally {
    onClose?.();
  }
}

describe('decodeBedrockStream', () => {
  it('turns chunk frames into Anthropic events, byte-identical except for the Bedrock metrics, which become their own event', async () => {
    expect(await collect(decodeBedrockStream(source(FRAMES)))).toEqual(EXPECTED);
  });

  it('decodes several frames delivered in one chunk', async () => {
    expect(await collect(decodeBedrockStream(source([concatBytes(FRAMES)])))).toEqual(EXPECTED);
  });

  it('decodes the stream delivered one byte at a time', async () => {
    const all = concatBytes(FRAMES);
    const bytes = Array.from(all, (_b, i) => all.subarray(i, i + 1));
    expect(await collect(decodeBedrockStream(source(bytes)))).toEqual(EXPECTED);
  });

  it('decodes the stream split in two at every byte boundary', async () => {
    const all = Buffer.from(concatBytes(FRAMES));
    for (let i = 1; i < all.length; i++) {
      // Buffer views into one pooled ArrayBuffer: the decoder must honour byteOffset.
      const got = await collect(decodeBedrockStream(source([all.subarray(0, i), all.subarray(i)])));
      if (JSON.stringify(got) !== JSON.stringify(EXPECTED)) throw new Error(`split at byte ${i}: ${JSON.stringify(got)}`);
    }
  });

  it('drops payloads without a type and frames that are not chunks', async () => {
    const other = codec.encode({ headers: { ':message-type': str('event'), ':event-type': str('metadata') }, body: fromUtf8('{}') });
    const got = await collect(decodeBedrockStream(source([chunkFrame({ no: 'type' }), other, chunkFrame('not json'), chunkFrame(DELTA)])));
    expect(got).toEqual([{ event: 'content_block_delta', data: DELTA }]);
  });

  it.each([
    ['throttlingException', { message: 'Too many requests' }, 'rate_limit_error', 'Too many requests'],
    ['modelStreamErrorException', { message: 'wrapped', originalStatusCode: 500, originalMessage: 'model broke' }, 'api_error', 'model broke'],
    ['validationException', { message: 'bad input' }, 'invalid_request_error', 'bad input'],
    ['modelTimeoutException', { message: 'too slow' }, 'timeout_error', 'too slow'],
    ['serviceUnavailableException', { message: 'busy' }, 'overloaded_error', 'busy'],
    ['internalServerException', { message: 'oops' }, 'api_error', 'oops'],
    ['somethingNewException', {}, 'api_error', 'somethingNewException'],
  ])('turns a %s frame into one error event and ends the stream', async (name, payload, type, message) => {
    let closed = false;
    const got = await collect(
      decodeBedrockStream(source([concatBytes([chunkFrame(MESSAGE_START), exceptionFrame(name, payload), chunkFrame(DELTA)])], () => (closed = true))),
    );
    expect(got).toEqual([
      { event: 'message_start', data: MESSAGE_START },
      { event: 'error', data: JSON.stringify({ type: 'error', error: { type, message } }) },
    ]);
    expect(closed).toBe(true);
  });

  it('rewrites a mid-stream "Input is too long" to Anthropic wording', async () => {
    const [ev] = await collect(decodeBedrockStream(source([exceptionFrame('validationException', { message: 'Input is too long for requested model.' })])));
    expect(JSON.parse(ev.data).error.message).toMatch(/^prompt is too long: /);
  });

  it('ends with an api_error when the upstream stops mid-frame', async () => {
    const cut = FRAMES[1].subarray(0, 20);
    const got = await collect(decodeBedrockStream(source([FRAMES[0], cut])));
    expect(got.map((e) => e.event)).toEqual(['message_start', 'error']);
    expect(JSON.parse(got[1].data).error).toMatchObject({ type: 'api_error', message: expect.stringMatching(/middle of an event-stream frame/) });
  });

  it('ends with an api_error on a corrupted frame', async () => {
    const bad = Uint8Array.from(FRAMES[1]);
    bad[bad.length - 10] ^= 0xff; // payload byte: the message CRC no longer matches
    const got = await collect(decodeBedrockStream(source([FRAMES[0], bad, FRAMES[2]])));
    expect(got.map((e) => e.event)).toEqual(['message_start', 'error']);
    expect(JSON.parse(got[1].data).error.type).toBe('api_error');
  });

  it('synthesises pings during upstream silence, and none while events flow', async () => {
    async function* slow(): AsyncGenerator<Uint8Array> {
      yield FRAMES[0];
      await sleep(200);
      yield FRAMES[1];
      yield FRAMES[2];
      yield FRAMES[3];
    }
    const stamps: number[] = [];
    const got: SseEvent[] = [];
    for await (const ev of decodeBedrockStream(slow(), { pingIntervalMs: 40 })) {
      got.push(ev);
      stamps.push(Date.now());
    }
    const pings = got.filter((e) => e.event === 'ping');
    expect(pings.length).toBeGreaterThanOrEqual(2);
    expect(pings.length).toBeLessThanOrEqual(6);
    expect(pings[0]).toEqual({ event: 'ping', data: '{"type": "ping"}' });
    expect(got.filter((e) => e.event !== 'ping')).toEqual(EXPECTED);
    expect(got.slice(0, 1).concat(got.slice(-4))).toEqual([EXPECTED[0], ...EXPECTED.slice(1)]); // pings only inside the gap
    // Without pings the client would see one 200 ms silence; with them no gap is much over the interval.
    for (let i = 1; i < stamps.length; i++) expect(stamps[i] - stamps[i - 1]).toBeLessThan(40 + 100);
  });

  it('sends no ping before the first event (the gateway may still fail over or time out then)', async () => {
    async function* late(): AsyncGenerator<Uint8Array> {
      await sleep(150);
      yield* FRAMES;
    }
    const got = await collect(decodeBedrockStream(late(), { pingIntervalMs: 30 }));
    expect(got).toEqual(EXPECTED);
  });

  it('leaves no timer behind', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    await collect(decodeBedrockStream(source(FRAMES), { pingIntervalMs: 60_000 }));
    expect(timers()).toBe(before);
  });

  it('closes the source when the consumer stops early', async () => {
    let closed = false;
    for await (const ev of decodeBedrockStream(source(FRAMES, () => (closed = true)))) {
      expect(ev.event).toBe('message_start');
      break;
    }
    expect(closed).toBe(true);
  });

  it('closes a silent source when the consumer stops during a ping (client disconnect)', async () => {
    const ret = jest.fn(async () => ({ done: true as const, value: undefined }));
    let calls = 0;
    const silent: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => ({
        next: () => (calls++ === 0 ? Promise.resolve({ done: false as const, value: FRAMES[0] }) : new Promise<never>(() => undefined)),
        return: ret,
      }),
    };
    const seen: string[] = [];
    for await (const ev of decodeBedrockStream(silent, { pingIntervalMs: 20 })) {
      seen.push(ev.event);
      if (ev.event === 'ping') break;
    }
    expect(seen).toEqual(['message_start', 'ping']);
    expect(ret).toHaveBeenCalledTimes(1);
  });

  it('propagates a network error from the source', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield FRAMES[0];
      throw new Error('socket hang up');
    }
    const got: string[] = [];
    await expect(
      (async () => {
        for await (const ev of decodeBedrockStream(failing())) got.push(ev.event);
      })(),
    ).rejects.toThrow('socket hang up');
    expect(got).toEqual(['message_start']);
  });
});

// ---------------------------------------------------------------------------------------------------
// bedrockError

describe('bedrockError', () => {
  it.each([
    ['ValidationException', 400, 'invalid_request_error', 400, false],
    ['AccessDeniedException', 403, 'permission_error', 403, false],
    ['ResourceNotFoundException', 404, 'not_found_error', 404, false],
    ['ModelTimeoutException', 408, 'timeout_error', 408, false],
    ['ModelErrorException', 424, 'api_error', 424, false],
    ['ThrottlingException', 429, 'rate_limit_error', 429, true],
    ['ServiceQuotaExceededException', 429, 'rate_limit_error', 429, true],
    ['InternalServerException', 500, 'api_error', 500, true],
    ['ServiceUnavailableException', 503, 'overloaded_error', 529, true],
    ['ModelNotReadyException', 503, 'overloaded_error', 529, true],
    ['UnrecognizedClientException', 403, 'api_error', 500, false],
  ])('%s (HTTP %d) → %s, client status %d, retryable %s', (name, status, type, clientStatus, retryable) => {
    const err = bedrockError(status, { 'x-amzn-errortype': `${name}:http://internal.amazon.com/coral/com.amazon.bedrock/` }, '{"message":"upstream says no"}');
    expect(err).toBeInstanceOf(GatewayError);
    expect(err.type).toBe(type);
    expect(err.status).toBe(clientStatus);
    expect(err.retryable).toBe(retryable);
    expect(err.message).toBe(`upstream says no (${name})`);
  });

  it('keeps the upstream message without a "Bedrock:" prefix', () => {
    const err = bedrockError(400, { 'x-amzn-errortype': 'ValidationException' }, '{"message":"messages: field required"}');
    expect(err.message).toBe('messages: field required (ValidationException)');
  });

  it('rewrites "Input is too long" to Anthropic\'s "prompt is too long" so Claude Code compacts', () => {
    const err = bedrockError(400, { 'x-amzn-errortype': 'ValidationException:x' }, '{"message":"Input is too long for requested model."}');
    expect(err.type).toBe('invalid_request_error');
    expect(err.message).toMatch(/^prompt is too long: Input is too long for requested model\./);
  });

  it('leaves Anthropic wording relayed by Bedrock alone', () => {
    const err = bedrockError(400, { 'x-amzn-errortype': 'ValidationException' }, '{"message":"prompt is too long: 210000 tokens > 200000 maximum"}');
    expect(err.message).toBe('prompt is too long: 210000 tokens > 200000 maximum (ValidationException)');
  });

  it('finds the name in __type, and the header case-insensitively', () => {
    expect(bedrockError(429, {}, '{"__type":"com.amazon.coral.service#ThrottlingException","message":"slow down"}').type).toBe('rate_limit_error');
    expect(bedrockError(404, { 'X-Amzn-ErrorType': ['ResourceNotFoundException'] }, '{"message":"no"}').type).toBe('not_found_error');
  });

  it.each([
    [429, 'rate_limit_error', true],
    [502, 'api_error', true],
    [400, 'invalid_request_error', false],
    [401, 'authentication_error', false],
  ])('falls back to the status when the exception is unknown (%d)', (status, type, retryable) => {
    const err = bedrockError(status, {}, '<html>gateway</html>');
    expect(err.type).toBe(type);
    expect(err.retryable).toBe(retryable);
    expect(err.message).toBe('<html>gateway</html>');
  });

  it('says what happened when the body is empty, and passes retry-after on', () => {
    const err = bedrockError(429, { 'retry-after': '7' }, '');
    expect(err.message).toBe('Bedrock answered HTTP 429');
    expect(err.opts.retryAfterSeconds).toBe(7);
  });
});

// ---------------------------------------------------------------------------------------------------
// bedrockAdapter

describe('bedrockAdapter', () => {
  const secrets: Record<string, string> = { AWS_KEY: 'AKIDEXAMPLE\n', AWS_SECRET: CREDS.secretAccessKey, AWS_TOKEN: 'session-tok' };
  const resolveSecret = jest.fn(async (ref: CredentialRef) => {
    if (!('env' in ref)) throw new Error('unexpected ref');
    return secrets[ref.env];
  });

  it('builds, signs with the resolved (trimmed) credentials in the provider region, and maps errors', async () => {
    const adapter = bedrockAdapter(resolveSecret);
    const p: BedrockProvider = { ...provider, region: 'eu-central-1', credentials: { ...provider.credentials, session_token: { env: 'AWS_TOKEN' } } };
    const up = adapter.toUpstream(inbound({ stream: true }), p, catalog);
    const signed = await adapter.authorize(up, p);
    expect(signed.url).toBe(up.url);
    expect(signed.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-central-1\/bedrock\/aws4_request, /);
    expect(signed.headers['x-amz-security-token']).toBe('session-tok');
    expect(resolveSecret).toHaveBeenCalledWith({ env: 'AWS_KEY' });
    expect(adapter.toError(429, { 'x-amzn-errortype': 'ThrottlingException' }, '{"message":"slow"}').type).toBe('rate_limit_error');
  });

  it('signs without a session token when the provider has none', async () => {
    const signed = await bedrockAdapter(resolveSecret).authorize(built(), provider);
    expect(signed.headers['x-amz-security-token']).toBeUndefined();
    expect(signed.headers.authorization).toContain('/us-east-1/bedrock/aws4_request');
  });
});
