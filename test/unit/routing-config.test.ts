import { configError, parseConfig, type ConfigIssue, type RoutingConfig } from '../../services/gateway/src/routing/config-schema';

function issuesOf(input: unknown): ConfigIssue[] {
  const r = parseConfig(input);
  if (r.ok) throw new Error(`expected an invalid config, got ${JSON.stringify(r.config)}`);
  return r.issues;
}

function configOf(input: unknown): RoutingConfig {
  const r = parseConfig(input);
  if (!r.ok) throw new Error(configError(r.issues));
  return r.config;
}

/** `targets[0].targets[0]…` n levels deep, with a provider at the bottom. */
function nested(levels: number): Record<string, unknown> {
  let node: Record<string, unknown> = { provider: '@vertex-prod' };
  for (let i = 0; i < levels; i++) node = { strategy: { mode: 'fallback' }, targets: [node] };
  return node;
}

describe('parseConfig accepts', () => {
  it.each<[string, unknown, RoutingConfig]>([
    [
      'load-balance is the canonical loadbalance',
      { strategy: { mode: 'load-balance' }, targets: [{ provider: '@a' }] },
      { strategy: { mode: 'loadbalance' }, targets: [{ provider: '@a' }] },
    ],
    ['legacy virtual_key becomes provider', { virtual_key: 'vertex-prod' }, { provider: '@vertex-prod' }],
    ['virtual_key with @ becomes provider', { virtual_key: '@vertex-prod' }, { provider: '@vertex-prod' }],
    [
      'forward_headers are lower-cased and deduplicated',
      { provider: '@a', forward_headers: ['Anthropic-Beta', 'anthropic-beta', 'X-Team'] },
      { provider: '@a', forward_headers: ['anthropic-beta', 'x-team'] },
    ],
    ['a config of only retry (provider from the header)', { retry: { attempts: 2 } }, { retry: { attempts: 2 } }],
    ['single mode without targets', { strategy: { mode: 'single' }, provider: '@a' }, { strategy: { mode: 'single' }, provider: '@a' }],
    [
      'conditional with conditions and a default',
      {
        strategy: { mode: 'conditional', conditions: [{ query: { 'metadata.tier': { $in: ['pro'] } }, then: 'fast' }], default: 'cheap' },
        targets: [
          { name: 'fast', provider: '@a' },
          { name: 'cheap', provider: '@b' },
        ],
      },
      {
        strategy: { mode: 'conditional', conditions: [{ query: { 'metadata.tier': { $in: ['pro'] } }, then: 'fast' }], default: 'cheap' },
        targets: [
          { name: 'fast', provider: '@a' },
          { name: 'cheap', provider: '@b' },
        ],
      },
    ],
    ['retry attempts 0 and 10 are the bounds', { provider: '@a', targets: undefined, retry: { attempts: 10 } }, { provider: '@a', retry: { attempts: 10 } }],
  ])('%s', (_name, input, want) => {
    expect(configOf(input)).toEqual(want);
  });

  it('camelCase keys everywhere, normalised to snake_case; body params inside override_params untouched', () => {
    const config = configOf({
      strategy: { mode: 'loadbalance', onStatusCodes: [429], sticky: { enabled: true, hashFields: ['metadata.user'], ttl: 60 } },
      targets: [
        {
          virtualKey: 'vertex-prod',
          overrideParams: { maxTokens: 5, thinking: { budgetTokens: 1 } },
          requestTimeout: 1000,
          forwardHeaders: ['X-Foo'],
          retry: { attempts: 2, onStatusCodes: [500], useRetryAfterHeader: true },
          cache: { mode: 'simple', maxAge: 60 },
        },
      ],
    });
    expect(config).toEqual({
      strategy: { mode: 'loadbalance', on_status_codes: [429], sticky: { enabled: true, hash_fields: ['metadata.user'], ttl: 60 } },
      targets: [
        {
          provider: '@vertex-prod',
          override_params: { maxTokens: 5, thinking: { budgetTokens: 1 } },
          request_timeout: 1000,
          forward_headers: ['x-foo'],
          retry: { attempts: 2, on_status_codes: [500], use_retry_after_header: true },
          cache: { mode: 'simple', max_age: 60 },
        },
      ],
    });
  });

  it('keeps known Portkey fields it does not implement, and lists them as ignored', () => {
    const r = parseConfig({
      provider: '@a',
      input_guardrails: ['pg-1'],
      outputGuardrails: ['pg-2', { 'default.contains': { operator: 'none', words: ['x'] }, deny: true }],
      after_request_hooks: [{ id: 'h' }],
      strategy: { mode: 'single', cbConfig: { failure_threshold: 3 } },
      targets: [{ provider: '@b', before_request_hooks: [] }],
    });
    expect(r).toMatchObject({ ok: true });
    if (!r.ok) return;
    expect(r.ignored).toEqual(['after_request_hooks', 'strategy.cb_config', 'targets[0].before_request_hooks']);
    expect(r.config.input_guardrails).toEqual(['pg-1']);
    expect(r.config.output_guardrails).toEqual(['pg-2', { action: 'deny', checks: [{ type: 'words', words: ['x'] }] }]);
  });

  it('accepts targets nested exactly 5 levels deep', () => {
    expect(parseConfig(nested(5)).ok).toBe(true);
  });

  it('accepts 50 targets in total', () => {
    const targets = Array.from({ length: 10 }, () => ({ strategy: { mode: 'fallback' }, targets: Array.from({ length: 4 }, () => ({ provider: '@a' })) }));
    expect(parseConfig({ strategy: { mode: 'fallback' }, targets }).ok).toBe(true);
  });
});

