import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CliIo, runCli } from '../../services/cli/src/run';
import { createFirestoreStore } from '../../services/shared/src/store/firestore';
import { createMemoryStore } from '../../services/shared/src/store/memory';
import type { Store } from '../../services/shared/src/store/port';
import { type Ran, runGatehouse } from '../helpers/cli-run';
import { describeIf, firestoreAvailable, uniqueProjectId } from '../helpers/emulators';
import { expectNoSecrets, startGateway, type TestGateway } from '../helpers/gateway';
import { adminSeed, call, ROLE_KEYS } from './admin-fixtures';

/** `gatehouse` run in-process (runCli) against a gateway on loopback: each command, and its failures. */
let gw: TestGateway;
const secrets = new Set<string>(Object.values(ROLE_KEYS));
const allStderr: string[] = [];
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'));

async function cli(argv: string[], env: Record<string, string | undefined> = {}, extra: Partial<CliIo> = {}): Promise<Ran> {
  const ran = await runGatehouse(argv, { GATEHOUSE_URL: gw.url, GATEHOUSE_ADMIN_KEY: ROLE_KEYS.org, ...env }, extra);
  allStderr.push(ran.err);
  return ran;
}

const file = (name: string, value: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
};

/** A loopback URL nothing listens on. */
async function closedPortUrl(): Promise<string> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return `http://127.0.0.1:${port}`;
}

beforeAll(async () => {
  gw = await startGateway({ seed: adminSeed() });
});
afterAll(() => gw.close());

describe('workspaces', () => {
  it('create, list, get, update and archive, as tables and as JSON', async () => {
    const created = await cli([
      'workspaces',
      'create',
      'frontend',
      '--name',
      'Frontend',
      '--metadata',
      'team=fe',
      '--allowed-models',
      'claude-sonnet-*,claude-haiku-*',
      '--allowed-providers',
      '@vertex-prod',
    ]);
    expect(created).toMatchObject({ code: 0, err: '' });
    expect(created.out).toMatch(/Created workspace frontend\./);
    expect(created.out).toMatch(/allowed models:\s+claude-sonnet-\*, claude-haiku-\*/);
    expect(created.out).toMatch(/allowed providers:\s+@vertex-prod/);

    const list = await cli(['workspaces', 'list']);
    expect(list.code).toBe(0);
    expect(list.out.split('\n')[0]).toMatch(/^ID\s+NAME\s+STATUS\s+CONFIG\s+ALLOWED MODELS\s+ALLOWED PROVIDERS$/);
    expect(list.out).toMatch(/^frontend\s+Frontend\s+active\s+claude-sonnet-\*,claude-haiku-\*\s+@vertex-prod$/m);

    const json = await cli(['workspaces', 'list', '--json']);
    expect(json.json.map((w: { id: string }) => w.id)).toEqual(expect.arrayContaining(['alpha', 'beta', 'frontend']));

    const updated = await cli(['workspaces', 'update', 'frontend', '--name', 'Front end', '--config', 'default', '--json']);
    expect(updated.json).toMatchObject({ name: 'Front end', defaults: { config_id: 'default', metadata: { team: 'fe' } } });
    expect((await cli(['workspaces', 'get', 'frontend'])).out).toMatch(/^name:\s+Front end$/m);
    expect((await cli(['workspaces', 'archive', 'frontend'])).out).toBe('Archived workspace frontend.\n');
    expect((await cli(['workspaces', 'get', 'frontend', '--json'])).json.status).toBe('archived');
  });
});

