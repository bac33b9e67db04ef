import {
  requireGrantable,
  requireOrganisation,
  requireScope,
  requireWithinOwnLimits,
  requireWorkspace,
  visibleWorkspace,
} from '../../services/gateway/src/admin/authorize';
import { ADMIN_ROUTES } from '../../services/gateway/src/admin/routes';
import { ALL_SCOPES, SCOPE_NAMES, SCOPES, ScopeSchema, WORKSPACE_ADMIN_SCOPES } from '../../services/gateway/src/admin/scopes';
import type { ApiKey } from '../../services/shared/src/entities';
import type { GatewayError } from '../../services/shared/src/errors';

const key = (over: Partial<ApiKey>): ApiKey => ({
  id: '0'.repeat(64),
  key_id: 'k',
  name: 'k',
  type: 'workspace',
  kind: 'user',
  workspace_id: 'alpha',
  scopes: [],
  defaults: {},
  prefix: '',
  status: 'active',
  ...over,
});
const org = key({ name: 'org', type: 'organisation', workspace_id: undefined, scopes: [...ALL_SCOPES] });
const alpha = key({ name: 'alpha-admin', scopes: [...WORKSPACE_ADMIN_SCOPES] });

const outcome = (f: () => unknown): string => {
  try {
    const v = f();
    return v === undefined ? 'ok' : `ok ${String(v)}`;
  } catch (err) {
    return `${(err as GatewayError).status} ${(err as GatewayError).message}`;
  }
};

describe('scopes', () => {
  it('are the documented list, and every admin route names one of them', () => {
    expect(SCOPE_NAMES).toEqual([
      'completions',
      'keys.read',
      'keys.write',
      'workspaces.read',
      'workspaces.write',
      'configs.read',
      'configs.write',
      'providers.read',
      'providers.write',
      'guardrails.read',
      'guardrails.write',
      'budgets.read',
      'budgets.write',
      'logs.view',
      'analytics.view',
      'audit.read',
    ]);
    // Every route but the caller's own view names a scope.
    expect(ADMIN_ROUTES.filter((r) => !r.scope).map((r) => `${r.method} ${r.path}`)).toEqual(['get /admin/v1/me']);
    for (const r of ADMIN_ROUTES.filter((r) => r.scope)) expect(Object.keys(SCOPES)).toContain(r.scope);
    expect(ScopeSchema.safeParse('keys.admin').error?.issues[0].message).toMatch(/unknown scope "keys.admin"; scopes are completions, keys.read/);
  });

  it('make provider writes organisation-level routes; configs and provider reads check the workspace in their handlers', () => {
    const orgOnly = ADMIN_ROUTES.filter((r) => /configs|providers/.test(r.scope ?? '') && r.organisationOnly).map((r) => `${r.method} ${r.path}`);
    expect(orgOnly).toEqual([
      'post /admin/v1/providers',
      'put /admin/v1/providers/:slug',
      'put /admin/v1/providers/:slug/pricing',
      'delete /admin/v1/providers/:slug',
    ]);
  });
});

