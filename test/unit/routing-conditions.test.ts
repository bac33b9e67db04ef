import {
  compileRegex,
  fieldValue,
  matches,
  MAX_REGEX_INPUT,
  regexSize,
  validateQuery,
  type ConditionContext,
  type Query,
} from '../../services/gateway/src/routing/conditions';

const ctx: ConditionContext = {
  metadata: { team: 'search', tier: 'pro', level: '3', since: '2025-06-01', 'org.unit': 'ml' },
  params: {
    model: 'claude-sonnet-4-5',
    max_tokens: 4096,
    stream: true,
    metadata: { user_id: 'user_abc_session_42' },
    messages: [{ role: 'user', content: 'hi' }],
  },
  headers: { 'x-team': 'infra', 'anthropic-beta': 'context-1m-2025-08-07' },
};

describe('matches', () => {
  it.each<[string, Query, boolean]>([
    // shorthand equality
    ['scalar means $eq (metadata)', { 'metadata.team': 'search' }, true],
    ['scalar means $eq, mismatch', { 'metadata.team': 'ads' }, false],
    ['a number equals the string metadata that prints the same', { 'metadata.level': 3 }, true],
    ['a boolean body param', { 'params.stream': true }, true],
    ['a missing field equals null', { 'metadata.nothing': null }, true],
    ['a missing field is not a string', { 'metadata.nothing': 'x' }, false],
    // $eq / $ne
    ['$eq', { 'params.model': { $eq: 'claude-sonnet-4-5' } }, true],
    ['$ne', { 'params.model': { $ne: 'claude-opus-4-1' } }, true],
    ['$ne, equal', { 'params.model': { $ne: 'claude-sonnet-4-5' } }, false],
    ['$ne holds for a missing field', { 'metadata.nothing': { $ne: 'x' } }, true],
    // ordering
    ['$gt numeric', { 'params.max_tokens': { $gt: 4000 } }, true],
    ['$gt numeric, equal', { 'params.max_tokens': { $gt: 4096 } }, false],
    ['$gte numeric, equal', { 'params.max_tokens': { $gte: 4096 } }, true],
    ['$lt numeric', { 'params.max_tokens': { $lt: 5000 } }, true],
    ['$lte numeric', { 'params.max_tokens': { $lte: 4095 } }, false],
    ['$lt compares numeric strings as numbers ("3" < "10")', { 'metadata.level': { $lt: '10' } }, true],
    ['$gte compares non-numeric strings lexicographically (ISO dates)', { 'metadata.since': { $gte: '2025-01-01' } }, true],
    ['$lt between a number and a word fails', { 'metadata.team': { $lt: 5 } }, false],
    ['$gt on a missing field fails', { 'metadata.nothing': { $gt: 0 } }, false],
    ['range: several operators in one object all hold', { 'params.max_tokens': { $gt: 1000, $lte: 8192 } }, true],
    ['range, one fails', { 'params.max_tokens': { $gt: 1000, $lte: 2048 } }, false],
    // membership
    ['$in', { 'metadata.tier': { $in: ['pro', 'enterprise'] } }, true],
    ['$in, absent', { 'metadata.tier': { $in: ['free'] } }, false],
    ['$in with a number against string metadata', { 'metadata.level': { $in: [1, 2, 3] } }, true],
    ['$nin', { 'metadata.tier': { $nin: ['free'] } }, true],
    ['$nin, present', { 'metadata.tier': { $nin: ['pro'] } }, false],
    ['$nin holds for a missing field', { 'metadata.nothing': { $nin: ['x'] } }, true],
    // regex
    ['$regex', { 'params.model': { $regex: '^claude-sonnet' } }, true],
    ['$regex, no match', { 'params.model': { $regex: 'opus' } }, false],
    ['$regex on a nested body field', { 'params.metadata.user_id': { $regex: '_session_\\d+$' } }, true],
    ['$regex on a number', { 'params.max_tokens': { $regex: '^40' } }, true],
    ['$regex on a missing field', { 'metadata.nothing': { $regex: '.*' } }, false],
    ['$regex on an object', { 'params.metadata': { $regex: '.*' } }, false],
    // paths
    ['headers, name case-insensitive', { 'headers.X-Team': 'infra' }, true],
    ['params into arrays by index', { 'params.messages.0.role': 'user' }, true],
    ['params path through a scalar', { 'params.model.length': 17 }, false],
    ['metadata does not reach the prototype', { 'metadata.constructor': { $ne: null } }, false],
    ['params do not reach the prototype', { 'params.toString': { $ne: null } }, false],
    ['metadata keys may contain dots', { 'metadata.org.unit': 'ml' }, true],
    // logic
    ['entries of one query are ANDed', { 'metadata.team': 'search', 'metadata.tier': 'free' }, false],
    ['$and', { $and: [{ 'metadata.team': 'search' }, { 'params.stream': true }] }, true],
    ['$and, one fails', { $and: [{ 'metadata.team': 'search' }, { 'params.stream': false }] }, false],
    ['$or', { $or: [{ 'metadata.team': 'ads' }, { 'headers.x-team': 'infra' }] }, true],
    ['$or, none', { $or: [{ 'metadata.team': 'ads' }, { 'headers.x-team': 'ads' }] }, false],
    ['$or does not short-circuit its siblings (unlike Portkey)', { $or: [{ 'metadata.team': 'search' }], 'metadata.tier': 'free' }, false],
    ['nested $and inside $or', { $or: [{ $and: [{ 'metadata.team': 'search' }, { 'metadata.tier': 'pro' }] }, { 'metadata.team': 'x' }] }, true],
    ['an empty query matches everything', {}, true],
    // malformed (never validated) input is false, never a throw
    ['an unknown operator', { 'metadata.team': { $like: 'search' } }, false],
    ['$in without a list', { 'metadata.team': { $in: 'search' } }, false],
    ['$and without a list', { $and: { 'metadata.team': 'search' } }, false],
  ])('%s', (_name, query, want) => {
    expect(matches(query, ctx)).toBe(want);
  });
});