describe('keys', () => {
  it('create prints the secret once; list and get show the prefix; rotate, update and revoke work', async () => {
    const created = await cli([
      'keys',
      'create',
      '--name',
      'dev-laptop',
      '--workspace',
      'alpha',
      '--scopes',
      'completions',
      '--metadata',
      'team=alpha',
      '--config',
      'default',
    ]);
    expect(created.code).toBe(0);
    const secret = /^\s+(gth_\S+)$/m.exec(created.out)![1];
    secrets.add(secret);
    expect(created.out).toMatch(/shown once/);
    const keyId = /^key_id:\s+(\S+)$/m.exec(created.out)![1];
    expect((await call(gw, secret, 'GET', '/v1/models')).status).toBe(200);

    const list = await cli(['keys', 'list', '--workspace', 'alpha']);
    expect(list.out.split('\n')[0]).toMatch(/^KEY_ID\s+NAME\s+OWNER\s+PREFIX\s+STATUS\s+SCOPES\s+LAST USED\s+EXPIRES$/);
    expect(list.out).toContain(`${secret.slice(0, 10)}…`);
    expect(list.out).not.toContain(secret);
    const got = await cli(['keys', 'get', keyId]);
    expect(got.out).toMatch(/^default metadata:\s+team=alpha$/m);
    expect(got.out).not.toContain(secret);

    const updated = await cli(['keys', 'update', keyId, '--scopes', 'completions,keys.read', '--json']);
    expect(updated.json.scopes).toEqual(['completions', 'keys.read']);

    const rotated = await cli(['keys', 'rotate', keyId, '--grace', '0', '--json']);
    expect(rotated.code).toBe(0);
    secrets.add(rotated.json.secret);
    expect((await call(gw, secret, 'GET', '/v1/models')).status).toBe(401);
    expect((await call(gw, rotated.json.secret, 'GET', '/v1/models')).status).toBe(200);

    const revoked = await cli(['keys', 'revoke', keyId]);
    expect(revoked.out).toBe(`Revoked key ${keyId} (dev-laptop).\n`);
    expect((await call(gw, rotated.json.secret, 'GET', '/v1/models')).status).toBe(401);
    expect((await cli(['keys', 'list', '--status', 'revoked', '--json'])).json.map((k: { key_id: string }) => k.key_id)).toContain(keyId);
  });

  it('creates organisation keys with --type organisation and --json gives the secret to scripts', async () => {
    const res = await cli(['keys', 'create', '--type', 'organisation', '--name', 'ops', '--scopes', 'keys.read,keys.write', '--kind', 'service', '--json']);
    expect(res.code).toBe(0);
    secrets.add(res.json.secret);
    expect(res.json).toMatchObject({ type: 'organisation', owner: 'organisation', kind: 'service', scopes: ['keys.read', 'keys.write'] });
  });
});

