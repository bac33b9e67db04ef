import { ADMIN_ROUTES } from '../../services/gateway/src/admin/routes';
import { generateKeySecret, hashKey } from '../../services/gateway/src/auth/keys';
import { requestLogOf } from '../../services/shared/src/request-log';
import { usageEventFixture } from '../helpers/usage-event';
import { expectNoSecrets, startGateway, type TestGateway } from '../helpers/gateway';
import { adminSeed, call, ROLE_KEYS, ROLES, type Role, secretOf } from './admin-fixtures';

/**
 * docs/design.md §11: every admin route checks scope and workspace. Each route × each role → the exact
 * status. Targets live in workspace "alpha" (configs it owns, the provider only it may use); each call
 * gets fresh targets, so a write by one role never changes what the next role sees. Further rows
 * cover objects of the organisation and of workspace "beta".
 */
let gw: TestGateway;
let n = 0;

beforeAll(async () => {
  gw = await startGateway({ seed: adminSeed() });
  await gw.store.providers.put('alpha-prov', { slug: 'alpha-prov', kind: 'anthropic', credentials: { env: 'ALPHA_KEY' } });
  for (const [id, allowed] of [
    ['alpha', ['vertex-prod', '@alpha-prov']],
    ['beta', ['vertex-prod']],
  ] as const) {
    await gw.store.workspaces.put(id, { id, name: id, status: 'active', defaults: { allowed_providers: [...allowed] } });
  }
});
afterAll(() => gw.close());

const now = () => new Date().toISOString();

/** A fresh key in workspace alpha holding only `completions` (any workspace admin may manage it). */
async function alphaKey(): Promise<string> {
  const id = hashKey(generateKeySecret());
  const keyId = `key_target_${++n}`;
  await gw.store.apiKeys.put(id, {
    id,
    key_id: keyId,
    name: keyId,
    type: 'workspace',
    kind: 'user',
    workspace_id: 'alpha',
    scopes: ['completions'],
    defaults: {},
    prefix: 'gth_xxxxxx',
    status: 'active',
    created_at: now(),
  });
  return keyId;
}
async function freshWorkspace(): Promise<string> {
  const id = `ws-${++n}`;
  await gw.store.workspaces.put(id, { id, name: id, status: 'active', defaults: {} });
  return id;
}
/** A config owned by `owner` (a workspace id), or shared by the organisation (null). */
async function freshConfig(owner: string | null = 'alpha'): Promise<string> {
  const id = `cfg-${++n}`;
  await gw.store.configs.put(id, { id, version: 1, ...(owner && { workspace_id: owner }), config: { provider: '@vertex-prod' } });
  return id;
}
async function freshGuardrail(): Promise<string> {
  const id = `guard-${++n}`;
  await gw.store.guardrails.put(id, { id, version: 1, guardrail: { action: 'flag', checks: ['pii'] } });
  return id;
}
async function freshProvider(): Promise<string> {
  const slug = `prov-${++n}`;
  await gw.store.providers.put(slug, { slug, kind: 'anthropic', credentials: { env: 'ANTHROPIC_API_KEY' } });
  return slug;
}

/** A budget on workspace alpha. */
async function freshBudget(): Promise<string> {
  const id = `budget-${++n}`;
  await gw.store.budgets.put(id, {
    id,
    name: id,
    version: 1,
    workspace_id: 'alpha',
    scope: { type: 'workspace', workspace_id: 'alpha' },
    metric: 'cost',
    limit: 1_000_000,
    period: { kind: 'month', time_zone: 'UTC' },
    thresholds: [50, 80, 100],
    period_since: now(),
  });
  return id;
}
const budgetBody = {
  name: 'Alpha monthly',
  scope: { type: 'workspace', workspace_id: 'alpha' },
  metric: 'cost',
  limit: 500_000_000,
  period: { kind: 'month' },
};

