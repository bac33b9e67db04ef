import { TokenVerifier, type VerifiedToken } from '../../services/gateway/src/auth/id-token';
import { IdentityCache } from '../../services/gateway/src/auth/identity-cache';
import { identityId, mappingFor } from '../../services/gateway/src/auth/identity-mapping';
import { IdentityMapping } from '../../services/shared/src/identity/entity';
import { createMemoryStore } from '../../services/shared/src/store/memory';
import { type FakeOidcIssuer, startFakeOidcIssuer } from '../fakes/fake-oidc-issuer';
import { silentLogger } from '../helpers/log';

const mapping = (id: string, match: IdentityMapping['match'], workspace_id = id) => IdentityMapping.parse({ id, match, workspace_id });
const token = (email: string, claims: Record<string, unknown> = {}): VerifiedToken => ({
  issuer: 'https://idp.example',
  subject: 's',
  email,
  claims: { email, ...claims },
  expiresAt: 0,
});

describe('mappingFor: the most specific mapping wins', () => {
  const all = [
    mapping('b-domain', { domain: 'example.com' }),
    mapping('a-domain', { domain: 'example.com' }),
    mapping('group', { claim: 'groups', value: 'web' }),
    mapping('ann', { email: 'ann@example.com' }),
  ];
  it.each([
    ['an exact e-mail over a claim and a domain', token('ann@example.com', { groups: ['web'] }), 'ann'],
    ['a claim value (in a list) over a domain', token('bo@example.com', { groups: ['ops', 'web'] }), 'group'],
    ['a claim value given as a string', token('bo@other.example', { groups: 'web' }), 'group'],
    ['the lowest id among equals', token('cy@example.com'), 'a-domain'],
    ['no subdomain match by suffix', token('dee@notexample.com'), undefined],
    ['nothing', token('eve@other.example'), undefined],
  ])('%s', (_name, t, want) => expect(mappingFor(all, t)?.id).toBe(want));
});

describe('IdentityCache', () => {
  let issuer: FakeOidcIssuer;
  beforeAll(async () => {
    issuer = await startFakeOidcIssuer({ audience: 'aud' });
  });
  afterAll(() => issuer.close());

  async function start() {
    const store = createMemoryStore();
    await store.identityMappings.put('ex', mapping('ex', { domain: 'example.com' }, 'dev'));
    const verifier = new TokenVerifier([{ issuer: issuer.url, audience: 'aud', algorithms: ['RS256'] }]);
    const verify = jest.spyOn(verifier, 'verify');
    const cache = new IdentityCache(store, silentLogger('gateway'), verifier, 30);
    await Promise.all([cache.identities.start(), cache.mappings.start()]);
    return { store, cache, verify };
  }

  it('verifies a token once, then serves it from memory until it expires', async () => {
    const { cache, verify } = await start();
    const t = await issuer.sign({ email: 'ann@example.com' });
    const now = Date.now();
    for (let i = 0; i < 3; i++) expect((await cache.authenticate(t, now + i)).key_id).toBe(identityId('ann@example.com'));
    expect(verify).toHaveBeenCalledTimes(1);
    await cache.authenticate(await issuer.sign({ email: 'ann@example.com', jti: 'other' }), now);
    expect(verify).toHaveBeenCalledTimes(2);
    await expect(cache.authenticate(t, now + 601_000)).rejects.toMatchObject({ type: 'authentication_error', message: expect.stringMatching(/it expired at/) });
    expect(verify).toHaveBeenCalledTimes(2);
    cache.close();
  });

  it('creates one identity record however many first requests arrive at once', async () => {
    const { store, cache } = await start();
    const t = await issuer.sign({ email: 'bo@example.com' });
    await Promise.all(Array.from({ length: 5 }, () => cache.authenticate(t, Date.now())));
    expect(await store.identities.list()).toEqual([expect.objectContaining({ email: 'bo@example.com', workspace_id: 'dev', status: 'active' })]);
    expect((await store.audit.list()).map((e) => e.action)).toEqual(['identity.create']);
    cache.close();
  });

  it('accepts only JWT-shaped credentials, never a Gatehouse key', async () => {
    const { cache } = await start();
    expect(cache.accepts(await issuer.sign())).toBe(true);
    expect(cache.accepts(issuer.unsigned())).toBe(true);
    expect(cache.accepts('gth_dev_0123456789abcdef0123456789abcdef')).toBe(false);
    expect(cache.accepts(undefined)).toBe(false);
    cache.close();
  });
});