describe('configs and providers', () => {
  it('providers apply -f creates then replaces; providers list shows where credentials live', async () => {
    const providers = [
      { slug: 'anthropic-prod', kind: 'anthropic', credentials: { secret: 'projects/p/secrets/anthropic-key/versions/latest' } },
      { slug: 'vertex-eu', kind: 'vertex', project_id: 'p', region: 'europe-west1' },
    ];
    const first = await cli(['providers', 'apply', '-f', file('providers.json', providers)]);
    expect(first).toMatchObject({ code: 0, out: 'provider @anthropic-prod: created\nprovider @vertex-eu: created\n' });
    const again = await cli(['providers', 'apply', '-f', file('providers.json', providers)]);
    expect(again.out).toBe('provider @anthropic-prod: updated\nprovider @vertex-eu: updated\n');
    const list = await cli(['providers', 'list']);
    expect(list.out).toMatch(/^@anthropic-prod\s+anthropic\s+secret anthropic-key$/m);
    expect(list.out).toMatch(/^@vertex-eu\s+vertex\s+p\/europe-west1\s+ADC$/m);
  });

  it('providers pricing sets negotiated prices as a new version each time', async () => {
    await cli(['providers', 'apply', '-f', file('priced.json', { slug: 'anthropic-priced', kind: 'anthropic', credentials: { env: 'X' } })]);
    expect(await cli(['providers', 'pricing', '@anthropic-priced', '--discount', '12.5'])).toMatchObject({
      code: 0,
      out: 'provider @anthropic-priced: pricing version 1\n',
    });
    const rows = { models: { 'claude-opus-5': { input: 4, output: 20, cache_write_5m: 5, cache_write_1h: 8, cache_read: 0.4 } } };
    const second = await cli(['providers', 'pricing', 'anthropic-priced', '-f', file('pricing.json', rows), '--json']);
    expect(second.json).toMatchObject({ version: 2, ...rows });
    expect((await cli(['providers', 'pricing', 'anthropic-priced', '--discount', '101'])).err).toMatch(/discount_percent/);
  });

  it('refuses a provider with a pasted credential, exit 1, without printing it', async () => {
    const pasted = 'sk-ant-api03-CLI-PASTED-0123456789abcdef';
    secrets.add(pasted);
    const res = await cli(['providers', 'apply', '-f', file('bad-provider.json', { slug: 'leaky', kind: 'anthropic', credentials: { api_key: pasted } })]);
    expect(res.code).toBe(1);
    expect(res.err).toMatch(/^error: PUT \/providers\/leaky failed with 400 invalid_request_error: Invalid request body: credentials: a credential reference/);
    expect(res.err + res.out).not.toContain(pasted);
  });

  it('configs apply -f accepts {id, config}, a list, or a bare config named by --id or the file; each apply bumps the version', async () => {
    const one = await cli(['configs', 'apply', '-f', file('prod.json', { id: 'prod', config: { provider: '@vertex-prod' } })]);
    expect(one).toMatchObject({ code: 0, out: 'config prod: created, version 1\n' });
    const bare = await cli([
      'configs',
      'apply',
      '-f',
      file('fallback.json', { strategy: { mode: 'fallback' }, targets: [{ provider: '@vertex-prod' }, { provider: '@anthropic-prod' }] }),
    ]);
    expect(bare.out).toBe('config fallback: created, version 1\n');
    const renamed = await cli(['configs', 'apply', '-f', file('whatever.json', { provider: '@vertex-prod' }), '--id', 'named']);
    expect(renamed.out).toBe('config named: created, version 1\n');
    const list = await cli([
      'configs',
      'apply',
      '-f',
      file('all.json', [
        { id: 'prod', config: { provider: '@vertex-prod', retry: { attempts: 2 } } },
        { id: 'ghost', config: { provider: '@nowhere' } },
      ]),
    ]);
    expect(list.out).toBe('config prod: updated, version 2\nconfig ghost: created, version 1\n');
    expect(list.err).toMatch(/^warning: config ghost: provider "@nowhere" does not exist yet/m);

    const owned = await cli(['configs', 'apply', '-f', file('alpha.json', { provider: '@vertex-prod' }), '--workspace', 'alpha']);
    expect(owned.out).toBe('config alpha: created, version 1\n');

    const table = await cli(['configs', 'list']);
    expect(table.out).toMatch(/^prod\s+2\s+\(shared\)\s+single @vertex-prod\s+\S+/m);
    expect(table.out).toMatch(/^fallback\s+1\s+\(shared\)\s+fallback/m);
    expect(table.out).toMatch(/^alpha\s+1\s+alpha\s+single @vertex-prod/m);
    const got = await cli(['configs', 'get', 'prod']);
    expect(JSON.parse(got.out)).toEqual({ id: 'prod', config: { provider: '@vertex-prod', retry: { attempts: 2 } } });
    expect(JSON.parse((await cli(['configs', 'get', 'alpha'])).out)).toEqual({ id: 'alpha', workspace_id: 'alpha', config: { provider: '@vertex-prod' } });
    const asBeta = await cli(['configs', 'get', 'alpha'], { GATEHOUSE_ADMIN_KEY: ROLE_KEYS.wsBeta });
    expect(asBeta).toMatchObject({ code: 1, err: expect.stringMatching(/403 permission_error: .*cannot act on workspace "alpha"/) });
  });

  it('reports an invalid config with every JSON path, exit 1; unreadable and non-JSON files exit 2', async () => {
    const bad = await cli(['configs', 'apply', '-f', file('bad.json', { id: 'bad', config: { strategy: { mode: 'nope' }, targets: [{ weight: 'heavy' }] } })]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/400 invalid_request_error: Invalid routing config \(\d+ problems?\): .*strategy\.mode.*targets\[0\]\.weight/);
    const missing = await cli(['configs', 'apply', '-f', join(dir, 'nope.json')]);
    expect(missing).toMatchObject({ code: 2, err: expect.stringMatching(/^error: Cannot read .*nope.json: ENOENT/) });
    const notJson = await cli(['configs', 'apply', '-f', file('broken.json', '{"id": ')]);
    expect(notJson).toMatchObject({ code: 2, err: expect.stringMatching(/broken.json is not valid JSON/) });
    expect((await cli(['configs', 'apply'])).code).toBe(2);
  });
});

