import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { Budget } from '../../shared/src/budget/entity';
import { reviseBudget } from '../../shared/src/budget/window';
import { ApiKey, Provider, Workspace } from '../../shared/src/entities';
import { RateLimit } from '../../shared/src/rate-limit/entity';
import type { Store } from '../../shared/src/store/port';
import { ALL_SCOPES } from './admin/scopes';
import { displayPrefix, generateKeySecret, hashKey } from './auth/keys';
import { configError, parseConfig } from './routing/config-schema';

/** The local mode's declarative setup. A key given in plain text is hashed on load and never kept. */
const SeedKey = ApiKey.omit({ id: true, key_id: true, prefix: true }).extend({
  key: z.string().min(16).optional(),
  /** SHA-256 hex of a key held elsewhere (e.g. a Terraform-generated secret). */
  key_hash: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  key_id: z.string().optional(),
});

export const Seed = z.object({
  workspaces: z.array(Workspace).default([]),
  providers: z.array(Provider).default([]),
  configs: z.array(z.object({ id: z.string().min(1), workspace_id: z.string().optional(), config: z.record(z.string(), z.unknown()) })).default([]),
  api_keys: z.array(SeedKey).default([]),
  /** Budgets; their first window starts when the seed is applied. */
  budgets: z.array(Budget.omit({ version: true, period_since: true })).default([]),
  rate_limits: z.array(RateLimit.omit({ version: true })).default([]),
});
export type Seed = z.infer<typeof Seed>;

/**
 * Fields of `input` that parsing dropped: zod strips keys an object schema does not know, so they are
 * whatever is in the input and not in the output. Judged against the output, this follows every
 * schema the seed reuses (entities.ts) without a strict copy of each; records keep all their keys.
 */
function unknownFields(input: unknown, output: unknown, path: (string | number)[] = []): string[] {
  if (Array.isArray(input) && Array.isArray(output)) return input.flatMap((v, i) => unknownFields(v, output[i], [...path, i]));
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(input) || !isObject(output)) return [];
  return Object.keys(input).flatMap((k) => (Object.hasOwn(output, k) ? unknownFields(input[k], output[k], [...path, k]) : [[...path, k].join('.')]));
}

/** Reads and checks a seed file: invalid values and unknown fields (a misplaced one would be silently ignored) stop the boot. */
export function readSeed(path: string): Seed {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`Seed file ${path}: ${(err as Error).message}`);
  }
  const parsed = Seed.safeParse(raw);
  const problems = parsed.success
    ? unknownFields(raw, parsed.data).map((f) => `  ${f}: unknown field`)
    : parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  if (problems.length) throw new Error(`Seed file ${path} is invalid:\n${problems.join('\n')}`);
  return parsed.data!;
}

/** Writes a seed into a store. Returns the plain-text keys it was given, for printing once. */
export async function applySeed(store: Store, seed: Seed, now = new Date().toISOString()): Promise<{ name: string; key?: string }[]> {
  for (const w of seed.workspaces) await store.workspaces.put(w.id, { ...w, created_at: w.created_at ?? now });
  for (const p of seed.providers) await store.providers.put(p.slug, { ...p, created_at: p.created_at ?? now });
  for (const c of seed.configs) {
    const parsed = parseConfig(c.config);
    if (!parsed.ok) throw new Error(`Seed config "${c.id}": ${configError(parsed.issues)}`);
    await store.configs.put(c.id, {
      id: c.id,
      version: 1,
      ...(c.workspace_id !== undefined && { workspace_id: c.workspace_id }),
      config: c.config,
      created_at: now,
    });
  }
  const keys: { name: string; key?: string }[] = [];
  for (const { key, key_hash, key_id, ...k } of seed.api_keys) {
    if (!key && !key_hash) throw new Error(`Seed key "${k.name}": give "key" (plain text, hashed on load) or "key_hash".`);
    const id = key ? hashKey(key) : key_hash!;
    await store.apiKeys.put(id, {
      ...k,
      id,
      key_id: key_id ?? `key_${id.slice(0, 12)}`,
      prefix: key ? displayPrefix(key) : '',
      created_at: k.created_at ?? now,
    });
    keys.push({ name: k.name, key });
  }
  for (const b of seed.budgets) await store.budgets.put(b.id, { ...reviseBudget(undefined, b, Date.parse(now)), created_at: b.created_at ?? now });
  for (const l of seed.rate_limits) await store.rateLimits.put(l.id, { ...l, version: 1, created_at: l.created_at ?? now });
  return keys;
}

/** With no seed file: a dev workspace, a `@vertex` provider on ADC, a fresh dev key and an admin key for the dashboard. */
export function devSeed(projectId: string | undefined): Seed {
  return Seed.parse({
    workspaces: [{ id: 'dev', name: 'Dev' }],
    providers: [{ slug: 'vertex', kind: 'vertex', project_id: projectId ?? 'set-GOOGLE_CLOUD_PROJECT', region: 'global', credentials: { adc: true } }],
    configs: [{ id: 'default', config: { provider: '@vertex' } }],
    api_keys: [
      {
        key: generateKeySecret(),
        name: 'dev',
        type: 'workspace',
        workspace_id: 'dev',
        scopes: ['completions'],
        defaults: { config_id: 'default', metadata: { team: 'dev' } },
      },
      // Signs in to the dashboard (and the CLI) on this local setup.
      { key: generateKeySecret(), name: 'dev-admin', type: 'organisation', scopes: ALL_SCOPES },
    ],
  });
}