/** A rate limit on workspace alpha. */
async function freshRateLimit(): Promise<string> {
  const id = `rl-${++n}`;
  await gw.store.rateLimits.put(id, {
    id,
    name: id,
    version: 1,
    workspace_id: 'alpha',
    scope: { type: 'workspace', workspace_id: 'alpha' },
    unit: 'requests',
    per: 'minute',
    limit: 60,
  });
  return id;
}
/** A request log of workspace alpha, as the worker writes it. */
async function freshLog(): Promise<string> {
  const event = usageEventFixture({ request_id: `req_gth_matrix_${++n}`, workspace_id: 'alpha', timestamp: now() });
  await gw.store.applyCounted([{ event_id: event.event_id, deltas: [], log: requestLogOf(event, 86_400_000) }]);
  return event.request_id;
}
/** An identity mapping admitting a fresh domain to workspace alpha, and a person it admitted. */
async function freshMapping(): Promise<string> {
  const id = `map-${++n}`;
  await gw.store.identityMappings.put(id, { id, match: { domain: `${id}.example` }, workspace_id: 'alpha', scopes: ['completions'], defaults: {} });
  return id;
}
async function freshIdentity(): Promise<string> {
  const id = `idn_${(++n).toString(16).padStart(24, '0')}`;
  await gw.store.identities.put(id, {
    id,
    email: `p${n}@alpha.example`,
    workspace_id: 'alpha',
    mapping_id: 'm',
    status: 'active',
    issuer: 'https://idp',
    subject: 's',
    created_at: now(),
    updated_at: now(),
  });
  return id;
}
const rateLimitBody = { name: 'Alpha per minute', scope: { type: 'workspace', workspace_id: 'alpha' }, unit: 'requests', per: 'minute', limit: 600 };

interface Case {
  prepare(): Promise<{ path: string; body?: unknown }>;
  /** Expected status for org, wsAlpha, wsBeta, inference, revoked, expired, none. */
  want: [number, number, number, number, number, number, number];
}