describe('usage', () => {
  it('summarises totals per workspace, per key in a workspace, and for one key', async () => {
    const { key_id: keyId } = (await cli(['keys', 'create', '--name', 'metered', '--workspace', 'alpha', '--json'])).json;
    const period = new Date().toISOString().slice(0, 7);
    await gw.store.applyUsage({
      version: 1,
      event_id: 'cli-usage-1',
      request_id: 'r',
      trace_id: 't',
      timestamp: new Date().toISOString(),
      route: 'messages',
      stream: true,
      status: 200,
      outcome: 'success',
      workspace_id: 'alpha',
      key_id: keyId,
      cost_micros: 1_234_567,
      latency_ms: 5,
      metadata: {},
      attempts: [],
      usage: { input: 1200, output: 3400, cache_write_5m: 10, cache_write_1h: 0, cache_read: 56000, web_search_requests: 0 },
    });
    const all = await cli(['usage']);
    expect(all.code).toBe(0);
    expect(all.out).toMatch(new RegExp(`^Usage for ${period} `));
    expect(all.out).toMatch(/^\s*REQUESTS\s+INPUT\s+OUTPUT\s+CACHE READ\s+CACHE WRITE\s+COST\s+LAST USED$/m);
    expect(all.out).toMatch(/^workspace alpha\s+1\s+1,200\s+3,400\s+56,000\s+10\s+\$1\.23\s+\d{4}-/m);
    expect(all.out).toMatch(/^workspace beta\s+0\s+0\s+0\s+0\s+0\s+\$0\.00$/m);
    const ws = await cli(['usage', '--workspace', 'alpha']);
    expect(ws.out).toMatch(new RegExp(`^  key ${keyId} \\(metered\\)\\s+1\\s+1,200`, 'm'));
    const one = await cli(['usage', '--key-id', keyId, '--json']);
    expect(one.json).toEqual([expect.objectContaining({ scope: 'key', id: keyId, requests: 1, cost_micros: 1_234_567, cost_usd: 1.234567 })]);
    expect((await cli(['usage', '--period', 'June'])).code).toBe(2);
  });
});

