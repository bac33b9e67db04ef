import { hashKey } from '../../services/gateway/src/auth/keys';
import { ADMIN_ROUTES } from '../../services/gateway/src/admin/routes';
import type { UsageEvent } from '../../services/shared/src/usage-event';
import { createMemoryStore } from '../../services/shared/src/store/memory';
import { eventually } from '../helpers/emulators';
import { expectNoSecrets, startGateway, type TestGateway } from '../helpers/gateway';
import { adminSeed, call, ROLE_KEYS } from './admin-fixtures';
import { usageEventFixture } from '../helpers/usage-event';

/** The admin API's behaviour: keys shown once, rotation grace, validation, audit, usage, bootstrap. */
let gw: TestGateway;
const secrets = new Set<string>(Object.values(ROLE_KEYS));
const org = (method: string, path: string, body?: unknown) => call(gw, ROLE_KEYS.org, method, `/admin/v1${path}`, body);
const alpha = (method: string, path: string, body?: unknown) => call(gw, ROLE_KEYS.wsAlpha, method, `/admin/v1${path}`, body);
/** Any authenticated, scope-free call: does this secret work right now? */
const models = (secret: string) => call(gw, secret, 'GET', '/v1/models');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  gw = await startGateway({ seed: adminSeed() });
});
afterAll(() => gw.close());

async function createKey(body: Record<string, unknown>, as = org) {
  const res = await as('POST', '/keys', { name: 'k', workspace_id: 'alpha', scopes: ['completions'], ...body });
  if (res.body?.secret) secrets.add(res.body.secret);
  return res;
}

it('tells any valid key what it is itself: GET /admin/v1/me (the dashboard signs in with it)', async () => {
  const me = await alpha('GET', '/me');
  expect(me.status).toBe(200);
  expect(me.body).toMatchObject({ key_id: 'key_alpha_admin', type: 'workspace', workspace_id: 'alpha', status: 'active' });
  expect(me.body.scopes).toContain('keys.write');
  expect(me.text).not.toContain(hashKey(ROLE_KEYS.wsAlpha));
  expect(me.body.secret).toBeUndefined();
  expect((await call(gw, ROLE_KEYS.inference, 'GET', '/admin/v1/me')).body.scopes).toEqual(['completions']);
});

