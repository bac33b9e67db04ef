import { identityId } from '../../services/gateway/src/auth/identity-mapping';
import { FAKE_METADATA_TOKEN, type FakeMetadata } from '../fakes/fake-metadata';
import { type FakeOidcIssuer, hmacKey, startFakeOidcIssuer } from '../fakes/fake-oidc-issuer';
import { startFakeVertex } from '../fakes/fake-vertex';
import type { Fake } from '../fakes/script';
import { devSeed, startGateway, type TestGateway } from '../helpers/gateway';
import { closeAll } from '../helpers/listen';
import { startWorkloadIdentity } from '../helpers/workload-identity';
import { call } from './admin-fixtures';

/**
 * OIDC ID tokens as credentials, end to end: a fake issuer (discovery, JWKS, rotation) and a fake of
 * Google's certs endpoint on 127.0.0.1 sign real tokens; the gateway verifies them, maps the person to
 * a workspace, and applies the same governance as to a key.
 */
const ADMIN = 'gth_identity_admin_0123456789abcdef01234567';
const AUDIENCE = 'gatehouse-test';
const GOOGLE_AUDIENCE = 'https://gatehouse.example';
let metadata: FakeMetadata;
let vertex: Fake;
let oidc: FakeOidcIssuer;
let google: FakeOidcIssuer;
let gw: TestGateway;

beforeAll(async () => {
  metadata = await startWorkloadIdentity();
  vertex = await startFakeVertex({ token: FAKE_METADATA_TOKEN });
  oidc = await startFakeOidcIssuer({ audience: AUDIENCE });
  google = await startFakeOidcIssuer({ audience: GOOGLE_AUDIENCE, issuer: 'https://accounts.google.com' });
  gw = await startGateway({
    env: {
      GATEHOUSE_OIDC_ISSUERS: JSON.stringify([
        { issuer: oidc.url, audience: AUDIENCE },
        { issuer: 'https://accounts.google.com', audience: GOOGLE_AUDIENCE, hosted_domain: 'example.com' },
      ]),
    },
    verifier: { googleCertsUrl: `${google.url}/certs`, jwksCooldownMs: 0 },
    seed: {
      ...devSeed(
        { vertex: vertex.url },
        {
          api_keys: [
            {
              key: ADMIN,
              name: 'admin',
              type: 'organisation',
              kind: 'service',
              scopes: ['keys.read', 'keys.write', 'audit.read', 'budgets.write'],
              status: 'active',
              defaults: {},
            },
          ],
        },
      ),
      workspaces: [
        { id: 'dev', name: 'Dev', status: 'active', defaults: {} },
        { id: 'web', name: 'Web', status: 'active', defaults: {} },
      ],
    },
  });
  for (const [id, body] of Object.entries({
    'example-com': { match: { domain: 'example.com' }, workspace_id: 'dev', defaults: { config_id: 'default', metadata: { team: 'dev' } } },
    'web-group': { match: { claim: 'groups', value: 'web' }, workspace_id: 'web', defaults: { config_id: 'default' } },
  })) {
    const put = await call(gw, ADMIN, 'PUT', `/admin/v1/identity-mappings/${id}`, body);
    expect([put.status, put.text]).toEqual([201, put.status === 201 ? put.text : '']);
  }
});
afterAll(() => closeAll(gw, oidc, google, vertex, metadata));