describe('guardrails', () => {
  it('applies, lists, reads and deletes stored guardrails; an invalid one is refused', async () => {
    const guardrail = { id: 'no-secrets', guardrail: { action: 'redact', checks: ['secrets', 'pii'] } };
    expect((await cli(['guardrails', 'apply', '-f', file('g.json', guardrail)])).out).toBe('guardrail no-secrets: created, version 1\n');
    expect((await cli(['guardrails', 'apply', '-f', file('g2.json', [{ ...guardrail, guardrail: { action: 'deny', checks: ['secrets'] } }])])).out).toBe(
      'guardrail no-secrets: updated, version 2\n',
    );
    const list = await cli(['guardrails', 'list']);
    expect(list.out).toMatch(/^ID\s+VERSION\s+ACTION\s+WORKSPACE\s+UPDATED$/m);
    expect(list.out).toMatch(/^no-secrets\s+2\s+deny\s+\(shared\)/m);
    expect((await cli(['guardrails', 'get', 'no-secrets', '--json'])).json).toMatchObject({ id: 'no-secrets', version: 2, guardrail: { action: 'deny' } });
    const bad = await cli(['guardrails', 'apply', '-f', file('g3.json', { id: 'bad', guardrail: { checks: ['passports'] } })]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('unknown detector "passports"');
    expect((await cli(['guardrails', 'delete', 'no-secrets'])).out).toBe('guardrail no-secrets: deleted\n');
    expect((await cli(['guardrails', 'list'])).out).toBe('No guardrails.\n');
  });
});

describe('rate limits', () => {
  it('applies, lists, reads and deletes rate limits', async () => {
    const limit = {
      id: 'alpha-rpm',
      name: 'Alpha per minute',
      scope: { type: 'workspace', workspace_id: 'alpha' },
      unit: 'requests',
      per: 'minute',
      limit: 600,
    };
    expect((await cli(['rate-limits', 'apply', '-f', file('rl.json', limit)])).out).toBe('rate limit alpha-rpm: created, version 1\n');
    expect((await cli(['rate-limits', 'apply', '-f', file('rl2.json', [{ ...limit, unit: 'tokens', limit: 2_000_000 }])])).out).toBe(
      'rate limit alpha-rpm: updated, version 2\n',
    );
    const list = await cli(['rate-limits', 'list']);
    expect(list.out).toMatch(/^ID\s+SCOPE\s+LIMIT\s+NAME$/m);
    expect(list.out).toMatch(/^alpha-rpm\s+workspace alpha\s+2,000,000 input\+output tokens per minute\s+Alpha per minute$/m);
    expect((await cli(['rate-limits', 'get', 'alpha-rpm', '--json'])).json).toMatchObject({ id: 'alpha-rpm', version: 2, workspace_id: 'alpha' });
    const bad = await cli(['rate-limits', 'apply', '-f', file('rl3.json', { ...limit, per: 'fortnight' })]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('per');
    expect((await cli(['rate-limits', 'delete', 'alpha-rpm'])).out).toBe('rate limit alpha-rpm: deleted\n');
    expect((await cli(['rate-limits', 'list'])).out).toBe('No rate limits.\n');
  });
});

describe('budgets and usage breakdowns', () => {
  it('applies, lists, reads and deletes budgets, and breaks usage down by model and metadata from the rollups', async () => {
    const budget = {
      id: 'alpha-monthly',
      name: 'Alpha monthly',
      scope: { type: 'workspace', workspace_id: 'alpha' },
      metric: 'cost',
      limit: 500_000_000,
      period: { kind: 'month', time_zone: 'Europe/Paris' },
    };
    const applied = await cli(['budgets', 'apply', '-f', file('budget.json', budget)]);
    expect(applied.out).toBe('budget alpha-monthly: created, version 1\n');
    expect((await cli(['budgets', 'apply', '-f', file('budget2.json', [{ ...budget, limit: 600_000_000 }])])).out).toBe(
      'budget alpha-monthly: updated, version 2\n',
    );
    const list = await cli(['budgets', 'list']);
    expect(list.out).toMatch(/^ID\s+SCOPE\s+PERIOD\s+STATE\s+USED\s+LIMIT\s+RESETS$/m);
    expect(list.out).toMatch(/^alpha-monthly\s+workspace alpha\s+month \(Europe\/Paris\)\s+ok\s+\$0\.00\s+\$600\.00/m);
    expect((await cli(['budgets', 'get', 'alpha-monthly', '--json'])).json).toMatchObject({ id: 'alpha-monthly', version: 2, status: null });
    expect((await cli(['budgets', 'apply', '-f', file('noid.json', { name: 'x' })])).code).toBe(2);
    expect((await cli(['budgets', 'delete', 'alpha-monthly'])).out).toBe('budget alpha-monthly: deleted\n');
    expect((await cli(['budgets', 'get', 'alpha-monthly'])).code).not.toBe(0);

    const day = new Date().toISOString().slice(0, 10);
    await gw.pipeline.aggregator.apply({
      version: 1,
      event_id: 'cli-by-1',
      request_id: 'r',
      trace_id: 't',
      timestamp: new Date().toISOString(),
      route: 'messages',
      stream: true,
      status: 200,
      outcome: 'success',
      workspace_id: 'alpha',
      key_id: 'k',
      model_requested: 'claude-opus-4-1',
      cost_micros: 2_500_000,
      latency_ms: 5,
      metadata: { team: 'web' },
      attempts: [],
      usage: { input: 100, output: 200, cache_write_5m: 0, cache_write_1h: 0, cache_read: 0, web_search_requests: 0 },
    });
    const byModel = await cli(['usage', '--by', 'model', '--from', day, '--to', day]);
    expect(byModel.out).toMatch(/^MODEL\s+REQUESTS\s+INPUT\s+OUTPUT\s+CACHE READ\s+CACHE WRITE\s+COST$/m);
    expect(byModel.out).toMatch(/^claude-opus-4-1\s+1\s+100\s+200\s+0\s+0\s+\$2\.50$/m);
    expect((await cli(['usage', '--by', 'metadata.team', '--json'])).json.data).toEqual([expect.objectContaining({ value: 'web', cost_micros: 2_500_000 })]);
    const bad = await cli(['usage', '--by', 'colour']);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain('metadata.<name>');
  });
});

describe('budget alerts', () => {
  it("lists the alert history newest first, as a table and as JSON, a workspace key seeing only its workspace's", async () => {
    const fire = (budget_id: string, threshold: number, time: string, workspace_id?: string) =>
      gw.store.updateBudgetStatus(budget_id, `${budget_id}|w`, () => ({
        status: {
          budget_id,
          version: 1,
          window_start: '2026-12-01T00:00:00.000Z',
          usage: 1,
          limit: 10_000_000,
          state: 'warning',
          alerted: [threshold],
          updated_at: time,
        },
        alerts: [
          {
            version: 1,
            alert_id: `${budget_id}|2026-12-01T00:00:00.000Z|${threshold}`,
            budget_id,
            budget_name: budget_id,
            scope: { type: 'provider', provider: '@vertex' },
            metric: 'cost',
            threshold,
            usage: (threshold * 10_000_000) / 100,
            limit: 10_000_000,
            state: 'warning',
            window_start: '2026-12-01T00:00:00.000Z',
            window_end: '2027-01-01T00:00:00.000Z',
            time,
            ...(workspace_id ? { workspace_id } : {}),
            expires_at: '2099-01-01T00:00:00.000Z',
          },
        ],
      }));
    await fire('alerts-alpha', 50, '2026-12-02T10:00:00.000Z', 'alpha');
    await fire('alerts-org', 80, '2026-12-02T11:00:00.000Z');
    const text = await cli(['budgets', 'alerts']);
    expect(text.out).toMatch(/^TIME\s+BUDGET\s+THRESHOLD\s+USED\s+LIMIT\s+WINDOW$/m);
    const rows = text.out.split('\n').filter((l) => l.includes('alerts-'));
    expect(rows[0]).toMatch(/alerts-org\s+80%\s+\$8\.00\s+\$10\.00/);
    expect(rows[1]).toMatch(/alerts-alpha\s+50%\s+\$5\.00\s+\$10\.00/);
    const json = await cli(['budgets', 'alerts', '--budget', 'alerts-alpha', '--json']);
    expect(json.json).toEqual([expect.objectContaining({ budget_id: 'alerts-alpha', threshold: 50, workspace_id: 'alpha' })]);
    const alpha = await cli(['budgets', 'alerts', '--json'], { GATEHOUSE_ADMIN_KEY: ROLE_KEYS.wsAlpha });
    expect(alpha.json.map((a: { budget_id: string }) => a.budget_id)).toEqual(['alerts-alpha']);
    expect((await cli(['budgets', 'alerts', '--json'], { GATEHOUSE_ADMIN_KEY: ROLE_KEYS.wsBeta })).json).toEqual([]);
    expect((await cli(['budgets', 'alerts', '--workspace', 'alpha'], { GATEHOUSE_ADMIN_KEY: ROLE_KEYS.wsBeta })).code).not.toBe(0);
  });
});

describe('claude-settings', () => {
  it('prints a first-party settings.json', async () => {
    const res = await cli(['claude-settings', '--url', 'https://gatehouse.example.run.app/', '--key', 'gth_developer_key_000000000000000000000000']);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.out)).toEqual({
      env: { ANTHROPIC_BASE_URL: 'https://gatehouse.example.run.app', ANTHROPIC_AUTH_TOKEN: 'gth_developer_key_000000000000000000000000' },
    });
  });

  it('prints Vertex-mode settings with --vertex --project, and needs --project and --key', async () => {
    const res = await cli(['claude-settings', '--url', 'https://gw', '--key', 'gth_k', '--vertex', '--project', 'my-proj', '--region', 'us-east5']);
    expect(JSON.parse(res.out).env).toMatchObject({
      CLAUDE_CODE_USE_VERTEX: '1',
      ANTHROPIC_VERTEX_BASE_URL: 'https://gw/v1',
      ANTHROPIC_VERTEX_PROJECT_ID: 'my-proj',
      CLOUD_ML_REGION: 'us-east5',
      ANTHROPIC_CUSTOM_HEADERS: 'x-gatehouse-api-key: gth_k',
    });
    expect((await cli(['claude-settings', '--url', 'https://gw', '--key', 'gth_k', '--vertex'])).code).toBe(2);
    const noKey = await cli(['claude-settings', '--url', 'https://gw']);
    expect(noKey).toMatchObject({ code: 2, err: expect.stringMatching(/needs --key/) });
  });

  it('prints keyless settings: an apiKeyHelper printing a Google or OIDC ID token, with its TTL', async () => {
    const google = await cli(['claude-settings', '--url', 'https://gw/', '--identity', 'google']);
    expect(JSON.parse(google.out)).toEqual({
      apiKeyHelper: 'gcloud auth print-identity-token',
      env: { ANTHROPIC_BASE_URL: 'https://gw', CLAUDE_CODE_API_KEY_HELPER_TTL_MS: '900000' },
    });
    const sa = await cli(['claude-settings', '--url', 'https://gw', '--identity', 'google', '--impersonate', 'dev@p.iam.gserviceaccount.com']);
    expect(JSON.parse(sa.out).apiKeyHelper).toBe(
      'gcloud auth print-identity-token --impersonate-service-account=dev@p.iam.gserviceaccount.com --audiences=https://gw --include-email',
    );
    const oidc = await cli(['claude-settings', '--url', 'https://gw', '--identity', 'oidc', '--helper', 'okta-id-token --aud gatehouse']);
    expect(JSON.parse(oidc.out).apiKeyHelper).toBe('okta-id-token --aud gatehouse');
    expect(await cli(['claude-settings', '--url', 'https://gw', '--identity', 'oidc'])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/needs --helper/),
    });
    expect(await cli(['claude-settings', '--url', 'https://gw', '--identity', 'saml'])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/"google" or "oidc"/),
    });
  });
});

