import { startFakeOidcIssuer } from '/work/wt-h19/test/fakes/fake-oidc-issuer';
import { TokenVerifier } from '/work/wt-h19/services/gateway/src/auth/id-token';
import { OAuth2Client } from 'google-auth-library';
(async () => {
  const g = await startFakeOidcIssuer({ audience: 'aud', issuer: 'https://accounts.google.com' });
  const o = await startFakeOidcIssuer({ audience: 'aud2' });
  const c = new OAuth2Client({ endpoints: { oauth2FederatedSignonPemCertsUrl: `${g.url}/certs` } });
  try { await c.verifyIdToken({ idToken: await g.sign({ hd: 'example.com' }), audience: 'aud' }); console.log('google ok'); } catch (e) { console.log('google', String(e).slice(0, 300)); }
  const v = new TokenVerifier([{ issuer: o.url, audience: 'aud2', algorithms: ['RS256', 'ES256'] }], { jwksCooldownMs: 0 });
  try { console.log(await v.verify(await o.sign(), Date.now())); } catch (e: any) { console.log('oidc', e, e.cause); }
  await g.close(); await o.close();
})();
