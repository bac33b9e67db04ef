import { GatewayEnv, parseEnv } from '../../../shared/src/env';
import { GatewayError } from '../../../shared/src/errors';
import type { Logger } from '../../../shared/src/log';
import type { Store } from '../../../shared/src/store/port';
import { createBootstrapKey } from '../../../gateway/src/admin/bootstrap';
import { storeFromEnv } from '../../../gateway/src/build-deps';
import { claudeIdentitySettings, claudeSettings, claudeVertexSettings, googleIdentityHelper } from '../../../gateway/src/claude-settings';
import { UsageError } from '../args';
import { ApiError } from '../client';
import type { CliIo, Command } from '../command';
import { block } from '../table';

export const claudeSettingsCommand: Command = {
  name: 'claude-settings',
  synopsis:
    'claude-settings --url URL (--key KEY [--vertex --project P [--region R]] | --identity google [--impersonate SA] | --identity oidc --helper CMD)   (prints ~/.claude/settings.json)',
  flags: { booleans: ['vertex'], values: ['project', 'region', 'identity', 'impersonate', 'helper'] },
  async run(r) {
    const url = (r.args.get('url') ?? r.io.env.GATEHOUSE_URL)?.replace(/\/+$/, '');
    // Deliberately no fallback to GATEHOUSE_ADMIN_KEY: this is a developer's key, not the admin's.
    const key = r.args.get('key');
    const identity = r.args.get('identity');
    if (!url) throw new UsageError('claude-settings needs --url (the gateway URL) or GATEHOUSE_URL.');
    let settings: object;
    if (identity) {
      settings = claudeIdentitySettings(url, identityHelper(identity, url, r.args.get('impersonate'), r.args.get('helper')));
    } else if (!key) {
      throw new UsageError("claude-settings needs --key (the developer's Gatehouse key), or --identity google|oidc to sign in without one.");
    } else if (r.args.has('vertex')) {
      const project = r.args.get('project');
      if (!project) throw new UsageError('claude-settings --vertex needs --project (any id; the gateway does the Google auth).');
      settings = claudeVertexSettings(url, key, project, r.args.get('region'));
    } else {
      settings = claudeSettings(url, key);
    }
    r.io.stdout.write(`${JSON.stringify(settings, null, 2)}\n`);
  },
};

/** The apiKeyHelper command for `--identity`: gcloud for Google, the provider's own command otherwise. */
function identityHelper(identity: string, url: string, impersonate: string | undefined, helper: string | undefined): string {
  if (identity === 'google') return googleIdentityHelper(url, impersonate);
  if (identity !== 'oidc') throw new UsageError(`--identity is "google" or "oidc", not "${identity}".`);
  if (!helper) throw new UsageError("claude-settings --identity oidc needs --helper: a command that prints a fresh ID token for the gateway's audience.");
  return helper;
}

/** Errors only, as text on stderr: the CLI has no structured log to keep. */
function stderrLogger(io: CliIo): Logger {
  const log: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (m) => io.stderr.write(`warning: ${m}\n`),
    error: (m) => io.stderr.write(`error: ${m}\n`),
    child: () => log,
  };
  return log;
}

/** The gateway's store as its env describes it; bootstrapping the in-memory store would be lost on exit. */
function defaultStore(env: Record<string, string | undefined>): Store {
  const parsed = parseEnv(GatewayEnv, env);
  const kind = parsed.GATEHOUSE_STORE ?? (parsed.FIRESTORE_EMULATOR_HOST || parsed.GOOGLE_CLOUD_PROJECT ? 'firestore' : undefined);
  if (kind !== 'firestore') {
    throw new UsageError(
      "bootstrap writes the first admin key into the gateway's Firestore: set GOOGLE_CLOUD_PROJECT (and GATEHOUSE_COLLECTION_PREFIX if the gateway uses one), " +
        'or FIRESTORE_EMULATOR_HOST. The local in-memory mode (npm start) has no store to write to: put an organisation key in gatehouse.seed.json instead.',
    );
  }
  return storeFromEnv({ ...parsed, GATEHOUSE_STORE: 'firestore' });
}

export const bootstrapCommand: Command = {
  name: 'bootstrap',
  synopsis: 'bootstrap [--name N]   (creates the first organisation admin key in the store and prints it once)',
  flags: { values: ['name'] },
  async run(r) {
    const store = (r.io.openStore ?? defaultStore)(r.io.env);
    try {
      const retention = Number(r.io.env.GATEHOUSE_AUDIT_RETENTION_DAYS) || undefined;
      const { secret, key } = await createBootstrapKey(store, stderrLogger(r.io), { name: r.args.get('name'), retentionDays: retention });
      const view = { key_id: key.key_id, name: key.name, type: key.type, scopes: key.scopes, prefix: key.prefix, created_at: key.created_at, secret };
      r.print(
        () =>
          `${block([
            ['key_id', key.key_id],
            ['name', key.name],
            ['type', 'organisation'],
            ['scopes', key.scopes.join(', ')],
          ])}\nThe organisation admin key, shown once (Gatehouse keeps only its hash):\n\n  ${secret}\n\n` +
          'Next: export GATEHOUSE_ADMIN_KEY=<the key above> GATEHOUSE_URL=<the gateway URL>, then `gatehouse keys create --type organisation --name <you>` ' +
          'for named admin keys, and revoke this one.\n',
        view,
      );
    } catch (err) {
      if (err instanceof GatewayError) throw new ApiError(err.message);
      throw err;
    } finally {
      await store.close();
    }
  },
};
