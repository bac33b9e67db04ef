import { authenticate } from '../../services/gateway/src/auth/caller';
import { TokenVerifier } from '../../services/gateway/src/auth/id-token';
import { IdentityCache } from '../../services/gateway/src/auth/identity-cache';
import { KeyCache } from '../../services/gateway/src/auth/key-cache';
import { generateKeySecret, hashKey } from '../../services/gateway/src/auth/keys';
import { createLogger } from '../../services/shared/src/log';
import { createMemoryStore } from '../../services/shared/src/store/memory';
import { startFakeOidcIssuer } from '../fakes/fake-oidc-issuer';

/**
 * What an identity token costs on the request path next to a Gatehouse key (issue 19: a cached token
 * within 0.05 ms of a key), measured in this process: the same `authenticate()` the routes call, with
 * the key and token caches as the gateway builds them (memory store, a fake OIDC issuer on 127.0.0.1).
 * The first call with a token pays discovery, the JWKS fetch and one signature check; the mean of many
 * calls after it is the cached path every later request of that token takes.
 */
export async function measureIdentityAuth(rounds = 200_000): Promise<{ key_us: number; token_us: number; token_first_ms: number }> {
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
    for (let i = 0; i < rounds; i++) await authenticate(deps, headers);
    return { firstMs, meanMs: (performance.now() - start) / rounds };
  };
  const key = await time({ authorization: `Bearer ${secret}` });
  const id = await time({ authorization: `Bearer ${token}` });
  keys.close();
  identities.close();
  await issuer.close();
  return { key_us: key.meanMs * 1000, token_us: id.meanMs * 1000, token_first_ms: id.firstMs };
}