describe('API keys', () => {
  it('shows the secret once, in the create response only; list and get show the prefix, never the secret or hash', async () => {
    const created = await createKey({
      name: 'dev-laptop',
      kind: 'user',
      defaults: { config_id: 'default', metadata: { team: 'alpha' } },
      allowed_models: ['claude-haiku-*'],
    });
    expect(created.status).toBe(201);
    const { secret, key_id } = created.body;
    expect(secret).toMatch(/^gth_[0-9A-Za-z]{49}$/);
    expect(created.body).toMatchObject({
      key_id: expect.stringMatching(/^key_[0-9a-f]{16}$/),
      name: 'dev-laptop',
      type: 'workspace',
      owner: 'alpha',
      prefix: secret.slice(0, 10),
      status: 'active',
      created_by: 'key_org_admin',
      allowed_models: ['claude-haiku-*'],
    });
    expect((await models(secret)).status).toBe(200);

    for (const res of [await org('GET', `/keys/${key_id}`), await org('GET', '/keys?workspace_id=alpha'), await org('GET', '/keys')]) {
      expect(res.status).toBe(200);
      expect(res.text).not.toContain(secret);
      expect(res.text).not.toContain(hashKey(secret));
      expect(res.text).not.toContain('"secret"');
    }
    const listed = (await org('GET', '/keys?workspace_id=alpha')).body.data;
    expect(listed.map((k: { key_id: string }) => k.key_id)).toContain(key_id);
    expect(listed.every((k: { owner: string }) => k.owner === 'alpha')).toBe(true);
  });

  it('keeps the old secret working for grace_seconds after a rotation, then refuses it; the new one works', async () => {
    const { secret: old, key_id } = (await createKey({ name: 'rotating' })).body;
    const rotated = await org('POST', `/keys/${key_id}/rotate`, { grace_seconds: 1 });
    expect(rotated.status).toBe(200);
    const fresh = rotated.body.secret;
    secrets.add(fresh);
    expect(fresh).not.toBe(old);
    expect(rotated.body).toMatchObject({ key_id, status: 'active', previous_secret_expires_at: expect.any(String) });
    expect((await models(old)).status).toBe(200);
    expect((await models(fresh)).status).toBe(200);
    expect((await org('GET', `/keys/${key_id}`)).body.previous_secret_expires_at).toBe(rotated.body.previous_secret_expires_at);
    await sleep(1100);
    const refused = await models(old);
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toMatch(/expired/);
    expect((await models(fresh)).status).toBe(200);
    // One key, one row: the replaced secret is not a second key.
    const rows = (await org('GET', '/keys?workspace_id=alpha')).body.data.filter((k: { key_id: string }) => k.key_id === key_id);
    expect(rows).toHaveLength(1);
  });

  it('applies updates to a secret still in its grace period, so an old secret never holds more than the key', async () => {
    const { secret: old, key_id } = (await createKey({ name: 'narrowed', scopes: ['completions', 'keys.read'] })).body;
    const { secret: fresh } = (await org('POST', `/keys/${key_id}/rotate`, { grace_seconds: 600 })).body;
    secrets.add(fresh);
    expect((await call(gw, old, 'GET', '/admin/v1/keys')).status).toBe(200);
    const updated = await org('PATCH', `/keys/${key_id}`, { scopes: ['completions'], name: 'narrowed-2' });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ scopes: ['completions'], name: 'narrowed-2' });
    for (const s of [old, fresh]) {
      const res = await call(gw, s, 'GET', '/admin/v1/keys');
      expect(res.status).toBe(403);
      expect(res.body.error.message).toContain('"keys.read" scope');
    }
  });

  it('revokes every secret of a key, including one in its grace period; revocation is final', async () => {
    const { secret: old, key_id } = (await createKey({ name: 'revoked-later' })).body;
    const { secret: fresh } = (await org('POST', `/keys/${key_id}/rotate`, { grace_seconds: 600 })).body;
    secrets.add(fresh);
    const revoked = await org('POST', `/keys/${key_id}/revoke`);
    expect(revoked.body).toMatchObject({ key_id, status: 'revoked' });
    for (const s of [old, fresh]) {
      const res = await models(s);
      expect(res.status).toBe(401);
      expect(res.body.error.message).toMatch(/revoked/);
    }
    expect((await org('POST', `/keys/${key_id}/rotate`, {})).status).toBe(409);
    expect((await org('PATCH', `/keys/${key_id}`, { name: 'back' })).status).toBe(409);
  });

  it('refuses a key after expires_at, and an expiry in the past up front', async () => {
    const soon = new Date(Date.now() + 800).toISOString();
    const { secret, key_id } = (await createKey({ name: 'short-lived', expires_at: soon })).body;
    expect((await models(secret)).status).toBe(200);
    await sleep(900);
    expect((await models(secret)).status).toBe(401);
    expect((await org('GET', `/keys/${key_id}`)).body.status).toBe('expired');
    const past = await createKey({ name: 'already-dead', expires_at: '2020-01-01T00:00:00Z' });
    expect(past.status).toBe(400);
    expect(past.body.error.message).toMatch(/expires_at: .* is in the past/);
  });

  it('rejects bad create payloads with 400s naming each field', async () => {
    const res = await org('POST', '/keys', { name: '', type: 'admin', scopes: ['keys.read', 'root'], api_key: 'x' });
    expect(res.status).toBe(400);
    expect(res.body.error.type).toBe('invalid_request_error');
    expect(res.body.error.message).toMatch(/name: /);
    expect(res.body.error.message).toMatch(/type: /);
    expect(res.body.error.message).toMatch(/scopes\[1\]: unknown scope "root"/);
    expect(res.body.error.message).toMatch(/unknown field "api_key"/);
    expect((await createKey({ workspace_id: 'nope' })).body.error.message).toMatch(/no workspace "nope"/);
    expect((await createKey({ defaults: { config_id: 'missing' } })).body.error.message).toMatch(/no config "missing"/);
    expect((await org('POST', '/keys', { name: 'org', type: 'organisation', workspace_id: 'alpha' })).status).toBe(400);
    expect((await org('GET', '/keys/key_nope')).status).toBe(404);
    const broken = await fetch(`${gw.url}/admin/v1/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ROLE_KEYS.org}`, 'content-type': 'application/json' },
      body: '{"name": "gth_not_a_secret_but_echo',
    });
    expect(broken.status).toBe(400);
    expect(await broken.text()).not.toContain('gth_not_a_secret_but_echo');
  });
});

