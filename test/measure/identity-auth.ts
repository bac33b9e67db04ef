/**
 * What an identity token costs on the request path next to a Gatehouse key (issue 19): the same
 * `authenticate()` the routes call, in process, with the key and token caches as the gateway builds
 * them (memory store, a fake OIDC issuer on 127.0.0.1). Reports the first (verifying) call and the
 * mean of many cached calls for each credential. Target: the cached token within 0.05 ms of a key.
 *
 *   METADATA_SERVER_DETECTION=none node -r @swc-node/register test/measure/identity-auth.ts
 */
import { authenticate } from '../../services/gateway/src/auth/caller';
import { TokenVerifier } from '../../services/gateway/src/auth/id-token';
import { IdentityCache } from '../../services/gateway/src/auth/identity-cache';
import { KeyCache } from '../../services/gateway/src/auth/key-cache';
import { generateKeySecret, hashKey } from '../../services/gateway/src/auth/keys';
import { createLogger } from '../../services/shared/src/log';
import { createMemoryStore } from '../../services/shared/src/store/memory';
import { startFakeOidcIssuer } from '../fakes/fake-oidc-issuer';

const ROUNDS = Number(process.env.ROUNDS ?? 200_000);

async function main(): Promise<void> {
  const log = createLogger({ service: 'measure', level: 'error' });
  const issuer = await startFakeOidcIssuer({ audience: 'gatehouse' });
  const store = createMemoryStore();
  const secret = generateKeySecret();
  await store.apiKeys.put(hashKey(secret), {
    id: hashKey(secret),
    key_id: 'key_measure',
    name: 'measure',
    type: 'workspace',
    kind: 'user',
    workspace_id: 'dev',
    scopes: ['completions'],
    defaults: {},
    prefix: '',
    status: 'active',
  });
  await store.identityMappings.put('ex', { id: 'ex', match: { domain: 'example.com' }, workspace_id: 'dev', scopes: ['completions'], defaults: {} });
  const keys = new KeyCache(store, log);
  const identities = new IdentityCache(store, log, new TokenVerifier([{ issuer: issuer.url, audience: 'gatehouse', algorithms: ['RS256'] }]), 30);
  await Promise.all([keys.start(), identities.identities.start(), identities.mappings.start()]);
  const deps = { keys, identities, wallClock: Date.now };
  const token = await issuer.sign({ email: 'alice@example.com' });

  const time = async (headers: Record<string, string>) => {
    const first = performance.now();
    await authenticate(deps, headers);
    const firstMs = performance.now() - first;
    for (let i = 0; i < 20_000; i++) await authenticate(deps, headers); // warm-up
    const start = performance.now();
    for (let i = 0; i < ROUNDS; i++) await authenticate(deps, headers);
    return { firstMs, meanMs: (performance.now() - start) / ROUNDS };
  };
  const key = await time({ authorization: `Bearer ${secret}` });
  const id = await time({ authorization: `Bearer ${token}` });
  const fmt = (ms: number) => `${(ms * 1000).toFixed(2)} µs`;
  console.log(`gth_ key        first ${fmt(key.firstMs)}  cached mean ${fmt(key.meanMs)}`);
  console.log(`ID token (RS256) first ${fmt(id.firstMs)}  cached mean ${fmt(id.meanMs)}  (first: discovery + JWKS fetch + signature + identity record)`);
  const diff = id.meanMs - key.meanMs;
  console.log(`cached token − key: ${fmt(diff)} per request (target ≤ 50 µs): ${diff <= 0.05 ? 'PASS' : 'FAIL'}`);
  keys.close();
  identities.close();
  await issuer.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
