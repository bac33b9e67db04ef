import { RequestBody } from '../../services/gateway/src/providers/request-body';

const bytes = (s: string) => Buffer.from(s);

describe('request body: spliced from the client bytes, parsed only on demand', () => {
  const raw =
    '{"model":"claude-opus-5-5", "messages":[{"role":"user","content":"say \\"}{\\" ok"}],\n "tools":[{"name":"t","input_schema":{"type":"object","properties":{"stream":{"type":"boolean"}}}}],"stream":true}';

  it('reads top-level members without parsing nested ones', () => {
    const b = RequestBody.parse(bytes(raw));
    expect(b.value('model')).toBe('claude-opus-5-5');
    expect(b.value('stream')).toBe(true);
    expect(b.value('absent')).toBeUndefined();
  });

  it('sends an unchanged body as the same bytes', () => {
    const buf = bytes(raw);
    expect(RequestBody.parse(buf).bytes({ model: 'claude-opus-5-5' })).toBe(buf);
  });

  it('replaces, drops and adds members, keeping every other byte and the order', () => {
    const out = RequestBody.parse(bytes(raw)).bytes({ anthropic_version: 'vertex-2023-10-16', stream: false }, ['model']).toString();
    expect(out.startsWith('{"anthropic_version":"vertex-2023-10-16","messages":[{"role":"user","content":"say \\"}{\\" ok"}]')).toBe(true);
    expect(JSON.parse(out)).toEqual({ ...JSON.parse(raw), model: undefined, anthropic_version: 'vertex-2023-10-16', stream: false });
    expect(Object.keys(JSON.parse(out))).toEqual(['anthropic_version', 'messages', 'tools', 'stream']);
  });

  it('knows that a view without a member is not the client bytes', () => {
    const b = RequestBody.parse(bytes('{"anthropic_version":"vertex-2023-10-16","max_tokens":5}')).without(['anthropic_version']);
    expect(b.bytes().toString()).toBe('{"max_tokens":5}');
    expect(b.json).toEqual({ max_tokens: 5 });
  });

  it('merges override_params at the object level', () => {
    const b = RequestBody.parse(bytes('{"model":"m","thinking":{"type":"adaptive","display":"omitted"}}')).merge({
      thinking: { display: 'full' },
      max_tokens: 9,
    });
    expect(JSON.parse(b.bytes({ model: 'x' }).toString())).toEqual({ model: 'x', thinking: { type: 'adaptive', display: 'full' }, max_tokens: 9 });
  });

  it('parses the whole body like JSON.parse', () => {
    expect(RequestBody.parse(bytes(raw)).json).toEqual(JSON.parse(raw));
    expect(RequestBody.parse(bytes(' { } ')).json).toEqual({});
  });

  it.each([
    ['', /empty/],
    ['   ', /empty/],
    ['[1]', /must be a JSON object/],
    ['{"model": "claude', /unterminated string starting at byte 10/],
    ['{"model": "x",}', /expected a member name at byte 14/],
    ['{"model" "x"}', /expected ":" at byte 9/],
    ['{"a": [1, 2}', /unexpected "}" at byte 11/],
    ['{"a": {"b": 1}', /unexpected end of body/],
    ['{"a": tru}', /unexpected "tru" at byte 6/],
    ['{"a": 1} x', /unexpected data after the object/],
    ['{"a": }', /missing value at byte 6/],
  ])('rejects %j with a 400 that says where', (text, message) => {
    expect(() => RequestBody.parse(bytes(text))).toThrow(expect.objectContaining({ type: 'invalid_request_error', message: expect.stringMatching(message) }));
  });
});
