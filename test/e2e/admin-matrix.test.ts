import { ADMIN_ROUTES } from '../../services/gateway/src/admin/routes';
import { generateKeySecret, hashKey } from '../../services/gateway/src/auth/keys';
import { expectNoSecrets, startGateway, type TestGateway } from '../helpers/gateway';
import { adminSeed, call, ROLE_KEYS, ROLES, type Role, secretOf } from './admin-fixtures';

/**
 * DESIGN §11: every admin route checks scope and workspace. Each route × each role → the exact
 * status. Targets live in workspace "alpha"; each call gets fresh targets, so a write by one role
 * never changes what the next role sees.
 */
let gw: TestGateway;
let n = 0;

beforeAll(async () => {
  gw = await startGateway({ seed: adminSeed() });
});
afterAll(() => gw.close());

const now = () => new Date().toISOString();

/** A fresh key in workspace alpha holding only `completions` (any workspace admin may manage it). */
async function alphaKey(): Promise<string> {
  const id = hashKey(generateKeySecret());
  const keyId = `key_target_${++n}`;
  await gw.store.apiKeys.put(id, { id, key_id: keyId, name: keyId, type: 'workspace', kind: 'user', workspace_id: 'alpha', scopes: ['completions'], defaults: {}, prefix: 'gth_xxxxxx', status: 'active', created_at: now() });
  return keyId;
}
async function freshWorkspace(): Promise<string> {
  const id = `ws-${++n}`;
  await gw.store.workspaces.put(id, { id, name: id, status: 'active', defaults: {} });
  return id;
}
async function freshConfig(): Promise<string> {
  const id = `cfg-${++n}`;
  await gw.store.configs.put(id, { id, version: 1, config: { provider: '@vertex-prod' } });
  return id;
}
async function freshProvider(): Promise<string> {
  const slug = `prov-${++n}`;
  await gw.store.providers.put(slug, { slug, kind: 'anthropic', credentials: { env: 'ANTHROPIC_API_KEY' } });
  return slug;
}

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
    prepare: async () => ({ path: `${V}/configs`, body: { id: `new-cfg-${++n}`, config: { provider: '@vertex-prod' } } }),
    want: [201, 403, 403, 403, 401, 401, 401],
  },
  'get /admin/v1/configs': { prepare: async () => ({ path: `${V}/configs` }), want: [200, 403, 403, 403, 401, 401, 401] },
  'get /admin/v1/configs/:config_id': { prepare: async () => ({ path: `${V}/configs/default` }), want: [200, 403, 403, 403, 401, 401, 401] },
  'put /admin/v1/configs/:config_id': {
    prepare: async () => ({ path: `${V}/configs/${await freshConfig()}`, body: { config: { provider: '@vertex-prod', retry: { attempts: 2 } } } }),
    want: [200, 403, 403, 403, 401, 401, 401],
  },
  'delete /admin/v1/configs/:config_id': { prepare: async () => ({ path: `${V}/configs/${await freshConfig()}` }), want: [204, 403, 403, 403, 401, 401, 401] },
  'post /admin/v1/providers': {
    prepare: async () => ({ path: `${V}/providers`, body: { slug: `new-prov-${++n}`, kind: 'anthropic', credentials: { env: 'ANTHROPIC_API_KEY' } } }),
    want: [201, 403, 403, 403, 401, 401, 401],
  },
  'get /admin/v1/providers': { prepare: async () => ({ path: `${V}/providers` }), want: [200, 403, 403, 403, 401, 401, 401] },
  'get /admin/v1/providers/:slug': { prepare: async () => ({ path: `${V}/providers/vertex-prod` }), want: [200, 403, 403, 403, 401, 401, 401] },
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
    else expect(res.body.error.message).toMatch(/cannot act on workspace "alpha"|organisation-level/);
  }
  expect(res.body?.request_id ?? res.status).toBeTruthy();
});

it('keeps every role key and every secret it created out of the logs', () => {
  expectNoSecrets(Object.values(ROLE_KEYS));
});
