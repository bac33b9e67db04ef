import { hash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { ApiKey } from '../../../shared/src/entities';
import { GatewayError } from '../../../shared/src/errors';
import type { Identity, IdentityMapping } from '../../../shared/src/identity/entity';
import type { Logger } from '../../../shared/src/log';
import { storeUnavailable } from '../../../shared/src/store/deadline';
import type { Store } from '../../../shared/src/store/port';
import { audit } from '../admin/audit';
import { LiveMap } from '../mirrors/live-map';
import { type TokenVerifier, tokenExpired, type VerifiedToken } from './id-token';
import { identityId, mappingFor, principalOf } from './identity-mapping';

/** Whether a credential is shaped like a JWT (`none`-signed ones included, so they are refused by name). */
export const looksLikeJwt = (secret: string): boolean => /^eyJ[\w-]*\.eyJ[\w-]*\.[\w-]*$/.test(secret);

/**
 * Identity tokens as credentials. A verified token is remembered by its SHA-256 until it expires, so a
 * token pays one signature verification however many requests it carries; mappings and identity
 * records are mirrored in memory by store listeners, so revoking a person or changing a mapping
 * applies to the very next request, cached token or not. The store is written only when a person is
 * first seen, or when the mapping that admits them now names another workspace.
 */
export class IdentityCache {
  readonly identities: LiveMap<Identity>;
  readonly mappings: LiveMap<IdentityMapping>;
  private readonly verified = new LRUCache<string, VerifiedToken>({ max: 50_000 });
  private readonly pending = new Map<string, Promise<Identity>>();

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly verifier: TokenVerifier,
    private readonly auditRetentionDays: number,
    private readonly isReady: () => boolean = () => true,
  ) {
    this.identities = new LiveMap(
      store.identities,
      (i) => i.id,
      (i) => i,
      log,
      'identity',
    );
    this.mappings = new LiveMap(
      store.identityMappings,
      (m) => m.id,
      (m) => m,
      log,
      'identity mapping',
    );
  }

  /**
   * Whether this secret is for this cache: a JWT, not a Gatehouse key. Taken even when no issuer is
   * configured, so that the 401 says the token's issuer is not trusted rather than that a key is wrong.
   */
  accepts(secret: string | undefined): secret is string {
    return secret !== undefined && looksLikeJwt(secret);
  }

  /** The caller a token stands for, or a 401 (bad token), 403 (no mapping, revoked) saying what is wrong. */
  async authenticate(token: string, now: number): Promise<ApiKey> {
    if (!this.isReady()) {
      throw storeUnavailable('This Gatehouse instance is starting and has not loaded its identities from the store yet. Retry shortly.');
    }
    const verified = await this.verify(token, now);
    const mapping = mappingFor(this.mappings.values(), verified);
    if (!mapping) {
      throw new GatewayError(
        'permission_error',
        `No Gatehouse workspace admits ${verified.email}: no identity mapping matches this e-mail, its domain or its claims. Ask your Gatehouse admin to add one.`,
      );
    }
    const identity = await this.record(verified, mapping, now);
    if (identity.status !== 'active') {
      throw new GatewayError('permission_error', `Gatehouse access for ${identity.email} (${identity.id}) has been revoked. Ask your Gatehouse admin.`);
    }
    return principalOf(identity, mapping);
  }

  private async verify(token: string, now: number): Promise<VerifiedToken> {
    const key = hash('sha256', token, 'hex');
    const cached = this.verified.get(key);
    if (cached) {
      if (cached.expiresAt > now) return cached;
      throw tokenExpired(cached.expiresAt);
    }
    const verified = await this.verifier.verify(token, now);
    this.verified.set(key, verified, { ttl: Math.max(1, verified.expiresAt - now) });
    return verified;
  }

  /** The person's record, created on first use and moved when their mapping now names another workspace. */
  private async record(token: VerifiedToken, mapping: IdentityMapping, now: number): Promise<Identity> {
    const id = identityId(token.email);
    const known = this.identities.get(id);
    if (known && known.workspace_id === mapping.workspace_id && known.mapping_id === mapping.id) return known;
    if (known?.status === 'revoked') return known;
    let write = this.pending.get(id);
    if (!write) {
      write = this.write(id, known, token, mapping, now).finally(() => this.pending.delete(id));
      this.pending.set(id, write);
    }
    return write;
  }

  private async write(id: string, before: Identity | undefined, token: VerifiedToken, mapping: IdentityMapping, now: number): Promise<Identity> {
    const at = new Date(now).toISOString();
    const after: Identity = before
      ? { ...before, workspace_id: mapping.workspace_id, mapping_id: mapping.id, updated_at: at }
      : {
          id,
          email: token.email,
          workspace_id: mapping.workspace_id,
          mapping_id: mapping.id,
          status: 'active',
          issuer: token.issuer,
          subject: token.subject,
          created_at: at,
          updated_at: at,
        };
    if (before) {
      await this.store.identities.put(id, after);
    } else {
      try {
        await this.store.identities.create(id, after);
      } catch (err) {
        // Another instance saw the person first: theirs is the record.
        const existing = await this.store.identities.get(id);
        if (!existing) throw err;
        this.identities.set(id, existing);
        return existing;
      }
    }
    this.identities.set(id, after);
    await audit(
      {
        store: this.store,
        actor: principalOf(after, mapping),
        now: () => now,
        requestId: '',
        log: this.log,
        auditRetentionDays: this.auditRetentionDays,
        what: 'sign-in with an identity token',
      },
      before ? 'identity.move' : 'identity.create',
      { type: 'identity', id },
      after.workspace_id,
      before,
      after,
      'id',
    );
    return after;
  }

  close(): void {
    this.identities.close();
    this.mappings.close();
  }
}
