import { ALL_SCOPES } from '../../services/gateway/src/admin/scopes';
import type { Seed } from '../../services/gateway/src/seed';
import type { TestGateway } from '../helpers/gateway';

/**
 * The roles of the admin access matrix (docs/design.md §7.2), as seeded keys. Workspace admins hold every scope,
 * so a 403 for them proves the workspace / organisation rule, not a missing scope.
 */
export const ROLE_KEYS = {
  org: 'gth_test_org_admin_00000000000000000000000',
  wsAlpha: 'gth_test_alpha_admin_000000000000000000000',
  wsBeta: 'gth_test_beta_admin_0000000000000000000000',
  inference: 'gth_test_alpha_inference_00000000000000000',
  revoked: 'gth_test_revoked_admin_0000000000000000000',
  expired: 'gth_test_expired_admin_0000000000000000000',
} as const;
export type Role = keyof typeof ROLE_KEYS | 'none';
export const ROLES: Role[] = ['org', 'wsAlpha', 'wsBeta', 'inference', 'revoked', 'expired', 'none'];

const key = (secret: string, keyId: string, over: Partial<Seed['api_keys'][number]>): Seed['api_keys'][number] => ({
  key: secret,
  key_id: keyId,
  name: keyId,
  type: 'organisation',
  kind: 'user',
  scopes: [...ALL_SCOPES],
  status: 'active',
  defaults: {},
  ...over,
});

export function adminSeed(extra: { vertexUrl?: string } = {}): Partial<Seed> {
  return {
    workspaces: [
      { id: 'alpha', name: 'Alpha', status: 'active', defaults: {} },
      { id: 'beta', name: 'Beta', status: 'active', defaults: {} },
    ],
    providers: [
      {
        slug: 'vertex-prod',
        kind: 'vertex',
        project_id: 'my-project',
        region: 'global',
        credentials: { adc: true },
        ...(extra.vertexUrl ? { base_url: extra.vertexUrl } : {}),
      },
    ],
    configs: [{ id: 'default', config: { provider: '@vertex-prod' } }],
    api_keys: [
      key(ROLE_KEYS.org, 'key_org_admin', {}),
      key(ROLE_KEYS.wsAlpha, 'key_alpha_admin', { type: 'workspace', workspace_id: 'alpha' }),
      key(ROLE_KEYS.wsBeta, 'key_beta_admin', { type: 'workspace', workspace_id: 'beta' }),
      key(ROLE_KEYS.inference, 'key_alpha_inference', { type: 'workspace', workspace_id: 'alpha', scopes: ['completions'] }),
      key(ROLE_KEYS.revoked, 'key_revoked_admin', { status: 'revoked' }),
      key(ROLE_KEYS.expired, 'key_expired_admin', { expires_at: '2020-01-01T00:00:00.000Z' }),
    ],
  };
}

export interface Answer {
  status: number;
  /** Parsed JSON: tests read arbitrary fields. */
  body: any;
  text: string;
}

/** One admin call as `secret` (undefined: no key). */
export async function call(gw: TestGateway, secret: string | undefined, method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${gw.url}${path}`, {
    method,
    headers: { ...(secret ? { authorization: `Bearer ${secret}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, text, body: text ? JSON.parse(text) : undefined };
}

export const secretOf = (role: Role): string | undefined => (role === 'none' ? undefined : ROLE_KEYS[role]);