describe('identities and identity mappings', () => {
  it('apply, list and delete mappings; list and revoke identities', async () => {
    const applied = await cli([
      'identity-mappings',
      'apply',
      '-f',
      file('mappings.json', [{ id: 'alpha-domain', match: { domain: 'alpha.example' }, workspace_id: 'alpha' }]),
    ]);
    expect(applied).toMatchObject({ code: 0, out: 'identity mapping alpha-domain: created\n' });
    expect((await cli(['identity-mappings', 'list'])).out).toMatch(/alpha-domain\s+domain alpha.example\s+alpha\s+completions/);
    const at = '2026-12-01T00:00:00.000Z';
    const id = 'idn_0123456789abcdef01234567';
    await gw.store.identities.put(id, {
      id,
      email: 'ann@alpha.example',
      workspace_id: 'alpha',
      mapping_id: 'alpha-domain',
      status: 'active',
      issuer: 'https://idp',
      subject: 's',
      created_at: at,
      updated_at: at,
    });
    expect((await cli(['identities', 'list', '--workspace', 'alpha'])).out).toMatch(new RegExp(`${id}\\s+ann@alpha.example\\s+alpha\\s+active`));
    expect((await cli(['identities', 'list'], { GATEHOUSE_ADMIN_KEY: ROLE_KEYS.wsBeta })).out).toBe('No identities.\n');
    expect(await cli(['identities', 'revoke', id])).toMatchObject({ code: 0, out: `Revoked identity ${id} (ann@alpha.example).\n` });
    expect((await cli(['identities', 'list', '--json'])).json).toEqual([expect.objectContaining({ id, status: 'revoked' })]);
    expect((await cli(['identity-mappings', 'get', 'alpha-domain', '--json'])).json).toMatchObject({
      match: { domain: 'alpha.example' },
      scopes: ['completions'],
    });
    expect(await cli(['identity-mappings', 'delete', 'alpha-domain'])).toMatchObject({ code: 0, out: 'identity mapping alpha-domain: deleted\n' });
    expect(await cli(['identities', 'revoke'])).toMatchObject({ code: 2 });
  });
});

