import { createCatalog, isRegionalVertex } from '../../services/shared/src/catalog';

const catalog = createCatalog();

describe('resolve accepts every spelling a client or platform uses', () => {
  it.each([
    ['undated canonical id', 'claude-opus-5-5', 'claude-opus-5-5'],
    ['dated canonical id', 'claude-sonnet-4-5-20250929', 'claude-sonnet-4-5-20250929'],
    ['undated alias of a dated model', 'claude-sonnet-4-5', 'claude-sonnet-4-5-20250929'],
    ['Vertex @date id', 'claude-sonnet-4-5@20250929', 'claude-sonnet-4-5-20250929'],
    ['Vertex id whose family has no minor version', 'claude-sonnet-4@20250514', 'claude-sonnet-4-20250514'],
    ['Claude Code [1m] suffix', 'claude-opus-4-8[1m]', 'claude-opus-4-8'],
    ['[1m] on a dated id', 'claude-sonnet-4-5-20250929[1m]', 'claude-sonnet-4-5-20250929'],
    ['[1M] in capitals', 'CLAUDE-OPUS-4-8[1M]', 'claude-opus-4-8'],
    ['surrounding whitespace', '  claude-opus-5 ', 'claude-opus-5'],
    ['Bedrock base id', 'anthropic.claude-sonnet-4-5-20250929-v1:0', 'claude-sonnet-4-5-20250929'],
    ['Bedrock us. profile', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'claude-sonnet-4-5-20250929'],
    ['Bedrock global. profile, bare -v1', 'global.anthropic.claude-opus-4-6-v1', 'claude-opus-4-6'],
    ['Bedrock id without version', 'anthropic.claude-sonnet-4-6', 'claude-sonnet-4-6'],
    ['Bedrock profile of an undated model', 'us.anthropic.claude-opus-4-8', 'claude-opus-4-8'],
    ['Bedrock eu. profile', 'eu.anthropic.claude-haiku-4-5-20251001-v1:0', 'claude-haiku-4-5-20251001'],
    [
      'Bedrock inference-profile ARN',
      'arn:aws:bedrock:us-east-2:123456789012:inference-profile/us.anthropic.claude-3-7-sonnet-20250219-v1:0',
      'claude-3-7-sonnet-20250219',
    ],
    ['-latest alias', 'claude-3-5-haiku-latest', 'claude-3-5-haiku-20241022'],
    ['-0 alias', 'claude-opus-4-0', 'claude-opus-4-20250514'],
    ['Fable 5.2', 'claude-fable-5-2', 'claude-fable-5-2'],
    ['Haiku 5.5 on Bedrock', 'jp.anthropic.claude-haiku-5-5', 'claude-haiku-5-5'],
    ['Sonnet 5.5', 'claude-sonnet-5-5', 'claude-sonnet-5-5'],
  ])('%s: %s', (_why, name, id) => {
    expect(catalog.resolve(name)?.id).toBe(id);
  });

  it.each([
    ['an unknown snapshot of a known family is not guessed', 'claude-sonnet-4-5-20990101'],
    ['another vendor', 'gpt-4o'],
    ['an empty name', ''],
    ['a family name alone', 'claude-opus'],
    ['a suffix other than [1m]', 'claude-opus-4-8[2m]'],
    ['an inherited object key', 'constructor'],
  ])('%s: %j is unknown', (_why, name) => {
    expect(catalog.resolve(name)).toBeUndefined();
  });
});

