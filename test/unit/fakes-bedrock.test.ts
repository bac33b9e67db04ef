/** Self-test of the fake Bedrock runtime: SigV4 form, InvokeModel body rules, event-stream framing. */
import { FAKE_BEDROCK_METRICS, parseSigV4, startFakeBedrock } from '../fakes/fake-bedrock';
import { decodeEventStream } from '../fakes/read';
import { FAKE_USAGE, type Fake } from '../fakes/script';

const SIG = `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261127/us-east-1/bedrock/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=${'ab'.repeat(32)}`;
const body = (extra: Record<string, unknown> = {}) => ({
  anthropic_version: 'bedrock-2023-05-31',
  max_tokens: 64,
  messages: [{ role: 'user', content: 'Hello' }],
  ...extra,
});

describe('fake Bedrock', () => {
  let fake: Fake;
  beforeAll(async () => (fake = await startFakeBedrock()));
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());
  const post = (path: string, b: unknown, headers: Record<string, string> = { authorization: SIG, 'x-amz-date': '20261127T050000Z' }) =>
    fetch(fake.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(b) });

  it('streams event-stream chunk frames with no pings and invocation metrics on message_stop', async () => {
    const res = await post('/model/us.anthropic.stream-v1:0/invoke-with-response-stream', body());
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.amazon.eventstream');
    const frames = decodeEventStream(new Uint8Array(await res.arrayBuffer()));
    for (const f of frames) {
      expect(f.headers).toEqual({ ':message-type': 'event', ':event-type': 'chunk', ':content-type': 'application/json' });
      expect(Object.keys(JSON.parse(f.body))).toEqual(['bytes', 'p']);
    }
    const types = frames.map((f) => f.event.type);
    expect(types).not.toContain('ping');
    expect(types[0]).toBe('message_start');
    expect(types.slice(-2)).toEqual(['message_delta', 'message_stop']);
    expect(frames[0].event.message.id).toMatch(/^msg_bdrk_/);
    expect(frames[0].event.message.usage.cache_creation).toEqual(FAKE_USAGE.cache_creation);
    expect(frames[frames.length - 1].event['amazon-bedrock-invocationMetrics']).toEqual(FAKE_BEDROCK_METRICS);
    expect(fake.calls[0].model).toBe('us.anthropic.stream-v1:0');
  });

  it('decodes a path-escaped inference-profile ARN and answers invoke with token-count headers', async () => {
    const res = await post('/model/arn:aws:bedrock:us-east-2:1234:inference-profile%2Fus.anthropic.claude-haiku-4-5-20251001-v1:0/invoke', body());
    expect(res.status).toBe(200);
    expect(res.headers.get('x-amzn-bedrock-input-token-count')).toBe('25');
    expect(await res.json()).toMatchObject({ model: 'claude-haiku-4-5-20251001', content: [{ text: 'Hello from fake-bedrock' }], usage: FAKE_USAGE });
    expect(fake.calls[0].model).toBe('arn:aws:bedrock:us-east-2:1234:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0');
    expect(parseSigV4(fake.calls[0].headers.authorization)).toMatchObject({ accessKeyId: 'AKIDEXAMPLE', region: 'us-east-1', service: 'bedrock' });
  });

  it.each([
    ['model', body({ model: 'x' }), 'extraneous key [model]'],
    ['stream', body({ stream: true }), 'extraneous key [stream]'],
    ['no anthropic_version', { max_tokens: 1, messages: [] }, 'required key [anthropic_version]'],
  ])('rejects a body with %s as a ValidationException', async (_name, b, message) => {
    const res = await post('/model/ok/invoke', b);
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toMatch(/^ValidationException:/);
    expect((await res.json()).message).toContain(message);
  });

  it('requires a SigV4 Authorization header and x-amz-date', async () => {
    expect((await post('/model/ok/invoke', body(), {})).status).toBe(403);
    expect((await post('/model/ok/invoke', body(), { authorization: SIG })).status).toBe(403);
  });

  it('answers error-429 with a ThrottlingException', async () => {
    const res = await post('/model/us.anthropic.error-429-v1:0/invoke-with-response-stream', body());
    expect(res.status).toBe(429);
    expect(res.headers.get('x-amzn-errortype')).toMatch(/^ThrottlingException:/);
    expect(await res.json()).toEqual({ message: 'Too many requests, please wait before trying again.' });
  });

  it('sends message_start then an exception frame for stream-exception', async () => {
    const frames = decodeEventStream(new Uint8Array(await (await post('/model/stream-exception/invoke-with-response-stream', body())).arrayBuffer()));
    expect(frames).toHaveLength(2);
    expect(frames[0].event.type).toBe('message_start');
    expect(frames[1].headers).toMatchObject({ ':message-type': 'exception', ':exception-type': 'throttlingException' });
  });

  it('pauses slow-gap-<ms> between two chunk frames', async () => {
    const res = await post('/model/slow-gap-300/invoke-with-response-stream', body());
    const reader = res.body!.getReader();
    const arrivals: number[] = [];
    const chunks: Uint8Array[] = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      chunks.push(r.value);
      arrivals.push(Date.now());
    }
    const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]);
    expect(Math.max(...gaps)).toBeGreaterThanOrEqual(280);
    expect(decodeEventStream(Buffer.concat(chunks)).map((f) => f.event.type)[1]).toBe('content_block_start');
  });
});