describe('workspace keys stay inside their workspace and cannot escalate', () => {
  it('creates keys in its own workspace by default, and never organisation keys', async () => {
    const own = await createKey({ name: 'by-alpha', workspace_id: undefined }, alpha);
    expect(own.status).toBe(201);
    expect(own.body.workspace_id).toBe('alpha');
    const orgKey = await alpha('POST', '/keys', { name: 'sneaky', type: 'organisation' });
    expect(orgKey.status).toBe(403);
    expect(orgKey.body.error.message).toMatch(/organisation-level/);
  });

  it('cannot grant, update or rotate scopes it does not hold', async () => {
    const limited = (await createKey({ name: 'limited-admin', scopes: ['completions', 'keys.read', 'keys.write'] })).body.secret;
    const asLimited = (method: string, path: string, body?: unknown) => call(gw, limited, method, `/admin/v1${path}`, body);
    const grant = await asLimited('POST', '/keys', { name: 'x', scopes: ['completions', 'configs.write'] });
    expect(grant.status).toBe(403);
    expect(grant.body.error.message).toContain('"configs.write"');
    const strong = (await createKey({ name: 'strong', scopes: ['completions', 'audit.read'] })).body.key_id;
    expect((await asLimited('POST', `/keys/${strong}/rotate`, {})).status).toBe(403);
    expect((await asLimited('PATCH', `/keys/${strong}`, { name: 'mine now' })).status).toBe(403);
    expect((await asLimited('POST', `/keys/${strong}/revoke`)).status).toBe(200); // revoking takes power away; allowed
  });

  it('cannot loosen a key past its own model access or expiry (create, update, rotate)', async () => {
    const until = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const later = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const bounded = (
      await createKey({
        name: 'bounded-admin',
        scopes: ['completions', 'keys.read', 'keys.write'],
        allowed_models: ['claude-haiku-*', 'claude-sonnet-4-5'],
        expires_at: until,
      })
    ).body.secret;
    const asBounded = (method: string, path: string, body?: unknown) => call(gw, bounded, method, `/admin/v1${path}`, body);
    const refused = async (res: Promise<{ status: number; body: any }>, message: RegExp) => {
      const r = await res;
      expect([r.status, r.body.error?.type]).toEqual([403, 'permission_error']);
      expect(r.body.error.message).toMatch(message);
    };
    const within = { allowed_models: ['claude-haiku-4-5'], expires_at: until };
    // Create: no allowed_models means every model; a wider pattern; no expiry; a later expiry.
    await refused(
      asBounded('POST', '/keys', { name: 'x', expires_at: until }),
      /reaches every model: its own allowed_models are "claude-haiku-\*", "claude-sonnet-4-5"/,
    );
    await refused(asBounded('POST', '/keys', { name: 'x', ...within, allowed_models: ['claude-haiku-4-5', 'claude-*'] }), /reaches "claude-\*"/);
    await refused(asBounded('POST', '/keys', { name: 'x', allowed_models: ['claude-haiku-4-5'] }), /expires never: it expires itself at/);
    await refused(asBounded('POST', '/keys', { name: 'x', ...within, expires_at: later }), new RegExp(`expires at ${later}`));
    const made = await asBounded('POST', '/keys', { name: 'narrow', ...within });
    expect(made.status).toBe(201);
    // Update: removing the limits, or widening them, is refused; other changes are not.
    await refused(asBounded('PATCH', `/keys/${made.body.key_id}`, { allowed_models: null }), /reaches every model/);
    await refused(asBounded('PATCH', `/keys/${made.body.key_id}`, { allowed_models: ['*'] }), /reaches "\*"/);
    await refused(asBounded('PATCH', `/keys/${made.body.key_id}`, { expires_at: null }), /expires never/);
    expect((await asBounded('PATCH', `/keys/${made.body.key_id}`, { name: 'renamed', allowed_models: ['claude-sonnet-4-5'] })).status).toBe(200);
    expect((await org('GET', `/keys/${made.body.key_id}`)).body).toMatchObject({ name: 'renamed', allowed_models: ['claude-sonnet-4-5'], expires_at: until });
    // A key already looser than the actor cannot be updated or rotated by it (rotation hands over its secret).
    const loose = (await createKey({ name: 'loose' })).body.key_id;
    await refused(asBounded('PATCH', `/keys/${loose}`, { name: 'mine now' }), /reaches every model/);
    await refused(asBounded('POST', `/keys/${loose}/rotate`, {}), /cannot rotate a key that reaches every model/);
    expect((await asBounded('POST', `/keys/${loose}/revoke`)).status).toBe(200); // revoking takes power away; allowed
  });

  it("cannot read organisation keys, nor change its workspace's policy (status, allowed models)", async () => {
    expect((await alpha('GET', '/keys/key_org_admin')).status).toBe(403);
    const listed = (await alpha('GET', '/keys')).body.data;
    expect(listed.every((k: { workspace_id?: string }) => k.workspace_id === 'alpha')).toBe(true);
    const widen = await alpha('PATCH', '/workspaces/alpha', { defaults: { allowed_models: ['*'] } });
    expect(widen.status).toBe(403);
    expect(widen.body.error.message).toMatch(/allowed_models is organisation-level|allowed_models.*organisation/);
    expect((await alpha('PATCH', '/workspaces/alpha', { status: 'archived' })).status).toBe(403);
    expect((await alpha('GET', '/workspaces')).body.data.map((w: { id: string }) => w.id)).toEqual(['alpha']);
  });
});

