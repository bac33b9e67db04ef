import { mergeMetadata, parseMetadataHeader } from '../../services/gateway/src/policy/metadata';
import { checkModelAccess, modelPatternMatches } from '../../services/gateway/src/policy/model-access';

describe('metadata', () => {
  it('parses strings and turns numbers and booleans into strings', () => {
    expect(parseMetadataHeader('{"team":"web","n":3,"on":true}')).toEqual({ team: 'web', n: '3', on: 'true' });
    expect(parseMetadataHeader(undefined)).toEqual({});
  });
  it.each([['[]'], ['"x"'], ['{"a":null}'], ['{bad'], [`{"k":"${'v'.repeat(600)}"}`]])('rejects %s with a 400', (raw) => {
    expect(() => parseMetadataHeader(raw)).toThrow(expect.objectContaining({ type: 'invalid_request_error' }));
  });
  it('lets key values win over the request, and the request over the workspace', () => {
    expect(mergeMetadata({ team: 'ws', env: 'prod' }, { team: 'mine', env: 'dev', x: '1' }, { team: 'pinned' })).toEqual({
      team: 'pinned',
      env: 'dev',
      x: '1',
    });
  });
});

describe('model access', () => {
  it.each([
    ['claude-haiku-*', 'claude-haiku-4-5', true],
    ['claude-haiku-*', 'claude-opus-5-5', false],
    ['*', 'anything', true],
    ['claude-sonnet-4-5', 'claude-sonnet-4-5', true],
    ['claude.sonnet', 'claude-sonnet', false],
    ['claude-(opus|sonnet)', 'claude-opus', false],
    ['claude-(opus|sonnet)', 'claude-(opus|sonnet)', true],
  ])('%s matches %s: %s', (pattern, model, want) => {
    expect(modelPatternMatches(pattern, model)).toBe(want);
  });
  it('matches a pattern of many stars against a long name in linear time (a backtracking engine hangs)', () => {
    // A workspace admin writes these (keys.write), the client the model name: `*a*a…*b` against
    // "aaa…" backtracks through every way of splitting the name among the stars.
    const pattern = `${'*a'.repeat(40)}*b`;
    expect(modelPatternMatches(pattern, 'a'.repeat(5_000))).toBe(false);
    expect(modelPatternMatches(pattern, `${'a'.repeat(5_000)}b`)).toBe(true);
  });
  it('refuses a model no rule allows with a 403 naming the model and the rule', () => {
    expect(() => checkModelAccess(['claude-opus-5-5'], [{ owner: 'key "dev"', patterns: ['claude-haiku-*'] }])).toThrow(
      'Model "claude-opus-5-5" is not allowed for key "dev": allowed models are "claude-haiku-*".',
    );
    expect(() => checkModelAccess(['claude-opus-5-5'], [{ owner: 'key', patterns: undefined }])).not.toThrow();
  });
});