function ask(token: string, headers: Record<string, string> = {}) {
  return fetch(`${gw.url}/v1/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers },
    body: JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
  });
}

async function lastEvent() {
  const [event] = (await gw.waitForEvents(1)).slice(-1);
  await gw.clearEvents();
  return event;
}

const now = () => Math.floor(Date.now() / 1000);

describe('a valid identity token', () => {
  it('is served like a key, with metadata.user pinned to the e-mail and an identity record created once', async () => {
    await gw.clearEvents();
    const token = await oidc.sign({ email: 'Alice@Example.com' });
    const res = await ask(token, { 'x-gatehouse-metadata': JSON.stringify({ user: 'mallory', ticket: 'T-1' }) });
    expect([res.status, res.status === 200 ? '' : await res.text()]).toEqual([200, '']);
    const event = await lastEvent();
    const id = identityId('alice@example.com');
    expect(event).toMatchObject({ key_id: id, workspace_id: 'dev', metadata: { user: 'alice@example.com', team: 'dev', ticket: 'T-1' } });
    expect((await ask(token)).status).toBe(200);
    const list = await call(gw, ADMIN, 'GET', '/admin/v1/identities?workspace_id=dev');
    expect(list.body.data).toEqual([
      expect.objectContaining({ id, email: 'alice@example.com', workspace_id: 'dev', status: 'active', mapping_id: 'example-com' }),
    ]);
    const auditLog = await call(gw, ADMIN, 'GET', '/admin/v1/audit?target_type=identity');
    expect(auditLog.body.data.filter((e: { target: { id: string } }) => e.target.id === id).map((e: { action: string }) => e.action)).toEqual([
      'identity.create',
    ]);
  });

  it('is accepted from x-api-key too (Claude Code sends its apiKeyHelper output in both headers)', async () => {
    const res = await fetch(`${gw.url}/v1/models`, { headers: { 'x-api-key': await oidc.sign({ email: 'alice@example.com' }) } });
    expect(res.status).toBe(200);
  });

  it('from Google, with the configured hosted domain, is verified against Google-shaped certs', async () => {
    expect((await ask(await google.sign({ email: 'gina@example.com', hd: 'example.com' }))).status).toBe(200);
  });

  it('fetches the signing keys once, not per request, and follows a key rotation', async () => {
    const before = oidc.keyFetches();
    for (let i = 0; i < 3; i++) expect((await ask(await oidc.sign({ email: 'alice@example.com', jti: `n${i}` }))).status).toBe(200);
    expect(oidc.keyFetches()).toBe(before);
    await oidc.rotate();
    expect((await ask(await oidc.sign({ email: 'alice@example.com', jti: 'rotated' }))).status).toBe(200);
    expect(oidc.keyFetches()).toBe(before + 1);
  });
});

describe('a bad identity token is refused with 401 and says why', () => {
  it.each<[string, () => Promise<string>, RegExp]>([
    ['wrong audience', () => oidc.sign({ aud: 'someone-else' }), /audience is "someone-else", not this gateway's \(gatehouse-test\)/],
    ['wrong issuer', () => oidc.sign({ iss: 'https://evil.example' }), /issuer "https:\/\/evil.example" is not one this gateway trusts/],
    ['expired', () => oidc.sign({ iat: now() - 7200, exp: now() - 3600 }), /it expired at /],
    ['not yet valid', () => oidc.sign({ nbf: now() + 3600 }), /not valid before /],
    ['unverified e-mail', () => oidc.sign({ email_verified: false }), /e-mail address is not verified/],
    [
      'Google: another Workspace domain',
      () => google.sign({ email: 'eve@evil.example', hd: 'evil.example' }),
      /domain \(hd\) is "evil.example", not example.com/,
    ],
    ['Google: wrong audience', () => google.sign({ aud: 'https://elsewhere' }), /audience is "https:\/\/elsewhere"/],
    ['Google: expired', () => google.sign({ iat: now() - 7200, exp: now() - 3600 }), /it expired at /],
    [
      'a signing key the JWKS no longer lists',
      async () => {
        const old = await oidc.rotate();
        // Once the gateway has seen the new key set (a token signed with the new key), the old key is gone.
        expect((await ask(await oidc.sign({ email: 'alice@example.com', jti: 'after-rotation' }))).status).toBe(200);
        return oidc.sign({}, { kid: old.kid, key: old.key });
      },
      /signed with a key .* does not publish/,
    ],
    ['alg none', async () => oidc.unsigned(), /signed with "none"; .* must use RS256 or ES256/],
    ['HS256 keyed with the public key', async () => oidc.sign({}, { alg: 'HS256', key: hmacKey(await oidc.publicPem()) }), /signed with "HS256"/],
    ['a forged signature', async () => `${(await oidc.sign()).slice(0, -10)}AAAAAAAAAA`, /signature does not verify/],
  ])('%s', async (_name, token, message) => {
    const res = await ask(await token());
    const body = await res.json();
    expect(res.status).toBe(401);
    expect(body).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    expect(body.error.message).toMatch(message);
    expect(body.error.message).toMatch(/apiKeyHelper should print a fresh ID token/);
  });
});

describe('mappings', () => {
  it('refuse a person no mapping admits with a 403 naming the e-mail', async () => {
    const res = await ask(await oidc.sign({ email: 'carol@other.example' }));
    expect(res.status).toBe(403);
    expect((await res.json()).error.message).toMatch(/No Gatehouse workspace admits carol@other.example/);
  });

  it('admit by a claim value (groups), and an exact e-mail outranks a claim and a domain', async () => {
    await gw.clearEvents();
    const first = await ask(await oidc.sign({ email: 'dave@partner.example', groups: ['ops', 'web'] }));
    expect([first.status, first.status === 200 ? '' : await first.text()]).toEqual([200, '']);
    expect(await lastEvent()).toMatchObject({ workspace_id: 'web', key_id: identityId('dave@partner.example') });
    expect(
      (
        await call(gw, ADMIN, 'PUT', '/admin/v1/identity-mappings/dave', {
          match: { email: 'dave@partner.example' },
          workspace_id: 'dev',
          defaults: { config_id: 'default' },
        })
      ).status,
    ).toBe(201);
    expect((await ask(await oidc.sign({ email: 'dave@partner.example', groups: ['web'] }))).status).toBe(200);
    expect(await lastEvent()).toMatchObject({ workspace_id: 'dev' });
  });

  it('move a person between workspaces: the record follows, with an audit entry, and usage goes to the new one', async () => {
    await gw.clearEvents();
    const token = await oidc.sign({ email: 'mo@example.com' });
    expect((await ask(token)).status).toBe(200);
    expect(await lastEvent()).toMatchObject({ workspace_id: 'dev' });
    expect(
      (
        await call(gw, ADMIN, 'PUT', '/admin/v1/identity-mappings/mo', {
          match: { email: 'mo@example.com' },
          workspace_id: 'web',
          defaults: { config_id: 'default' },
        })
      ).status,
    ).toBe(201);
    await eventually(() => gw.deps.identities.mappings.get('mo') !== undefined);
    expect((await ask(token)).status).toBe(200); // the same, cached token
    expect(await lastEvent()).toMatchObject({ workspace_id: 'web', metadata: { user: 'mo@example.com' } });
    const id = identityId('mo@example.com');
    expect((await call(gw, ADMIN, 'GET', `/admin/v1/identities/${id}`)).body).toMatchObject({ workspace_id: 'web', mapping_id: 'mo' });
    const actions = (await call(gw, ADMIN, 'GET', '/admin/v1/audit?target_type=identity')).body.data.filter(
      (e: { target: { id: string } }) => e.target.id === id,
    );
    expect(actions.map((e: { action: string }) => e.action)).toEqual(['identity.move', 'identity.create']);
  });

  it('refuse mappings to a workspace that does not exist, and scopes the admin does not hold', async () => {
    expect((await call(gw, ADMIN, 'PUT', '/admin/v1/identity-mappings/x', { match: { domain: 'x.example' }, workspace_id: 'nope' })).status).toBe(400);
    const res = await call(gw, ADMIN, 'PUT', '/admin/v1/identity-mappings/x', {
      match: { domain: 'x.example' },
      workspace_id: 'dev',
      scopes: ['providers.write'],
    });
    expect(res.status).toBe(403);
  });
});

describe('admin scopes granted by a mapping', () => {
  it('let a person use the admin API as a workspace key of their workspace would', async () => {
    const put = await call(gw, ADMIN, 'PUT', '/admin/v1/identity-mappings/ops', {
      match: { email: 'olga@example.com' },
      workspace_id: 'web',
      scopes: ['keys.read'],
    });
    expect(put.status).toBe(201);
    await eventually(() => gw.deps.identities.mappings.get('ops') !== undefined);
    const token = await oidc.sign({ email: 'olga@example.com' });
    const own = await call(gw, token, 'GET', '/admin/v1/identities');
    expect(own.status).toBe(200);
    expect(own.body.data.every((i: { workspace_id: string }) => i.workspace_id === 'web')).toBe(true);
    expect((await call(gw, token, 'GET', '/admin/v1/identities?workspace_id=dev')).status).toBe(403);
    expect((await call(gw, token, 'GET', '/admin/v1/audit')).status).toBe(403); // not a scope the mapping grants
    expect((await ask(token)).status).toBe(403); // nor is completions
  });
});

describe('revocation', () => {
  it("refuses one person's tokens, cached or new, from the next request on; others go on", async () => {
    const token = await oidc.sign({ email: 'rita@example.com' });
    expect((await ask(token)).status).toBe(200);
    const id = identityId('rita@example.com');
    expect((await call(gw, ADMIN, 'POST', `/admin/v1/identities/${id}/revoke`)).body).toMatchObject({ status: 'revoked' });
    await eventually(() => gw.deps.identities.identities.get(id)?.status === 'revoked');
    for (const t of [token, await oidc.sign({ email: 'rita@example.com', jti: 'new' })]) {
      const res = await ask(t);
      expect(res.status).toBe(403);
      expect((await res.json()).error.message).toMatch(/rita@example.com .* has been revoked/);
    }
    expect((await ask(await oidc.sign({ email: 'sam@example.com' }))).status).toBe(200);
  });
});

describe('budgets and rate limits apply per person', () => {
  it('a budget on metadata user=<e-mail> refuses that person only (402)', async () => {
    await gw.store.budgets.put('frank', {
      id: 'frank',
      name: 'Frank',
      version: 1,
      scope: { type: 'metadata', key: 'user', value: 'frank@example.com' },
      metric: 'cost',
      limit: 1,
      period: { kind: 'none' },
      thresholds: [100],
      period_since: '2025-01-01T00:00:00.000Z',
    });
    await gw.store.budgetStatus.put('frank', {
      budget_id: 'frank',
      version: 1,
      window_start: '2025-01-01T00:00:00.000Z',
      usage: 2,
      limit: 1,
      state: 'exhausted',
      alerted: [100],
      updated_at: '2025-06-01T00:00:00.000Z',
    });
    await eventually(async () => (await ask(await oidc.sign({ email: 'frank@example.com' }))).status === 402);
    // Frank cannot relabel his spend with the metadata header.
    const relabelled = await ask(await oidc.sign({ email: 'frank@example.com' }), { 'x-gatehouse-metadata': '{"user":"someone-else"}' });
    expect(relabelled.status).toBe(402);
    expect((await ask(await oidc.sign({ email: 'grace@example.com' }))).status).toBe(200);
  });

  it("a rate limit on the person's identity id (like a key's) answers 429", async () => {
    const id = identityId('hal@example.com');
    const token = await oidc.sign({ email: 'hal@example.com' });
    expect((await ask(token)).status).toBe(200); // first use: Hal's identity record now exists
    const limit = { id: 'hal', name: 'Hal', scope: { type: 'key', key_id: id }, unit: 'requests', per: 'day', limit: 1 };
    expect((await call(gw, ADMIN, 'POST', '/admin/v1/rate-limits', limit)).status).toBe(201);
    await eventually(() => gw.deps.rateLimits.listener.get('hal') !== undefined);
    await eventually(async () => (await ask(token)).status === 429);
    expect((await ask(await oidc.sign({ email: 'ivy@example.com' }))).status).toBe(200);
  });
});

async function eventually(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('condition not met within 2 s');
}