describe('providerModelId names the model the way each upstream wants it', () => {
  it.each([
    // [kind, name, profilePrefix, expected]
    ['anthropic', 'claude-sonnet-4-5', undefined, 'claude-sonnet-4-5-20250929'],
    ['anthropic', 'claude-sonnet-4-5@20250929', undefined, 'claude-sonnet-4-5-20250929'],
    ['anthropic', 'us.anthropic.claude-opus-4-8', undefined, 'claude-opus-4-8'],
    ['anthropic', 'claude-opus-4-8[1m]', undefined, 'claude-opus-4-8'],
    ['anthropic', 'claude-next-7[1m]', undefined, 'claude-next-7'],
    ['vertex', 'claude-sonnet-4-5-20250929', undefined, 'claude-sonnet-4-5@20250929'],
    ['vertex', 'claude-sonnet-4-5', undefined, 'claude-sonnet-4-5@20250929'],
    ['vertex', 'claude-3-5-haiku-20241022', undefined, 'claude-3-5-haiku@20241022'],
    ['vertex', 'claude-opus-5-5', undefined, 'claude-opus-5-5'],
    ['vertex', 'claude-opus-4-8[1m]', undefined, 'claude-opus-4-8'],
    ['vertex', 'us.anthropic.claude-haiku-4-5-20251001-v1:0', undefined, 'claude-haiku-4-5@20251001'],
    ['vertex', 'claude-sonnet-9-20991231', undefined, 'claude-sonnet-9@20991231'],
    ['vertex', 'claude-sonnet-9@20991231', undefined, 'claude-sonnet-9@20991231'],
    ['vertex', 'claude-next[1m]', undefined, 'claude-next'],
    ['bedrock', 'claude-sonnet-4-5-20250929', undefined, 'anthropic.claude-sonnet-4-5-20250929-v1:0'],
    ['bedrock', 'claude-sonnet-4-5', 'us', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0'],
    ['bedrock', 'claude-opus-4-6', 'global', 'global.anthropic.claude-opus-4-6-v1'],
    ['bedrock', 'claude-opus-4-8[1m]', 'us', 'us.anthropic.claude-opus-4-8'],
    ['bedrock', 'claude-opus-5-5', 'us.', 'us.anthropic.claude-opus-5-5'],
    ['bedrock', 'eu.anthropic.claude-sonnet-4-5-20250929-v1:0', 'us', 'eu.anthropic.claude-sonnet-4-5-20250929-v1:0'],
    ['bedrock', 'us.anthropic.claude-3-5-haiku-20241022-v1:0', undefined, 'us.anthropic.claude-3-5-haiku-20241022-v1:0'],
    ['bedrock', 'claude-3-5-haiku-20241022', 'us', 'anthropic.claude-3-5-haiku-20241022-v1:0'],
    ['bedrock', 'anthropic.claude-next-v1:0', 'us', 'anthropic.claude-next-v1:0'],
    ['bedrock', 'claude-next-20991231', 'us', 'claude-next-20991231'],
    [
      'bedrock',
      'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123',
      'us',
      'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123',
    ],
    [
      'bedrock',
      'arn:aws:bedrock:us-east-2:123456789012:inference-profile/us.anthropic.claude-3-7-sonnet-20250219-v1:0',
      'eu',
      'arn:aws:bedrock:us-east-2:123456789012:inference-profile/us.anthropic.claude-3-7-sonnet-20250219-v1:0',
    ],
  ] as const)('%s %s (prefix %s) → %s', (kind, name, profilePrefix, want) => {
    expect(catalog.providerModelId(kind, name, { profilePrefix })).toBe(want);
  });

  it('works without an options object', () => {
    expect(catalog.providerModelId('bedrock', 'claude-opus-4-8')).toBe('anthropic.claude-opus-4-8');
  });
});

// The anthropic-beta header Claude Code 2.1.332 sent in a captured /v1/messages request.
const CLAUDE_CODE_BETAS = [
  'claude-code-20250219',
  'interleaved-thinking-2025-05-14',
  'context-management-2025-06-27',
  'per-turn-control-2026-07-01',
  'mid-conversation-tool-changes-2026-07-01',
  'thinking-token-count-2026-05-13',
  'advanced-tool-use-2025-11-20',
  'effort-2025-11-24',
];

describe('filterBetas applies each provider policy', () => {
  it.each([
    ['vertex renames advanced-tool-use', 'vertex', ['advanced-tool-use-2025-11-20'], ['tool-search-tool-2025-10-19']],
    [
      'vertex collapses a rename onto a value already present',
      'vertex',
      ['tool-search-tool-2025-10-19', 'advanced-tool-use-2025-11-20'],
      ['tool-search-tool-2025-10-19'],
    ],
    ['vertex drops listed betas', 'vertex', ['effort-2025-11-24', 'oauth-2025-04-20', 'claude-code-20250219'], []],
    ['vertex drops by prefix pattern', 'vertex', ['mcp-client-2025-04-04', 'mcp-client-2025-11-20'], []],
    ['vertex drops unknown betas', 'vertex', ['made-up-2030-01-01', 'context-1m-2025-08-07'], ['context-1m-2025-08-07']],
    [
      'vertex keeps order for a real Claude Code header',
      'vertex',
      [CLAUDE_CODE_BETAS.join(',')],
      ['interleaved-thinking-2025-05-14', 'context-management-2025-06-27', 'per-turn-control-2026-07-01', 'tool-search-tool-2025-10-19'],
    ],
    [
      'vertex splits and trims comma-joined values',
      'vertex',
      ['web-search-2025-03-05 , context-1m-2025-08-07', ' ', ''],
      ['web-search-2025-03-05', 'context-1m-2025-08-07'],
    ],
    ['vertex removes duplicates', 'vertex', ['context-1m-2025-08-07', 'context-1m-2025-08-07'], ['context-1m-2025-08-07']],
    ['vertex ignores inherited object keys', 'vertex', ['constructor', '__proto__', 'toString'], []],
    [
      'bedrock keeps what InvokeModel accepts, in order',
      'bedrock',
      CLAUDE_CODE_BETAS,
      [
        'interleaved-thinking-2025-05-14',
        'context-management-2025-06-27',
        'mid-conversation-tool-changes-2026-07-01',
        'tool-search-tool-2025-10-19',
        'effort-2025-11-24',
      ],
    ],
    ['bedrock drops what legacy Bedrock lacks', 'bedrock', ['web-search-2025-03-05', 'files-api-2025-04-14'], []],
    ['bedrock drops unknown betas', 'bedrock', ['made-up-2030-01-01'], []],
    ['anthropic passes everything, in order', 'anthropic', ['oauth-2025-04-20', 'made-up-2030-01-01'], ['oauth-2025-04-20', 'made-up-2030-01-01']],
    ['anthropic does not rename', 'anthropic', ['advanced-tool-use-2025-11-20'], ['advanced-tool-use-2025-11-20']],
    ['anthropic removes duplicates', 'anthropic', ['b-1', 'a-1', 'b-1'], ['b-1', 'a-1']],
    ['anthropic passes inherited object keys as plain strings', 'anthropic', ['constructor'], ['constructor']],
    ['an empty list stays empty', 'vertex', [], []],
  ] as const)('%s', (_why, kind, betas, want) => {
    expect(catalog.filterBetas(kind, [...betas])).toEqual(want);
  });

  it('does not modify its input', () => {
    const input = ['advanced-tool-use-2025-11-20', 'effort-2025-11-24'];
    catalog.filterBetas('vertex', input);
    expect(input).toEqual(['advanced-tool-use-2025-11-20', 'effort-2025-11-24']);
  });

  it('works a list out once per provider kind and hands out the same frozen answer', () => {
    const first = catalog.filterBetas('vertex', ['advanced-tool-use-2025-11-20']);
    expect(catalog.filterBetas('vertex', ['advanced-tool-use-2025-11-20'])).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(catalog.filterBetas('anthropic', ['advanced-tool-use-2025-11-20'])).toEqual(['advanced-tool-use-2025-11-20']);
  });
});

describe('isRegionalVertex', () => {
  it.each([
    ['global', false],
    ['GLOBAL', false],
    ['us', true],
    ['eu', true],
    ['us-east5', true],
    ['europe-west1', true],
  ])('%s → %s', (region, want) => {
    expect(isRegionalVertex(region)).toBe(want);
  });
});