const V = '/admin/v1';
// Unauthenticated roles always get 401; written out so each row reads on its own.
const CASES: Record<string, Case> = {
  'post /admin/v1/workspaces': {
    prepare: async () => ({ path: `${V}/workspaces`, body: { id: `new-ws-${++n}`, name: 'New' } }),
    want: [201, 403, 403, 403, 401, 401, 401],
  },
  'get /admin/v1/workspaces': { prepare: async () => ({ path: `${V}/workspaces` }), want: [200, 200, 200, 403, 401, 401, 401] },
  'get /admin/v1/workspaces/:workspace_id': { prepare: async () => ({ path: `${V}/workspaces/alpha` }), want: [200, 200, 403, 403, 401, 401, 401] },
  'patch /admin/v1/workspaces/:workspace_id': {
    prepare: async () => ({ path: `${V}/workspaces/alpha`, body: { name: 'Alpha', defaults: { metadata: { team: 'alpha' } } } }),
    want: [200, 200, 403, 403, 401, 401, 401],
  },
  'post /admin/v1/workspaces/:workspace_id/archive': {
    prepare: async () => ({ path: `${V}/workspaces/${await freshWorkspace()}/archive` }),
    want: [200, 403, 403, 403, 401, 401, 401],
  },
  // What a key is, to itself: any valid key, whatever its scopes (the dashboard reads it at sign-in).
  'get /admin/v1/me': { prepare: async () => ({ path: `${V}/me` }), want: [200, 200, 200, 200, 401, 401, 401] },
  'post /admin/v1/keys': {
    prepare: async () => ({ path: `${V}/keys`, body: { name: `k${++n}`, type: 'workspace', workspace_id: 'alpha', scopes: ['completions'] } }),
    want: [201, 201, 403, 403, 401, 401, 401],
  },
  'get /admin/v1/keys': { prepare: async () => ({ path: `${V}/keys?workspace_id=alpha` }), want: [200, 200, 403, 403, 401, 401, 401] },
  'get /admin/v1/keys/:key_id': { prepare: async () => ({ path: `${V}/keys/${await alphaKey()}` }), want: [200, 200, 403, 403, 401, 401, 401] },
  'patch /admin/v1/keys/:key_id': {
    prepare: async () => ({ path: `${V}/keys/${await alphaKey()}`, body: { name: 'renamed' } }),
    want: [200, 200, 403, 403, 401, 401, 401],
  },
  'post /admin/v1/keys/:key_id/rotate': {
    prepare: async () => ({ path: `${V}/keys/${await alphaKey()}/rotate`, body: { grace_seconds: 0 } }),
    want: [200, 200, 403, 403, 401, 401, 401],
  },
  'post /admin/v1/keys/:key_id/revoke': {
    prepare: async () => ({ path: `${V}/keys/${await alphaKey()}/revoke` }),
    want: [200, 200, 403, 403, 401, 401, 401],
  },
  'post /admin/v1/configs': {
    prepare: async () => ({ path: `${V}/configs`, body: { id: `new-cfg-${++n}`, workspace_id: 'alpha', config: { provider: '@vertex-prod' } } }),
    want: [201, 201, 403, 403, 401, 401, 401],
  },
  'get /admin/v1/configs': { prepare: async () => ({ path: `${V}/configs` }), want: [200, 200, 200, 403, 401, 401, 401] },
  'get /admin/v1/configs/:config_id': { prepare: async () => ({ path: `${V}/configs/${await freshConfig()}` }), want: [200, 200, 403, 403, 401, 401, 401] },
  'put /admin/v1/configs/:config_id': {
    prepare: async () => ({ path: `${V}/configs/${await freshConfig()}`, body: { config: { provider: '@vertex-prod', retry: { attempts: 2 } } } }),
    want: [200, 200, 403, 403, 401, 401, 401],
  },
  'delete /admin/v1/configs/:config_id': { prepare: async () => ({ path: `${V}/configs/${await freshConfig()}` }), want: [204, 204, 403, 403, 401, 401, 401] },
  'post /admin/v1/guardrails': {
    prepare: async () => ({ path: `${V}/guardrails`, body: { id: `new-guard-${++n}`, guardrail: { action: 'redact', checks: ['secrets'] } } }),
    want: [201, 403, 403, 403, 401, 401, 401],
  },
  'get /admin/v1/guardrails': { prepare: async () => ({ path: `${V}/guardrails` }), want: [200, 403, 403, 403, 401, 401, 401] },
  'get /admin/v1/guardrails/:guardrail_id': {
    prepare: async () => ({ path: `${V}/guardrails/${await freshGuardrail()}` }),
    want: [200, 403, 403, 403, 401, 401, 401],
  },
  'put /admin/v1/guardrails/:guardrail_id': {
    prepare: async () => ({ path: `${V}/guardrails/${await freshGuardrail()}`, body: { guardrail: { action: 'deny', checks: ['secrets'] } } }),
    want: [200, 403, 403, 403, 401, 401, 401],
  },
  'delete /admin/v1/guardrails/:guardrail_id': {
    prepare: async () => ({ path: `${V}/guardrails/${await freshGuardrail()}` }),
    want: [204, 403, 403, 403, 401, 401, 401],
  },
  'post /admin/v1/providers': {
    prepare: async () => ({ path: `${V}/providers`, body: { slug: `new-prov-${++n}`, kind: 'anthropic', credentials: { env: 'ANTHROPIC_API_KEY' } } }),
    want: [201, 403, 403, 403, 401, 401, 401],
  },
  'get /admin/v1/providers': { prepare: async () => ({ path: `${V}/providers` }), want: [200, 200, 200, 403, 401, 401, 401] },
  'get /admin/v1/providers/:slug': { prepare: async () => ({ path: `${V}/providers/alpha-prov` }), want: [200, 200, 403, 403, 401, 401, 401] },
  'put /admin/v1/providers/:slug': {
    prepare: async () => ({ path: `${V}/providers/${await freshProvider()}`, body: { kind: 'anthropic', credentials: { env: 'OTHER_KEY' } } }),
    want: [200, 403, 403, 403, 401, 401, 401],
  },
  'put /admin/v1/providers/:slug/pricing': {
    prepare: async () => ({ path: `${V}/providers/${await freshProvider()}/pricing`, body: { discount_percent: 10 } }),
    want: [200, 403, 403, 403, 401, 401, 401],
  },
  'delete /admin/v1/providers/:slug': { prepare: async () => ({ path: `${V}/providers/${await freshProvider()}` }), want: [204, 403, 403, 403, 401, 401, 401] },
  'get /admin/v1/audit': { prepare: async () => ({ path: `${V}/audit?workspace_id=alpha` }), want: [200, 200, 403, 403, 401, 401, 401] },
  'get /admin/v1/usage': { prepare: async () => ({ path: `${V}/usage?workspace_id=alpha` }), want: [200, 200, 403, 403, 401, 401, 401] },
  'get /admin/v1/usage/breakdown': {
    prepare: async () => ({ path: `${V}/usage/breakdown?by=model&from=2026-01-01&to=2026-01-31` }),
    want: [200, 403, 403, 403, 401, 401, 401],
  },
  'get /admin/v1/logs': { prepare: async () => ({ path: `${V}/logs?workspace_id=alpha` }), want: [200, 200, 403, 403, 401, 401, 401] },
  'get /admin/v1/logs/:request_id': { prepare: async () => ({ path: `${V}/logs/${await freshLog()}` }), want: [200, 200, 403, 403, 401, 401, 401] },
  'get /admin/v1/analytics/timeseries': {
    prepare: async () => ({ path: `${V}/analytics/timeseries?workspace_id=alpha&from=2026-01-01&to=2026-01-02` }),
    want: [200, 200, 403, 403, 401, 401, 401],
  },
  'get /admin/v1/analytics/groups': {
    prepare: async () => ({ path: `${V}/analytics/groups?workspace_id=alpha&group_by=model&from=2026-01-01&to=2026-01-02` }),
    want: [200, 200, 403, 403, 401, 401, 401],
  },
  'post /admin/v1/budgets': {
    prepare: async () => ({ path: `${V}/budgets`, body: { id: `new-budget-${++n}`, ...budgetBody } }),
    want: [201, 201, 403, 403, 401, 401, 401],
  },
  'get /admin/v1/budgets': { prepare: async () => ({ path: `${V}/budgets` }), want: [200, 200, 200, 403, 401, 401, 401] },
  'get /admin/v1/budget-alerts': { prepare: async () => ({ path: `${V}/budget-alerts?workspace_id=alpha` }), want: [200, 200, 403, 403, 401, 401, 401] },
  'get /admin/v1/budgets/:budget_id': { prepare: async () => ({ path: `${V}/budgets/${await freshBudget()}` }), want: [200, 200, 403, 403, 401, 401, 401] },
  'put /admin/v1/budgets/:budget_id': {
    prepare: async () => ({ path: `${V}/budgets/${await freshBudget()}`, body: { ...budgetBody, limit: 2_000_000 } }),
    want: [200, 200, 403, 403, 401, 401, 401],
  },
  'delete /admin/v1/budgets/:budget_id': { prepare: async () => ({ path: `${V}/budgets/${await freshBudget()}` }), want: [204, 204, 403, 403, 401, 401, 401] },
  'post /admin/v1/rate-limits': {
    prepare: async () => ({ path: `${V}/rate-limits`, body: { id: `new-rl-${++n}`, ...rateLimitBody } }),
    want: [201, 201, 403, 403, 401, 401, 401],
  },
  'get /admin/v1/rate-limits': { prepare: async () => ({ path: `${V}/rate-limits` }), want: [200, 200, 200, 403, 401, 401, 401] },
  'get /admin/v1/rate-limits/:rate_limit_id': {
    prepare: async () => ({ path: `${V}/rate-limits/${await freshRateLimit()}` }),
    want: [200, 200, 403, 403, 401, 401, 401],
  },
  'put /admin/v1/rate-limits/:rate_limit_id': {
    prepare: async () => ({ path: `${V}/rate-limits/${await freshRateLimit()}`, body: { ...rateLimitBody, limit: 30 } }),
    want: [200, 200, 403, 403, 401, 401, 401],
  },
  'delete /admin/v1/rate-limits/:rate_limit_id': {
    prepare: async () => ({ path: `${V}/rate-limits/${await freshRateLimit()}` }),
    want: [204, 204, 403, 403, 401, 401, 401],
  },
  'get /admin/v1/identity-mappings': { prepare: async () => ({ path: `${V}/identity-mappings` }), want: [200, 200, 200, 403, 401, 401, 401] },
  'put /admin/v1/identity-mappings/:mapping_id': {
    prepare: async () => ({ path: `${V}/identity-mappings/new-map-${++n}`, body: { match: { domain: `d${n}.example` }, workspace_id: 'alpha' } }),
    want: [201, 403, 403, 403, 401, 401, 401],
  },
  'get /admin/v1/identity-mappings/:mapping_id': {
    prepare: async () => ({ path: `${V}/identity-mappings/${await freshMapping()}` }),
    want: [200, 200, 403, 403, 401, 401, 401],
  },
  'delete /admin/v1/identity-mappings/:mapping_id': {
    prepare: async () => ({ path: `${V}/identity-mappings/${await freshMapping()}` }),
    want: [204, 403, 403, 403, 401, 401, 401],
  },
  'get /admin/v1/identities': { prepare: async () => ({ path: `${V}/identities` }), want: [200, 200, 200, 403, 401, 401, 401] },
  'get /admin/v1/identities/:identity_id': {
    prepare: async () => ({ path: `${V}/identities/${await freshIdentity()}` }),
    want: [200, 200, 403, 403, 401, 401, 401],
  },
  'post /admin/v1/identities/:identity_id/revoke': {
    prepare: async () => ({ path: `${V}/identities/${await freshIdentity()}/revoke` }),
    want: [200, 200, 403, 403, 401, 401, 401],
  },
};