describe('errors', () => {
  it.each([
    ['no command', [], {}, 2, /^$/],
    ['an unknown command', ['frobnicate'], {}, 2, /Unknown command "frobnicate"/],
    ['an unknown verb', ['keys', 'destroy'], {}, 2, /Unknown command "gatehouse keys destroy"\. Commands:\n\s+gatehouse keys create/],
    ['an unknown option', ['keys', 'list', '--colour'], {}, 2, /Unknown option --colour/],
    ['a missing option value', ['keys', 'list', '--workspace'], {}, 2, /--workspace needs a value/],
    ['a missing key_id', ['keys', 'get'], {}, 2, /^error: keys get needs the key's key_id .*\nUsage: gatehouse keys get <key_id>\n$/],
    ['no URL', ['keys', 'list'], { GATEHOUSE_URL: undefined }, 2, /No gateway URL: pass --url/],
    ['no admin key', ['keys', 'list'], { GATEHOUSE_ADMIN_KEY: undefined }, 2, /No admin key: set GATEHOUSE_ADMIN_KEY/],
    [
      'an unknown admin key',
      ['keys', 'list'],
      { GATEHOUSE_ADMIN_KEY: 'gth_not_a_real_key_00000000000000000000000' },
      1,
      /GET \/keys failed with 401 authentication_error: Invalid API key/,
    ],
    [
      'a revoked admin key',
      ['keys', 'list'],
      { GATEHOUSE_ADMIN_KEY: ROLE_KEYS.revoked },
      1,
      /401 authentication_error: API key "key_revoked_admin" has been revoked/,
    ],
    ['a key without the scope', ['keys', 'list'], { GATEHOUSE_ADMIN_KEY: ROLE_KEYS.inference }, 1, /403 permission_error: .*lacks the "keys.read" scope/],
    [
      'a workspace key on an organisation-level route',
      ['workspaces', 'archive', 'alpha'],
      { GATEHOUSE_ADMIN_KEY: ROLE_KEYS.wsAlpha },
      1,
      /403 permission_error: POST \/admin\/v1\/workspaces\/:workspace_id\/archive is organisation-level/,
    ],
    [
      'another workspace',
      ['workspaces', 'get', 'alpha'],
      { GATEHOUSE_ADMIN_KEY: ROLE_KEYS.wsBeta },
      1,
      /403 permission_error: .*cannot act on workspace "alpha"/,
    ],
    ['a missing key', ['keys', 'get', 'key_missing'], {}, 1, /404 not_found_error: No API key "key_missing"/],
    ['an unreachable gateway', ['keys', 'list'], { GATEHOUSE_URL: 'CLOSED_PORT' }, 1, /Cannot reach Gatehouse at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/],
  ] as Array<[string, string[], Record<string, string | undefined>, number, RegExp]>)(
    'exits non-zero with a clear message for %s',
    async (_name, argv, env, code, err) => {
      const res = await cli(argv, env.GATEHOUSE_URL === 'CLOSED_PORT' ? { GATEHOUSE_URL: await closedPortUrl() } : env);
      expect(res.code).toBe(code);
      expect(res.err).toMatch(err);
    },
  );

  it('prints help with --help, exit 0', async () => {
    const res = await cli(['--help']);
    expect(res.code).toBe(0);
    expect(res.out).toMatch(/keys create --name N/);
    expect((await cli(['keys', 'rotate', '--help'])).out).toBe(
      'Usage: gatehouse keys rotate <key_id> [--grace SECONDS]   (default 3600: the old secret works that long)\n',
    );
  });
});

describe('bootstrap', () => {
  it('creates the first organisation key in the store, prints it once, and refuses a second bootstrap', async () => {
    const store: Store = createMemoryStore();
    const first = await cli(['bootstrap'], { GATEHOUSE_URL: undefined, GATEHOUSE_ADMIN_KEY: undefined }, { openStore: () => store });
    expect(first.code).toBe(0);
    const secret = /^\s+(gth_\S+)$/m.exec(first.out)![1];
    secrets.add(secret);
    expect(first.out).toMatch(/shown once/);
    const [doc] = await store.apiKeys.list();
    expect(doc).toMatchObject({ type: 'organisation', name: 'bootstrap admin', status: 'active' });
    expect(doc.id).not.toBe(secret);

    // The gateway on that store accepts it; the CLI can administer with it.
    const fresh = await startGateway({ seed: {}, store });
    try {
      const res = await runCli(['keys', 'list', '--json'], {
        fetch,
        env: { GATEHOUSE_URL: fresh.url, GATEHOUSE_ADMIN_KEY: secret },
        stdout: { write: () => true },
        stderr: { write: (s: string) => allStderr.push(s) },
      });
      expect(res).toBe(0);
    } finally {
      await fresh.close();
    }

    const again = await cli(['bootstrap'], {}, { openStore: () => createMemoryStore() });
    expect(again.code).toBe(0); // an empty store can be bootstrapped
    secrets.add(/^\s+(gth_\S+)$/m.exec(again.out)![1]);
    const refused = await cli(['bootstrap'], {}, { openStore: () => store });
    expect(refused).toMatchObject({ code: 1, err: expect.stringMatching(/An organisation key already exists/) });
  });

  it('explains what to set when no Firestore is configured, exit 2', async () => {
    const res = await cli(['bootstrap'], { GOOGLE_CLOUD_PROJECT: undefined, FIRESTORE_EMULATOR_HOST: undefined });
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/set GOOGLE_CLOUD_PROJECT .* or FIRESTORE_EMULATOR_HOST/);
  });
});

