import { displayPrefix, generateKeySecret, hashKey, keyFromHeaders } from '../../services/gateway/src/auth/keys';
import { mergeMetadata, parseMetadataHeader } from '../../services/gateway/src/policy/metadata';
import { checkModelAccess, modelPatternMatches } from '../../services/gateway/src/policy/model-access';

describe('keys', () => {
  it('generates high-entropy keys with the gth_ prefix', () => {
    const a = generateKeySecret();
    expect(a).toMatch(/^gth_[0-9A-Za-z]{43}$/);
    expect(generateKeySecret()).not.toBe(a);
    expect(displayPrefix(a)).toBe(a.slice(0, 10));
  });
  it('hashes with SHA-256', () => {
    expect(hashKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hashKey('abd')).not.toBe(hashKey('abc'));
  });
  it.each([
    [{ authorization: 'Bearer k1' }, 'k1'],
    [{ 'x-api-key': 'k2' }, 'k2'],
    [{ 'x-gatehouse-api-key': 'k3', authorization: 'Bearer other' }, 'k3'],
    [{ 'x-portkey-api-key': 'k4' }, 'k4'],
    [{ authorization: 'Basic xyz' }, undefined],
    [{}, undefined],
  ])('reads the key from %j', (headers, want) => {
    expect(keyFromHeaders(headers)).toBe(want);
  });
});

describe('metadata', () => {
  it('parses strings and turns numbers and booleans into strings', () => {
    expect(parseMetadataHeader('{"team":"web","n":3,"on":true}')).toEqual({ team: 'web', n: '3', on: 'true' });
    expect(parseMetadataHeader(undefined)).toEqual({});
  });
  it.each([['[]'], ['"x"'], ['{"a":null}'], ['{bad'], [`{"k":"${'v'.repeat(600)}"}`]])('rejects %s with a 400', (raw) => {
    expect(() => parseMetadataHeader(raw)).toThrow(expect.objectContaining({ type: 'invalid_request_error' }));
  });
  it('lets key values win over the request, and the request over the workspace', () => {
    expect(mergeMetadata({ team: 'ws', env: 'prod' }, { team: 'mine', env: 'dev', x: '1' }, { team: 'pinned' })).toEqual({ team: 'pinned', env: 'dev', x: '1' });
  });
});

describe('model access', () => {
  it.each([
    ['claude-haiku-*', 'claude-haiku-4-5', true],
    ['claude-haiku-*', 'claude-opus-5-5', false],
    ['*', 'anything', true],
    ['claude-sonnet-4-5', 'claude-sonnet-4-5', true],
    ['claude.sonnet', 'claude-sonnet', false],
  ])('%s matches %s: %s', (pattern, model, want) => {
    expect(modelPatternMatches(pattern, model)).toBe(want);
  });
  it('refuses a model no rule allows with a 403 naming the model and the rule', () => {
    expect(() => checkModelAccess(['claude-opus-5-5'], [{ owner: 'key "dev"', patterns: ['claude-haiku-*'] }])).toThrow(
      'Model "claude-opus-5-5" is not allowed for key "dev": allowed models are "claude-haiku-*".',
    );
    expect(() => checkModelAccess(['claude-opus-5-5'], [{ owner: 'key', patterns: undefined }])).not.toThrow();
  });
});
