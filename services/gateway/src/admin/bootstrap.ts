import type { ApiKey } from '../../../shared/src/entities';
import { GatewayError } from '../../../shared/src/errors';
import type { Logger } from '../../../shared/src/log';
import type { Store } from '../../../shared/src/store/port';
import { displayPrefix, generateKeySecret, hashKey } from '../auth/keys';
import { newKeyId } from './api-keys';
import { audit } from './audit';
import { iso } from './context';
import { ALL_SCOPES } from './scopes';

/**
 * The first organisation admin key, written straight into the store (there is no key yet to call
 * the admin API with). Two paths:
 * - `gatehouse bootstrap`: generates a secret, stores its hash, prints the secret once;
 * - `GATEHOUSE_BOOTSTRAP_KEY_HASH` (Terraform: a random secret in Secret Manager, its SHA-256 in the
 *   gateway's env): at boot, when the store holds no organisation key, the gateway creates one with
 *   that hash. Once any organisation key exists the variable does nothing, so revoking the bootstrap
 *   key after creating named admin keys is final.
 */
export const BOOTSTRAP_KEY_NAME = 'bootstrap admin';

export async function hasOrganisationKey(store: Store): Promise<boolean> {
  return (await store.apiKeys.list()).some((k) => k.type === 'organisation');
}

function bootstrapDoc(hash: string, prefix: string, now: number): ApiKey {
  return {
    id: hash,
    key_id: newKeyId(),
    name: BOOTSTRAP_KEY_NAME,
    type: 'organisation',
    kind: 'user',
    scopes: [...ALL_SCOPES],
    defaults: {},
    prefix,
    status: 'active',
    created_at: iso(now),
  };
}

async function store(s: Store, doc: ApiKey, log: Logger, retentionDays: number, how: string, now: number): Promise<void> {
  await s.apiKeys.create(doc.id, doc);
  const system: ApiKey = { ...doc, key_id: 'system', name: how };
  const { id: _hash, ...view } = doc;
  await audit(
    { store: s, actor: system, now: () => now, requestId: how, log, auditRetentionDays: retentionDays, what: how },
    'key.create',
    { type: 'key', id: doc.key_id },
    undefined,
    undefined,
    { ...view, owner: 'organisation' },
  );
}

/** `gatehouse bootstrap`. Refuses when an organisation key exists: use it to create more. */
export async function createBootstrapKey(
  s: Store,
  log: Logger,
  opts: { now?: number; retentionDays?: number; name?: string } = {},
): Promise<{ secret: string; key: ApiKey }> {
  if (await hasOrganisationKey(s)) {
    throw new GatewayError(
      'conflict_error',
      'An organisation key already exists: create more keys with it (`gatehouse keys create --type organisation …`) instead of bootstrapping again.',
    );
  }
  const now = opts.now ?? Date.now();
  const secret = generateKeySecret();
  const doc = { ...bootstrapDoc(hashKey(secret), displayPrefix(secret), now), ...(opts.name ? { name: opts.name } : {}) };
  await store(s, doc, log, opts.retentionDays ?? 400, 'gatehouse bootstrap', now);
  return { secret, key: doc };
}

/** Boot: GATEHOUSE_BOOTSTRAP_KEY_HASH. Several instances booting at once create the key once (same id). */
export async function ensureBootstrapKey(s: Store, hash: string, log: Logger, retentionDays = 400): Promise<'created' | 'present'> {
  if (await hasOrganisationKey(s)) return 'present';
  const now = Date.now();
  try {
    await store(s, bootstrapDoc(hash, '', now), log, retentionDays, 'GATEHOUSE_BOOTSTRAP_KEY_HASH', now);
  } catch (err) {
    if (err instanceof GatewayError && err.type === 'conflict_error') return 'present';
    throw err;
  }
  log.info('created the bootstrap organisation key from GATEHOUSE_BOOTSTRAP_KEY_HASH');
  return 'created';
}