describeIf(firestoreAvailable())('bootstrap against the Firestore emulator', () => {
  it('writes the key where a gateway with the same env reads it', async () => {
    const env = {
      GOOGLE_CLOUD_PROJECT: uniqueProjectId('cli-bootstrap'),
      FIRESTORE_EMULATOR_HOST: process.env.FIRESTORE_EMULATOR_HOST,
      GATEHOUSE_COLLECTION_PREFIX: 'cli_',
    };
    const res = await cli(['bootstrap', '--json'], env);
    expect(res.code).toBe(0);
    secrets.add(res.json.secret);
    const store = createFirestoreStore({ projectId: env.GOOGLE_CLOUD_PROJECT, prefix: 'cli_' });
    try {
      const keys = await store.apiKeys.list();
      expect(keys).toEqual([expect.objectContaining({ key_id: res.json.key_id, type: 'organisation' })]);
      const [entry] = await store.audit.list();
      expect(entry).toMatchObject({ action: 'key.create', actor: { key_id: 'system', name: 'gatehouse bootstrap' } });
      expect((await cli(['bootstrap'], env)).code).toBe(1);
    } finally {
      await store.close();
    }
  });
});

it('never prints a secret to stderr or the gateway log', () => {
  expectNoSecrets(secrets, allStderr);
});