const routeKey = (r: { method: string; path: string }) => `${r.method} ${r.path}`;

it('has a row for every admin route, and no row for a route that does not exist', () => {
  expect(Object.keys(CASES).sort()).toEqual(ADMIN_ROUTES.map(routeKey).sort());
});

const rows = ADMIN_ROUTES.flatMap((r) => ROLES.map((role, i) => [`${r.method.toUpperCase()} ${r.path}`, role, i, r] as const));

it.each(rows)('%s as %s', async (_name, role: Role, i, route) => {
  const c = CASES[routeKey(route)];
  const { path, body } = await c.prepare();
  const res = await call(gw, secretOf(role), route.method.toUpperCase(), path, body);
  const want = c.want[i];
  expect({ status: res.status, error: res.body?.error }).toMatchObject({ status: want });
  if (want === 401) expect(res.body.error.type).toBe('authentication_error');
  if (want === 403) {
    expect(res.body.error.type).toBe('permission_error');
    // The message names what is missing: the scope, the workspace, or the organisation-level rule.
    if (role === 'inference') expect(res.body.error.message).toContain(`"${route.scope}" scope`);
    else expect(res.body.error.message).toMatch(/cannot act on workspace "alpha"|organisation-level|allowed_providers of workspace "beta"/);
  }
  expect(res.body?.request_id ?? res.status).toBeTruthy();
});