describe('fieldValue', () => {
  it.each<[string, unknown]>([
    ['metadata.team', 'search'],
    ['params.metadata.user_id', 'user_abc_session_42'],
    ['headers.anthropic-beta', 'context-1m-2025-08-07'],
    ['params.nothing.deeper', undefined],
    ['url.pathname', undefined],
  ])('%s', (field, want) => expect(fieldValue(field, ctx)).toEqual(want));
});

describe('validateQuery', () => {
  it.each<[string, unknown, [(string | number)[], RegExp][]]>([
    ['a valid query', { $or: [{ 'metadata.a': { $in: ['x'] } }, { 'params.max_tokens': { $gte: 1, $lt: '9' } }], 'headers.x': 'y' }, []],
    ['not an object', 'metadata.a = 1', [[[], /is an object/]]],
    ['an unknown field prefix', { 'user.id': 'x' }, [[['user.id'], /start with metadata\./]]],
    ['a bare prefix', { 'metadata.': 'x' }, [[['metadata.'], /start with metadata\./]]],
    ['an operator at query level', { $in: ['x'] }, [[['$in'], /only \$and and \$or/]]],
    ['$or with no list', { $or: {} }, [[['$or'], /non-empty list/]]],
    ['$and with an empty list', { $and: [] }, [[['$and'], /non-empty list/]]],
    ['an empty operator object', { 'metadata.a': {} }, [[['metadata.a'], /at least one operator/]]],
    ['an array value', { 'metadata.a': ['x'] }, [[['metadata.a'], /use an operator such as \$in/]]],
    ['$in with a scalar', { 'metadata.a': { $in: 'x' } }, [[['metadata.a', '$in'], /list/]]],
    ['$gt with a list', { 'metadata.a': { $gt: [1] } }, [[['metadata.a', '$gt'], /number or a string/]]],
    ['$eq with an object', { 'metadata.a': { $eq: { b: 1 } } }, [[['metadata.a', '$eq'], /string, number, boolean or null/]]],
    ['$regex with a number', { 'metadata.a': { $regex: 5 } }, [[['metadata.a', '$regex'], /pattern string/]]],
    [
      'issues inside $and carry their index',
      { $and: [{ 'metadata.a': 'x' }, { 'metadata.b': { $nope: 1 } }] },
      [[['$and', 1, 'metadata.b', '$nope'], /unknown operator/]],
    ],
    [
      'nesting deeper than 8 levels',
      { $and: [{ $and: [{ $and: [{ $and: [{ $and: [{ $and: [{ $and: [{ $and: [{ 'metadata.a': 'x' }] }] }] }] }] }] }] }] },
      [[['$and', 0, '$and', 0, '$and', 0, '$and', 0, '$and', 0, '$and', 0, '$and', 0, '$and', 0], /at most 8 levels/]],
    ],
  ])('%s', (_name, query, want) => {
    const issues = validateQuery(query);
    expect(issues).toHaveLength(want.length);
    want.forEach(([path, message], i) => expect(issues[i]).toEqual({ path, message: expect.stringMatching(message) }));
  });
});

describe('compileRegex', () => {
  it.each<[string, boolean]>([
    ['^claude-(sonnet|opus)-4', true],
    ['[a-z]+@example\\.com', true],
    ['(a|b)+', true],
    // Catastrophic for a backtracking engine, linear in RE2: accepted.
    ['(a+)+', true],
    ['(\\w*x)*', true],
    ['^(a|a)*$', true],
    // What RE2 does not have: backreferences and lookaround.
    ['(a)\\1', false],
    ['(?=a)a', false],
    ['([a-z', false],
    ['x'.repeat(513), false],
    // Its repeats expand past MAX_REGEX_SIZE: too costly to compile.
    ['((a{100}){100}){100}', false],
  ])('%s → %s', (pattern, ok) => {
    expect(compileRegex(pattern).ok).toBe(ok);
  });

  it('bounds the compiled size by the pattern length times its counted repeats', () => {
    expect(regexSize('^web')).toBe(4);
    expect(regexSize('a{300}')).toBe(6 * 300);
    expect(regexSize('a{2,5}b{3,}')).toBe(11 * 5 * 4);
  });

  it('matches catastrophic patterns against long inputs, and never a value past MAX_REGEX_INPUT', () => {
    const ctx = (system: string): ConditionContext => ({ metadata: {}, headers: {}, params: { system } });
    const query = { 'params.system': { $regex: '^(a|a)*$' } };
    expect(matches(query, ctx(`${'a'.repeat(MAX_REGEX_INPUT - 1)}b`))).toBe(false);
    expect(matches(query, ctx('a'.repeat(MAX_REGEX_INPUT)))).toBe(true);
    expect(matches(query, ctx('a'.repeat(MAX_REGEX_INPUT + 1)))).toBe(false);
  });
});