describe('parseConfig rejects, naming the path of each problem', () => {
  it.each<[string, unknown, [string, RegExp][]]>([
    ['not an object', [1, 2], [['', /JSON object/]]],
    ['an empty config', {}, [['', /does nothing/]]],
    ['only ignored fields', { input_guardrails: [] }, [['', /does nothing/]]],
    ['unknown mode', { strategy: { mode: 'round-robin' }, targets: [{ provider: '@a' }] }, [['strategy.mode', /expected one of/]]],
    [
      'retry attempts above 10',
      { strategy: { mode: 'fallback' }, targets: [{ provider: '@a' }, { provider: '@b', retry: { attempts: 11 } }] },
      [['targets[1].retry.attempts', /<=10/]],
    ],
    ['negative retry attempts', { provider: '@a', retry: { attempts: -1 } }, [['retry.attempts', />=0/]]],
    ['retry without attempts', { provider: '@a', retry: { on_status_codes: [429] } }, [['retry.attempts', /required/]]],
    [
      'a status code that is not one',
      { provider: '@a', retry: { attempts: 1, on_status_codes: [429, 1000] } },
      [['retry.on_status_codes[1]', /HTTP status code/]],
    ],
    ['a provider without @', { provider: 'vertex-prod' }, [['provider', /"@" and a provider slug/]]],
    ['an unknown cache mode', { provider: '@a', cache: { mode: 'fuzzy' } }, [['cache.mode', /expected one of/]]],
    ['a negative timeout', { provider: '@a', request_timeout: -5 }, [['request_timeout', /at least 1000 ms/]]],
    ['a timeout under the 1 s minimum', { provider: '@a', request_timeout: 999 }, [['request_timeout', /at least 1000 ms/]]],
    ['an unknown field', { provider: '@a', colour: 'red' }, [['colour', /unknown field "colour"/]]],
    ['a __proto__ key', JSON.parse('{"provider":"@a","__proto__":{"x":1}}'), [['__proto__', /unknown field "__proto__"/]]],
    ['a misspelt field, with a suggestion', { provider: '@a', overide_params: {} }, [['overide_params', /did you mean "override_params"/]]],
    ['an unknown camelCase field, named as written', { provider: '@a', targets: undefined, fooBar: 1 }, [['fooBar', /unknown field "fooBar"/]]],
    ['an unknown retry field', { provider: '@a', retry: { attempts: 1, backoff: 'linear' } }, [['retry.backoff', /unknown field/]]],
    ['credentials in the config', { provider: '@a', api_key: 'sk-…' }, [['api_key', /live on a stored provider/]]],
    ['a custom host', { provider: '@a', customHost: 'https://evil.example' }, [['customHost', /live on a stored provider/]]],
    [
      'both spellings of one key',
      { provider: '@a', forward_headers: ['x-a'], forwardHeaders: ['x-b'] },
      [['forwardHeaders', /both "forwardHeaders" and "forward_headers"/]],
    ],
    ['provider and virtual_key together', { provider: '@a', virtual_key: 'b' }, [['virtual_key', /not both/]]],
    [
      'an @model for another provider than the target sets',
      { provider: '@a', override_params: { model: '@b/claude' } },
      [['override_params.model', /@b but this target sets provider @a/]],
    ],
    ['a malformed @model', { override_params: { model: '@vertex-prod' } }, [['override_params.model', /"@slug\/model"/]]],
    ['a model that is not a string', { provider: '@a', override_params: { model: 42 } }, [['override_params.model', /model name/]]],
    ['targets without a strategy', { targets: [{ provider: '@a' }] }, [['strategy', /needs a strategy/]]],
    ['fallback without targets', { strategy: { mode: 'fallback' }, provider: '@a' }, [['targets', /at least one target/]]],
    ['loadbalance with empty targets', { strategy: { mode: 'loadbalance' }, targets: [] }, [['targets', /at least one target/]]],
    ['loadbalance where every weight is 0', { strategy: { mode: 'loadbalance' }, targets: [{ provider: '@a', weight: 0 }] }, [['targets', /weight above 0/]]],
    ['a negative weight', { strategy: { mode: 'loadbalance' }, targets: [{ provider: '@a', weight: -1 }] }, [['targets[0].weight', />=0/]]],
    [
      'conditional without conditions',
      { strategy: { mode: 'conditional' }, targets: [{ name: 'x', provider: '@a' }] },
      [['strategy.conditions', /at least one condition/]],
    ],
    [
      'a condition naming no target',
      {
        strategy: { mode: 'conditional', conditions: [{ query: { 'metadata.a': 'b' }, then: 'nope' }], default: 'gone' },
        targets: [{ name: 'x', provider: '@a' }],
      },
      [
        ['strategy.conditions[0].then', /no target named "nope".*"x"/],
        ['strategy.default', /no target named "gone"/],
      ],
    ],
    [
      'conditions on a fallback',
      { strategy: { mode: 'fallback', conditions: [], default: 'x' }, targets: [{ provider: '@a' }] },
      [
        ['strategy.conditions', /only to mode "conditional"/],
        ['strategy.default', /only to mode "conditional"/],
      ],
    ],
    [
      'sticky on a fallback',
      { strategy: { mode: 'fallback', sticky: { enabled: true } }, targets: [{ provider: '@a' }] },
      [['strategy.sticky', /only to mode "loadbalance"/]],
    ],
    [
      'a sticky hash field outside metadata/headers/params',
      { strategy: { mode: 'loadbalance', sticky: { enabled: true, hash_fields: ['user'] } }, targets: [{ provider: '@a' }] },
      [['strategy.sticky.hash_fields[0]', /must start with/]],
    ],
    [
      'duplicate target names',
      {
        strategy: { mode: 'fallback' },
        targets: [
          { name: 'a', provider: '@a' },
          { name: 'a', provider: '@b' },
        ],
      },
      [['targets[1].name', /already named "a"/]],
    ],
    [
      'forwarding the gateway key',
      { provider: '@a', forward_headers: ['anthropic-beta', 'Authorization', 'x-api-key'] },
      [
        ['forward_headers[1]', /cannot be forwarded/],
        ['forward_headers[2]', /cannot be forwarded/],
      ],
    ],
    [
      'forwarding gateway headers',
      { provider: '@a', forward_headers: ['x-gatehouse-config', 'x-portkey-forward-headers'] },
      [
        ['forward_headers[0]', /cannot be forwarded/],
        ['forward_headers[1]', /cannot be forwarded/],
      ],
    ],
    ['a header name with spaces', { provider: '@a', forward_headers: ['x team'] }, [['forward_headers[0]', /header name/]]],
    [
      'forwarding headers that steer the platform behind a provider',
      {
        provider: '@a',
        forward_headers: [
          'x-goog-user-project',
          'X-HTTP-Method-Override',
          'x-amz-security-token',
          'x-amzn-bedrock-trace',
          'Host',
          'te',
          'proxy-authorization',
          'x-forwarded-for',
          'x-server-timeout',
        ],
      },
      [
        ['forward_headers[0]', /"x-goog-user-project" cannot be forwarded: x-goog-… headers steer/],
        ['forward_headers[1]', /"X-HTTP-Method-Override" cannot be forwarded/],
        ['forward_headers[2]', /"x-amz-security-token" cannot be forwarded/],
        ['forward_headers[3]', /"x-amzn-bedrock-trace" cannot be forwarded/],
        ['forward_headers[4]', /"Host" cannot be forwarded: forward_headers may name anthropic-beta and custom x- headers/],
        ['forward_headers[5]', /"te" cannot be forwarded/],
        ['forward_headers[6]', /"proxy-authorization" cannot be forwarded/],
        ['forward_headers[7]', /"x-forwarded-for" cannot be forwarded/],
        ['forward_headers[8]', /"x-server-timeout" cannot be forwarded/],
      ],
    ],
    [
      'forwarding a standard header (not on the allow-list)',
      { provider: '@a', forward_headers: ['user-agent'] },
      [['forward_headers[0]', /"user-agent" cannot be forwarded/]],
    ],
    [
      'an invalid regex in a condition',
      {
        strategy: { mode: 'conditional', conditions: [{ query: { 'metadata.user': { $regex: '([a-z' } }, then: 'x' }] },
        targets: [{ name: 'x', provider: '@a' }],
      },
      [['strategy.conditions[0].query["metadata.user"].$regex', /invalid regex/]],
    ],
    [
      'a regex with a backreference (RE2 has none) in a condition',
      {
        strategy: { mode: 'conditional', conditions: [{ query: { 'params.system': { $regex: '(a)\\1' } }, then: 'x' }] },
        targets: [{ name: 'x', provider: '@a' }],
      },
      [['strategy.conditions[0].query["params.system"].$regex', /invalid regex/]],
    ],
    [
      'an unknown operator and field in a condition',
      {
        strategy: { mode: 'conditional', conditions: [{ query: { 'metadata.a': { $like: 'x' }, 'url.pathname': '/v1' }, then: 'x' }] },
        targets: [{ name: 'x', provider: '@a' }],
      },
      [
        ['strategy.conditions[0].query["metadata.a"].$like', /unknown operator/],
        ['strategy.conditions[0].query["url.pathname"]', /start with metadata\., params\. or headers\./],
      ],
    ],
    [
      'problems at several levels at once',
      {
        strategy: { mode: 'fallback' },
        targets: [
          { provider: '@a', retry: { attempts: 99 } },
          { strategy: { mode: 'fallback' }, targets: [{ provider: 'bad' }, { cache: { mode: 'x' } }] },
        ],
      },
      [
        ['targets[0].retry.attempts', /<=10/],
        ['targets[1].targets[0].provider', /provider slug/],
        ['targets[1].targets[1].cache.mode', /expected one of/],
      ],
    ],
  ])('%s', (_name, input, want) => {
    const issues = issuesOf(input);
    for (const [path, message] of want) {
      expect(issues).toContainEqual({ path, message: expect.stringMatching(message) });
    }
    expect(issues).toHaveLength(want.length);
  });

  it.each<[string, unknown, string, RegExp]>([
    ['targets nested 6 levels deep', nested(6), 'targets[0].targets[0].targets[0].targets[0].targets[0].targets', /more than 5 levels/],
    [
      '51 targets in total',
      { strategy: { mode: 'fallback' }, targets: Array.from({ length: 51 }, () => ({ provider: '@a' })) },
      'targets',
      /51 targets.*limit is 50/,
    ],
    ['a config over 64 KiB', { provider: '@a', override_params: { system: 'x'.repeat(70_000) } }, '', /64 KiB/],
    ['header text over 64 KiB', JSON.stringify({ provider: '@a', override_params: { system: 'x'.repeat(70_000) } }), '', /64 KiB/],
    ['header text that is not JSON', '{"provider": "@a",', '', /not valid JSON/],
    ['a deeply nested hostile config', nested(1000), 'targets[0].targets[0].targets[0].targets[0].targets[0].targets', /more than 5 levels/],
  ])('limits: %s', (_name, input, path, message) => {
    expect(issuesOf(input)).toEqual([{ path, message: expect.stringMatching(message) }]);
  });
});

describe('configError', () => {
  it('lists every problem with its path', () => {
    const text = configError([
      { path: 'targets[1].retry.attempts', message: 'Too big' },
      { path: '', message: 'the config does nothing' },
    ]);
    expect(text).toBe('Invalid routing config (2 problems): targets[1].retry.attempts: Too big; (config): the config does nothing');
  });

  it('shortens a long list', () => {
    const issues = Array.from({ length: 25 }, (_, i) => ({ path: `targets[${i}]`, message: 'bad' }));
    expect(configError(issues)).toMatch(/^Invalid routing config \(25 problems\): targets\[0\]: bad;.*targets\[19\]: bad; and 5 more$/);
  });
});
