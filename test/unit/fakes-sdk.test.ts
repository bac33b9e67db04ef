/** The real Anthropic SDK reads the fakes' answers: its stream accumulator is the strictest SSE parser we have. */
import Anthropic from '@anthropic-ai/sdk';
import { startFakeAnthropic } from '../fakes/fake-anthropic';
import { FAKE_TOOL, FAKE_USAGE, type Fake } from '../fakes/script';

describe('fake Anthropic through @anthropic-ai/sdk', () => {
  let fake: Fake;
  let client: Anthropic;
  beforeAll(async () => {
    fake = await startFakeAnthropic({ apiKey: 'sk-ant-test' });
    client = new Anthropic({ baseURL: fake.url, apiKey: 'sk-ant-test', maxRetries: 0 });
  });
  afterAll(() => fake.close());

  it('assembles the stream into the same Message the non-streaming call returns', async () => {
    const params = { model: 'stream', max_tokens: 64, messages: [{ role: 'user' as const, content: 'weather?' }] };
    const streamed = await client.messages.stream(params).finalMessage();
    const plain = await client.messages.create(params);
    expect(streamed.content[0]).toMatchObject({ type: 'text', text: 'Hello from fake-anthropic' });
    expect(streamed.content[1]).toMatchObject({ type: 'tool_use', id: expect.stringMatching(/^toolu_/), name: FAKE_TOOL.name, input: FAKE_TOOL.input });
    expect(plain.content.map((b) => b.type)).toEqual(['text', 'tool_use']);
    expect(streamed.stop_reason).toBe('tool_use');
    expect(streamed.usage).toMatchObject(FAKE_USAGE);
  });

  it('surfaces 429 with retry-after as a RateLimitError', async () => {
    fake.enqueue('error-429');
    await expect(client.messages.create({ model: 'ok', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(
      Anthropic.RateLimitError,
    );
  });
});