it.each([
  [
    'a key without the scope',
    () => requireScope(key({ scopes: ['completions'] }), 'keys.read', 'GET /admin/v1/keys'),
    /^403 API key "k" lacks the "keys.read" scope needed for GET \/admin\/v1\/keys/,
  ],
  ['a key with the scope', () => requireScope(alpha, 'keys.read', 'x'), /^ok$/],
  ['an organisation key on an organisation route', () => requireOrganisation(org, 'x'), /^ok$/],
  [
    'a workspace key on an organisation route',
    () => requireOrganisation(alpha, 'POST /admin/v1/configs'),
    /^403 POST \/admin\/v1\/configs is organisation-level: use an organisation key. API key "alpha-admin" is a workspace key of workspace "alpha"/,
  ],
  ['an organisation key in any workspace', () => requireWorkspace(org, 'beta', 'x'), /^ok$/],
  ['a workspace key in its own workspace', () => requireWorkspace(alpha, 'alpha', 'x'), /^ok$/],
  [
    'a workspace key in another workspace',
    () => requireWorkspace(alpha, 'beta', 'GET x'),
    /^403 API key "alpha-admin" belongs to workspace "alpha" and cannot act on workspace "beta" \(GET x\)/,
  ],
  ['a workspace key on an organisation-level object', () => requireWorkspace(alpha, undefined, 'GET org key'), /^403 GET org key is organisation-level/],
  ['an organisation list without a filter', () => visibleWorkspace(org, undefined, 'x'), /^ok$/],
  ['an organisation list filtered', () => visibleWorkspace(org, 'beta', 'x'), /^ok beta$/],
  ['a workspace list without a filter', () => visibleWorkspace(alpha, undefined, 'x'), /^ok alpha$/],
  ['a workspace list filtered to another workspace', () => visibleWorkspace(alpha, 'beta', 'x'), /^403 .*cannot act on workspace "beta"/],
  ['granting held scopes', () => requireGrantable(alpha, ['completions', 'keys.read'], 'create a key'), /^ok$/],
  [
    'granting scopes not held',
    () => requireGrantable(alpha, ['completions', 'configs.write', 'providers.write'], 'create a key'),
    /^403 API key "alpha-admin" cannot create a key with scopes "configs.write", "providers.write" it does not hold itself/,
  ],
] as Array<[string, () => unknown, RegExp]>)('authorisation: %s', (_name, f, want) => {
  expect(outcome(f)).toMatch(want);
});

it('lets a key without completions issue inference keys (admin scopes still need holding)', () => {
  const keyAdmin = key({ name: 'key-admin', scopes: ['keys.read', 'keys.write'] });
  expect(outcome(() => requireGrantable(keyAdmin, ['completions'], 'create a key'))).toBe('ok');
  expect(outcome(() => requireGrantable(keyAdmin, ['completions', 'audit.read'], 'create a key'))).toMatch(/^403 .*"audit.read"/);
});

describe('no key loosens a key past its own model access and expiry', () => {
  const bounded = key({ name: 'bounded', allowed_models: ['claude-sonnet-*', 'claude-haiku-4-5'], expires_at: '2030-01-01T00:00:00.000Z' });
  const T = '2030-01-01T00:00:00.000Z';
  it.each<[string, { allowed_models?: string[]; expires_at?: string }, string]>([
    ['the same patterns', { allowed_models: ['claude-sonnet-*', 'claude-haiku-4-5'], expires_at: T }, 'ok'],
    ['a narrower pattern', { allowed_models: ['claude-sonnet-4-*'], expires_at: T }, 'ok'],
    ['a name a pattern covers', { allowed_models: ['claude-sonnet-4-5'], expires_at: '2029-01-01T00:00:00Z' }, 'ok'],
    ['no allowed_models (every model)', { expires_at: T }, 'every model'],
    ['a wider pattern', { allowed_models: ['claude-*'], expires_at: T }, '"claude-*"'],
    ['a pattern that only overlaps', { allowed_models: ['*-4-5'], expires_at: T }, '"*-4-5"'],
    ['a star where the actor has a name', { allowed_models: ['claude-haiku-*'], expires_at: T }, '"claude-haiku-*"'],
    ['no expiry', { allowed_models: ['claude-sonnet-4-5'] }, 'never'],
    ['a later expiry', { allowed_models: ['claude-sonnet-4-5'], expires_at: '2030-01-01T00:00:01Z' }, 'at 2030-01-01T00:00:01Z'],
  ])('%s', (_name, target, want) => {
    const got = outcome(() => requireWithinOwnLimits(bounded, target, 'create a key'));
    if (want === 'ok') expect(got).toBe('ok');
    else expect(got).toMatch(new RegExp(`^403 API key "bounded" cannot create a key that (reaches|expires).*${want.replace(/[*]/g, '\\*')}`));
  });
  it('lets an unbounded key set any limits', () => {
    expect(outcome(() => requireWithinOwnLimits(org, {}, 'create a key'))).toBe('ok');
  });
});