describe('strict inputs', () => {
  it.each<[string, string, string, unknown, RegExp]>([
    [
      'allowed_models at the top of a workspace',
      'POST',
      '/workspaces',
      { id: 'strict-ws', name: 'S', allowed_models: ['claude-haiku-*'] },
      /Invalid request body: unknown field "allowed_models"/,
    ],
    [
      'an unknown field in workspace defaults',
      'POST',
      '/workspaces',
      { id: 'strict-ws', name: 'S', defaults: { models: ['x'] } },
      /defaults: unknown field "models"/,
    ],
    ['an unknown field on a key', 'POST', '/keys', { name: 'k', workspace_id: 'alpha', allowed_model: ['x'] }, /unknown field "allowed_model"/],
    ['an unknown query parameter (a typo of workspace_id)', 'GET', '/keys?workspace=alpha', undefined, /Invalid query: unknown field "workspace"/],
    ['an unknown query parameter on usage', 'GET', '/usage?workspace_id=alpha&month=2026-01', undefined, /Invalid query: unknown field "month"/],
  ])('refuses %s with a 400 naming it', async (_name, method, path, body, message) => {
    const res = await org(method, path, body);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(message);
  });
});

describe('workspaces', () => {
  it('creates, refuses a duplicate, merges defaults, and archives', async () => {
    const created = await org('POST', '/workspaces', {
      id: 'frontend',
      name: 'Frontend',
      defaults: { metadata: { team: 'fe' }, allowed_models: ['claude-*'] },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'frontend', status: 'active', defaults: { metadata: { team: 'fe' }, allowed_models: ['claude-*'] } });
    expect((await org('POST', '/workspaces', { id: 'frontend', name: 'Again' })).status).toBe(409);
    expect((await org('POST', '/workspaces', { id: 'Bad Id', name: 'x' })).body.error.message).toMatch(/^Invalid request body: id: /);
    const updated = await org('PATCH', '/workspaces/frontend', { name: 'Front end', defaults: { config_id: 'default', allowed_models: null } });
    expect(updated.body).toMatchObject({ name: 'Front end', defaults: { config_id: 'default', metadata: { team: 'fe' } } });
    expect(updated.body.defaults.allowed_models).toBeUndefined();
    expect((await org('GET', '/workspaces/nope')).status).toBe(404);
    const feAdmin = (await createKey({ name: 'fe-admin', workspace_id: 'frontend', scopes: ['workspaces.read', 'keys.read'] })).body.secret;
    expect((await call(gw, feAdmin, 'GET', '/admin/v1/workspaces/frontend')).status).toBe(200);
    const archived = await org('POST', '/workspaces/frontend/archive');
    expect(archived.body.status).toBe('archived');
    const locked = await call(gw, feAdmin, 'GET', '/admin/v1/workspaces/frontend');
    expect(locked.status).toBe(403);
    expect(locked.body.error.message).toMatch(/Workspace "frontend" is archived/);
    const refused = await createKey({ workspace_id: 'frontend' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/archived/);
  });
});

describe('configs', () => {
  it("validates on write with the gateway's parser: a 400 lists the JSON path of every problem", async () => {
    const res = await org('POST', '/configs', {
      id: 'broken',
      config: { strategy: { mode: 'roundrobin' }, targets: [{ provider: '@vertex-prod', retry: { attempts: 'three' } }] },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^Invalid routing config/);
    expect(res.body.error.message).toContain('strategy.mode');
    expect(res.body.error.message).toContain('targets[0].retry.attempts');
    expect((await org('GET', '/configs/broken')).status).toBe(404);
  });

  it('versions every write, refuses a stale version, and reaches the running gateway', async () => {
    const created = await org('POST', '/configs', { id: 'prod', config: { provider: '@vertex-prod', forward_headers: ['anthropic-beta'] } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'prod', version: 1, warnings: [] });
    expect((await org('POST', '/configs', { id: 'prod', config: { provider: '@vertex-prod' } })).status).toBe(409);
    const v2 = await org('PUT', '/configs/prod', {
      config: { strategy: { mode: 'fallback' }, targets: [{ provider: '@vertex-prod' }, { provider: '@nowhere' }] },
      version: 1,
    });
    expect(v2.status).toBe(200);
    expect(v2.body.version).toBe(2);
    expect(v2.body.warnings).toEqual([expect.stringContaining('provider "@nowhere" does not exist yet')]);
    const stale = await org('PUT', '/configs/prod', { config: { provider: '@vertex-prod' }, version: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.error.message).toMatch(/version 2, not 1/);
    await eventually(() => {
      const live = gw.deps.configs.get('prod');
      expect(live?.ok && live.config.strategy?.mode).toBe('fallback');
    });
    const put = await org('PUT', '/configs/brand-new', { config: { provider: '@vertex-prod' } });
    expect(put.status).toBe(201);
    expect((await org('GET', '/configs')).body.data.map((c: { id: string }) => c.id)).toEqual(expect.arrayContaining(['default', 'prod', 'brand-new']));
  });

  it('refuses to delete a config a key or workspace uses, and deletes one nobody uses', async () => {
    await org('PUT', '/configs/in-use', { config: { provider: '@vertex-prod' } });
    const { key_id } = (await createKey({ name: 'uses-config', defaults: { config_id: 'in-use' } })).body;
    const refused = await org('DELETE', '/configs/in-use');
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain(`key "${key_id}"`);
    await org('PATCH', `/keys/${key_id}`, { defaults: { config_id: null } });
    expect((await org('DELETE', '/configs/in-use')).status).toBe(204);
    expect((await org('DELETE', '/configs/in-use')).status).toBe(404);
  });
});

describe('providers', () => {
  it('accepts credential references and refuses a credential pasted in, without echoing it', async () => {
    const ok = await org('POST', '/providers', {
      slug: 'anthropic-prod',
      kind: 'anthropic',
      credentials: { secret: 'projects/p/secrets/anthropic/versions/latest' },
    });
    expect(ok.status).toBe(201);
    const pasted = 'sk-ant-api03-PASTED-CREDENTIAL-0123456789';
    secrets.add(pasted);
    const refused = await org('POST', '/providers', { slug: 'leaky', kind: 'anthropic', credentials: { api_key: pasted } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/credentials/);
    expect(refused.text).not.toContain(pasted);
    const topLevel = await org('POST', '/providers', { slug: 'leaky', kind: 'anthropic', api_key: pasted, credentials: { env: 'X' } });
    expect(topLevel.status).toBe(400);
    expect(topLevel.body.error.message).toContain('unknown field "api_key"');
    expect(topLevel.text).not.toContain(pasted);
    expect((await org('POST', '/providers', { slug: 'odd', kind: 'openai' })).status).toBe(400);
    expect((await org('GET', '/providers/leaky')).status).toBe(404);
  });

  it('replaces with PUT (slug must match), and refuses to delete a provider a config routes to', async () => {
    const put = await org('PUT', '/providers/vertex-eu', { kind: 'vertex', project_id: 'p', region: 'europe-west1' });
    expect(put.status).toBe(201);
    expect(put.body).toMatchObject({ slug: 'vertex-eu', credentials: { adc: true } });
    expect((await org('PUT', '/providers/vertex-eu', { slug: 'other', kind: 'vertex', project_id: 'p' })).status).toBe(400);
    expect((await org('PUT', '/providers/vertex-eu', { kind: 'vertex', project_id: 'p2' })).status).toBe(200);
    await org('PUT', '/configs/eu', { config: { override_params: { model: '@vertex-eu/claude-sonnet-4-5' } } });
    const refused = await org('DELETE', '/providers/vertex-eu');
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('"eu"');
    await org('DELETE', '/configs/eu');
    expect((await org('DELETE', '/providers/vertex-eu')).status).toBe(204);
  });
});

describe('audit log', () => {
  it('records every write with actor, action, target, time, before/after — never a secret or hash', async () => {
    const { secret, key_id } = (await createKey({ name: 'audited' })).body;
    const { secret: rotated } = (await org('POST', `/keys/${key_id}/rotate`, { grace_seconds: 0 })).body;
    secrets.add(rotated);
    await org('PATCH', `/keys/${key_id}`, { name: 'audited-2' });
    await org('POST', `/keys/${key_id}/revoke`);
    const res = await org('GET', `/audit?target_type=key&target_id=${key_id}`);
    expect(res.status).toBe(200);
    expect(res.body.data.map((e: { action: string }) => e.action)).toEqual(['key.revoke', 'key.update', 'key.rotate', 'key.create']);
    const [revoke, update] = res.body.data;
    expect(update).toMatchObject({
      actor: { key_id: 'key_org_admin', type: 'organisation' },
      target: { type: 'key', id: key_id },
      workspace_id: 'alpha',
      changes: expect.arrayContaining(['name']),
      before: { name: 'audited' },
      after: { name: 'audited-2' },
      request_id: expect.stringMatching(/^req_gth_/),
    });
    expect(revoke.before.status).toBe('active');
    expect(revoke.after.status).toBe('revoked');
    const retention = Date.parse(update.expires_at) - Date.parse(update.time);
    expect(retention).toBe(400 * 86_400_000);
    for (const s of [secret, rotated]) {
      expect(res.text).not.toContain(s);
      expect(res.text).not.toContain(hashKey(s));
    }
  });

  it('filters by actor and action, pages newest first, and shows workspace keys only their workspace', async () => {
    await createKey({ name: 'by-alpha-2', workspace_id: undefined }, alpha);
    const mine = await org('GET', '/audit?actor=key_alpha_admin&action=key.create');
    expect(mine.body.data.length).toBeGreaterThan(0);
    expect(mine.body.data.every((e: { actor: { key_id: string }; action: string }) => e.actor.key_id === 'key_alpha_admin' && e.action === 'key.create')).toBe(
      true,
    );
    const page = await org('GET', '/audit?limit=2');
    expect(page.body.data).toHaveLength(2);
    expect(page.body.has_more).toBe(true);
    const next = await org('GET', `/audit?limit=2&before=${encodeURIComponent(page.body.next_before)}`);
    expect(next.body.data[0].id < page.body.data[1].id).toBe(true);
    const alphaView = await alpha('GET', '/audit?limit=1000');
    expect(alphaView.body.data.length).toBeGreaterThan(0);
    expect(alphaView.body.data.every((e: { workspace_id?: string }) => e.workspace_id === 'alpha')).toBe(true);
    expect((await org('GET', '/audit?limit=0')).status).toBe(400);
  });
});

describe('usage', () => {
  const event = (keyId: string, over: Partial<UsageEvent> = {}): UsageEvent =>
    usageEventFixture({
      timestamp: new Date().toISOString(),
      stream: false,
      workspace_id: 'alpha',
      key_id: keyId,
      usage: { input: 100, output: 50, cache_write_5m: 0, cache_write_1h: 0, cache_read: 1000, web_search_requests: 0 },
      cost_micros: 2500,
      latency_ms: 10,
      ...over,
    });

  it("reads a key's and a workspace's monthly totals, and a key's last use", async () => {
    const { key_id } = (await createKey({ name: 'metered' })).body;
    const t = new Date().toISOString();
    await gw.store.applyUsage(event(key_id, { timestamp: t }));
    await gw.store.applyUsage(event(key_id, { timestamp: t }));
    const res = await org('GET', `/usage?key_id=${key_id}`);
    expect(res.body).toMatchObject({
      scope: 'key',
      id: key_id,
      period: t.slice(0, 7),
      requests: 2,
      cost_micros: 5000,
      cost_usd: 0.005,
      input: 200,
      cache_read: 2000,
      last_used_at: t,
    });
    expect((await org('GET', `/keys/${key_id}`)).body.last_used_at).toBe(t);
    expect((await alpha('GET', '/usage?workspace_id=alpha')).body.requests).toBeGreaterThanOrEqual(2);
    expect((await org('GET', '/usage?workspace_id=alpha&period=1999-01')).body).toMatchObject({ requests: 0, period: '1999-01' });
    expect((await org('GET', '/usage')).status).toBe(400);
    expect((await org('GET', '/usage?period=2025-13&workspace_id=alpha')).status).toBe(400);
  });
});

describe('OpenAPI and routing', () => {
  it('serves an OpenAPI 3.1 document generated from the schemas, describing every route and scope', async () => {
    const res = await call(gw, undefined, 'GET', '/admin/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toBe('3.1.0');
    for (const r of ADMIN_ROUTES) {
      const op = doc.paths[r.path.replace(/:(\w+)/g, '{$1}')]?.[r.method];
      expect(op).toMatchObject({
        'x-gatehouse-scope': r.scope ?? null,
        responses: expect.objectContaining({ 401: expect.anything(), 403: expect.anything() }),
      });
    }
    const refs = [...res.text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of refs) expect(doc.components.schemas[ref]).toBeDefined();
    expect(doc.components.schemas.KeyCreate.properties.scopes.items.enum).toContain('keys.write');
    expect(doc.components.schemas.KeyCreate.required).toEqual(['name']);
    expect(doc.components.schemas.Key.properties.secret).toBeUndefined();
    expect(doc.paths['/admin/v1/keys'].get.parameters.map((p: { name: string }) => p.name)).toEqual(['workspace_id', 'type', 'status']);
  });

  it('authenticates before reading a body, and limits admin bodies to 1 MB', async () => {
    const post = (key: string | undefined, body: string) =>
      fetch(`${gw.url}/admin/v1/keys`, { method: 'POST', headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) }, body });
    expect((await post(undefined, '{not json')).status).toBe(401);
    const big = await post(ROLE_KEYS.org, JSON.stringify({ name: 'x'.repeat(1_100_000) }));
    expect(big.status).toBe(413);
    expect((await big.json()).error).toEqual({ type: 'request_too_large', message: 'Admin request bodies are limited to 1mb.' });
  });

  it('answers an unknown admin route with an Anthropic-shaped 404', async () => {
    const res = await org('GET', '/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ type: 'error', error: { type: 'not_found_error', message: expect.stringContaining('/admin/openapi.json') } });
  });
});

describe('bootstrap through GATEHOUSE_BOOTSTRAP_KEY_HASH', () => {
  it('creates the first organisation key from the hash at boot, once', async () => {
    const secret = 'gth_terraform_generated_bootstrap_secret_01';
    secrets.add(secret);
    const env = { GATEHOUSE_BOOTSTRAP_KEY_HASH: hashKey(secret) };
    const first = await startGateway({ seed: {}, env });
    try {
      const res = await call(first, secret, 'GET', '/admin/v1/keys');
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual([
        expect.objectContaining({
          name: 'bootstrap admin',
          type: 'organisation',
          status: 'active',
          scopes: expect.arrayContaining(['keys.write', 'audit.read']),
        }),
      ]);
      const audit = await call(first, secret, 'GET', '/admin/v1/audit');
      expect(audit.body.data).toEqual([
        expect.objectContaining({ action: 'key.create', actor: expect.objectContaining({ key_id: 'system', name: 'GATEHOUSE_BOOTSTRAP_KEY_HASH' }) }),
      ]);
      // A second boot against the same store (another instance, a restart) adds nothing.
      const second = await startGateway({ seed: {}, env, store: first.store });
      await second.close().catch(() => undefined);
      expect((await first.store.apiKeys.list()).filter((k) => k.type === 'organisation')).toHaveLength(1);
    } finally {
      await first.close().catch(() => undefined);
    }
  });

  it('does nothing when an organisation key exists already', async () => {
    const other = await startGateway({ seed: adminSeed(), env: { GATEHOUSE_BOOTSTRAP_KEY_HASH: hashKey('gth_unused_bootstrap_secret_000000000000000') } });
    try {
      expect((await other.store.apiKeys.list()).some((k) => k.name === 'bootstrap admin')).toBe(false);
    } finally {
      await other.close();
    }
  });

  it('retries with backoff while the store does not answer, and the instance is ready only once the key exists', async () => {
    const secret = 'gth_bootstrap_secret_after_an_outage_000000';
    secrets.add(secret);
    const store = createMemoryStore();
    const list = store.apiKeys.list;
    let calls = 0;
    store.apiKeys.list = () => (++calls === 1 ? new Promise(() => undefined) : list()); // the first call never answers
    const gw = await startGateway({ seed: {}, store, env: { GATEHOUSE_BOOTSTRAP_KEY_HASH: hashKey(secret), GATEHOUSE_STORE_DEADLINE_MS: '100' } });
    try {
      expect(calls).toBe(2);
      expect(gw.logs.map((l) => l.message)).toContain('bootstrap key: store unavailable, retrying');
      expect((await call(gw, secret, 'GET', '/admin/v1/keys')).status).toBe(200);
    } finally {
      await gw.close();
    }
  });
});

it('never writes a key secret, its hash, or a pasted credential to the log', () => {
  expectNoSecrets(secrets);
});
