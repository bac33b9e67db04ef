import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { hashKey } from '../../services/gateway/src/auth/keys';
import { applySeed, devSeed, readSeed } from '../../services/gateway/src/seed';
import { createMemoryStore } from '../../services/shared/src/store/memory';
import { DEV_KEY } from '../helpers/gateway';

/** The key written in plain text in services/gateway/seed.example.json (the README's seed-file example). */
const EXAMPLE_KEY = DEV_KEY;
const EXAMPLE_SEED = resolve(__dirname, '../../services/gateway/seed.example.json');

describe('seed file', () => {
  it('applies the shipped example, keeping only the hash of its key', async () => {
    const store = createMemoryStore();
    const keys = await applySeed(store, readSeed(EXAMPLE_SEED));
    expect(keys).toEqual([{ name: 'dev', key: EXAMPLE_KEY }]);
    const stored = await store.apiKeys.get(hashKey(EXAMPLE_KEY));
    expect(stored).toMatchObject({ name: 'dev', workspace_id: 'dev', defaults: { config_id: 'default' } });
    expect(JSON.stringify(await store.apiKeys.list())).not.toContain(EXAMPLE_KEY);
    expect((await store.configs.list()).map((c) => c.id)).toEqual(['default', 'vertex-then-anthropic']);
    expect(await store.budgets.list()).toEqual([
      expect.objectContaining({
        id: 'dev-team-weekly-tokens',
        version: 1,
        metric: 'tokens',
        limit: 10_000_000,
        period: { kind: 'week', time_zone: 'Europe/Paris' },
        period_since: expect.any(String),
      }),
      expect.objectContaining({ id: 'vertex-monthly', scope: { type: 'provider', provider: '@vertex-prod' }, limit: 500_000_000, thresholds: [50, 80, 100] }),
    ]);
  });

  it('generates a dev setup with a fresh key when there is no seed file', async () => {
    const seed = devSeed('my-project');
    expect(seed.providers[0]).toMatchObject({ slug: 'vertex', kind: 'vertex', project_id: 'my-project', credentials: { adc: true } });
    expect(seed.api_keys[0].key).toMatch(/^gth_[0-9A-Za-z]{49}$/);
    expect(devSeed(undefined).api_keys[0].key).not.toBe(seed.api_keys[0].key);
  });

  it.each([
    ['not JSON', '{', /Seed file .*: /],
    ['a provider of an unknown kind', '{"providers":[{"slug":"x","kind":"openai"}]}', /providers\.0\.kind/],
    ['an invalid config', '{"configs":[{"id":"c","config":{"strategy":{"mode":"sometimes"}}}]}', /Seed config "c": /],
    ['a key without secret or hash', '{"api_keys":[{"name":"k","type":"workspace"}]}', /give "key" \(plain text, hashed on load\) or "key_hash"/],
    // Dropped silently before, leaving the workspace unrestricted while the operator believed otherwise.
    [
      'allowed_models at the top of a workspace (it goes under defaults)',
      '{"workspaces":[{"id":"w","name":"W","allowed_models":["claude-haiku-*"]}]}',
      /workspaces\.0\.allowed_models: unknown field/,
    ],
    [
      "an unknown field in a key's defaults",
      '{"api_keys":[{"key":"gth_0123456789abcdef","name":"k","type":"workspace","defaults":{"config":"x"}}]}',
      /api_keys\.0\.defaults\.config: unknown field/,
    ],
    [
      "an unknown field in a provider's credentials",
      '{"providers":[{"slug":"b","kind":"bedrock","credentials":{"access_key_id":{"env":"A"},"secret_access_key":{"env":"B"},"region":"eu-west-1"}}]}',
      /providers\.0\.credentials\.region: unknown field/,
    ],
    ['an unknown section', '{"budget":[],"workspace":[]}', / {2}budget: unknown field\n {2}workspace: unknown field/],
  ])('rejects %s with a message naming the problem', async (_name, text, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'seed-'));
    try {
      const path = join(dir, 'seed.json');
      writeFileSync(path, text);
      await expect((async () => applySeed(createMemoryStore(), readSeed(path)))()).rejects.toThrow(message);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