/** Objects the rows above do not reach: the organisation's shared ones, and workspace beta's. */
const OTHER_OWNERS: [route: string, target: string, Case & { forbidden: RegExp }][] = [
  [
    'get /admin/v1/configs/:config_id',
    'a shared config',
    {
      prepare: async () => ({ path: `${V}/configs/${await freshConfig(null)}` }),
      want: [200, 200, 200, 403, 401, 401, 401],
      forbidden: /never/,
    },
  ],
  [
    'put /admin/v1/configs/:config_id',
    'a shared config',
    {
      prepare: async () => ({ path: `${V}/configs/${await freshConfig(null)}`, body: { config: { provider: '@vertex-prod' } } }),
      want: [200, 403, 403, 403, 401, 401, 401],
      forbidden: /organisation-level/,
    },
  ],
  [
    'delete /admin/v1/configs/:config_id',
    'a shared config',
    {
      prepare: async () => ({ path: `${V}/configs/${await freshConfig(null)}` }),
      want: [204, 403, 403, 403, 401, 401, 401],
      forbidden: /organisation-level/,
    },
  ],
  [
    'get /admin/v1/configs/:config_id',
    "beta's config",
    {
      prepare: async () => ({ path: `${V}/configs/${await freshConfig('beta')}` }),
      want: [200, 403, 200, 403, 401, 401, 401],
      forbidden: /cannot act on workspace "beta"/,
    },
  ],
  [
    'put /admin/v1/configs/:config_id',
    "beta's config",
    {
      prepare: async () => ({ path: `${V}/configs/${await freshConfig('beta')}`, body: { config: { provider: '@vertex-prod' } } }),
      want: [200, 403, 200, 403, 401, 401, 401],
      forbidden: /cannot act on workspace "beta"/,
    },
  ],
  [
    'put /admin/v1/configs/:config_id',
    "alpha's config handed to beta",
    {
      prepare: async () => ({ path: `${V}/configs/${await freshConfig('alpha')}`, body: { workspace_id: 'beta', config: { provider: '@vertex-prod' } } }),
      want: [200, 403, 403, 403, 401, 401, 401],
      forbidden: /cannot act on workspace "(alpha|beta)"/,
    },
  ],
  [
    'post /admin/v1/configs',
    'a config for beta',
    {
      prepare: async () => ({ path: `${V}/configs`, body: { id: `new-cfg-${++n}`, workspace_id: 'beta', config: { provider: '@vertex-prod' } } }),
      want: [201, 403, 201, 403, 401, 401, 401],
      forbidden: /cannot act on workspace "beta"/,
    },
  ],
  [
    'post /admin/v1/configs',
    'a shared config',
    {
      prepare: async () => ({ path: `${V}/configs`, body: { id: `new-cfg-${++n}`, config: { provider: '@vertex-prod' } } }),
      // A workspace key's config is its own workspace's: alpha's and beta's admins both create one.
      want: [201, 201, 201, 403, 401, 401, 401],
      forbidden: /never/,
    },
  ],
  [
    'patch /admin/v1/keys/:key_id',
    "an alpha key defaulting to beta's config",
    {
      prepare: async () => ({ path: `${V}/keys/${await alphaKey()}`, body: { defaults: { config_id: await freshConfig('beta') } } }),
      want: [403, 403, 403, 403, 401, 401, 401],
      forbidden: /config "cfg-\d+" belongs to workspace "beta"; workspace "alpha" may use only|cannot act on workspace "alpha"/,
    },
  ],
  [
    'patch /admin/v1/workspaces/:workspace_id',
    "alpha defaulting to beta's config",
    {
      prepare: async () => ({ path: `${V}/workspaces/alpha`, body: { defaults: { config_id: await freshConfig('beta') } } }),
      want: [403, 403, 403, 403, 401, 401, 401],
      forbidden: /belongs to workspace "beta"|cannot act on workspace "alpha"/,
    },
  ],
  [
    'get /admin/v1/providers/:slug',
    'a provider both workspaces may use',
    {
      prepare: async () => ({ path: `${V}/providers/vertex-prod` }),
      want: [200, 200, 200, 403, 401, 401, 401],
      forbidden: /never/,
    },
  ],
];

const otherRows = OTHER_OWNERS.flatMap(([r, target, c]) => ROLES.map((role, i) => [`${r.toUpperCase()} (${target})`, role, i, r, c] as const));

it.each(otherRows)('%s as %s', async (_name, role: Role, i, r, c) => {
  const route = ADMIN_ROUTES.find((x) => routeKey(x) === r)!;
  const { path, body } = await c.prepare();
  const res = await call(gw, secretOf(role), route.method.toUpperCase(), path, body);
  expect({ status: res.status, error: res.body?.error }).toMatchObject({ status: c.want[i] });
  if (c.want[i] === 403) expect(res.body.error.message).toMatch(role === 'inference' ? `"${route.scope}" scope` : c.forbidden);
});

it('lists to a workspace key only its own configs, the shared ones, and the providers it may use', async () => {
  const [own, shared, beta] = [await freshConfig('alpha'), await freshConfig(null), await freshConfig('beta')];
  const configs = (await call(gw, ROLE_KEYS.wsAlpha, 'GET', `${V}/configs`)).body.data.map((c: { id: string }) => c.id);
  expect(configs).toEqual(expect.arrayContaining([own, shared]));
  expect(configs).not.toContain(beta);
  const providers = (await call(gw, ROLE_KEYS.wsBeta, 'GET', `${V}/providers`)).body.data.map((p: { slug: string }) => p.slug);
  expect(providers).toEqual(['vertex-prod']);
});

it('keeps every role key and every secret it created out of the logs', () => {
  expectNoSecrets(Object.values(ROLE_KEYS));
});
