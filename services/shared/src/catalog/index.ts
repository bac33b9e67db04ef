import { LRUCache } from 'lru-cache';
import type { TokenUsage } from '../usage-event';
import { applyBetaPolicy } from './betas';
import { costFor, costMicrosFor } from './cost';
import { lookupKeys, profilePrefixOf, spellingsOf, stripOneM, vertexFromDated } from './model-names';
import shipped from './models.json';
import { parseCatalogData } from './schema';
import type { Catalog, CatalogData, CatalogProviderKind, CostOptions, ModelEntry, NegotiatedPricing, Priced, PriceRow } from './types';

export type { BetaPolicy, Catalog, CatalogData, CatalogProviderKind, CostOptions, ModelEntry, NegotiatedPricing, Priced, PriceRow, Retirement } from './types';
export { WEB_SEARCH_MICROS_PER_REQUEST } from './cost';

/**
 * The model catalog (docs/design.md §5): Claude model ids per provider, prices, and `anthropic-beta` policies,
 * as data. `createCatalog()` uses the shipped models.json; the gateway passes a store override instead
 * to change prices or ids without a redeploy. Data is validated on the way in, so a bad override fails
 * when it is loaded, not when a request needs it.
 */
export function createCatalog(data?: CatalogData): Catalog {
  const parsed = parseCatalogData(data ?? shipped);
  const models = deepFreeze(parsed.models);
  const betas = deepFreeze(parsed.betas);
  const filtered = new LRUCache<string, readonly string[]>({ max: 512 });

  const bySpelling = new Map<string, ModelEntry>();
  for (const m of models) for (const s of spellingsOf(m)) bySpelling.set(s, m);
  const newestFirst = [...models].sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));

  // A request resolves its model several times (access check, upstream id, cost) and clients use a
  // few names: each name is looked up once. Unknown names are remembered too; the LRU bounds both.
  const resolved = new LRUCache<string, ModelEntry | 'unknown'>({ max: 1024 });
  function resolve(name: string): ModelEntry | undefined {
    if (typeof name !== 'string') return undefined;
    let hit = resolved.get(name);
    if (!hit) {
      hit = 'unknown';
      for (const key of lookupKeys(name)) {
        const m = bySpelling.get(key);
        if (m) {
          hit = m;
          break;
        }
      }
      resolved.set(name, hit);
    }
    return hit === 'unknown' ? undefined : hit;
  }

  function providerModelId(kind: CatalogProviderKind, name: string, opts: { profilePrefix?: string } = {}): string {
    const bare = stripOneM(name);
    const model = resolve(bare);
    switch (kind) {
      case 'anthropic':
        // The canonical id is valid on the first-party API whichever spelling the client used.
        return model ? model.id : bare;
      case 'vertex':
        return model ? (model.vertex ?? vertexFromDated(model.id)) : vertexFromDated(bare);
      case 'bedrock': {
        // An ARN (application inference profile, provisioned throughput) is the caller's explicit choice.
        if (!model?.bedrock || bare.startsWith('arn:')) return bare;
        const { id, needs_profile } = model.bedrock;
        // A geography the client named (`eu.anthropic.…`) wins over the provider's default.
        const named = profilePrefixOf(bare.toLowerCase());
        if (named) return `${named}.${id}`;
        const prefix = opts.profilePrefix?.trim().replace(/\.+$/, '');
        return needs_profile && prefix ? `${prefix}.${id}` : id;
      }
    }
  }

  /** Negotiated per-model rows keyed by canonical id, whichever spelling the admin used. */
  function canonical(n: NegotiatedPricing): NegotiatedPricing {
    if (!n.models) return n;
    const models: Record<string, PriceRow> = {};
    for (const [name, row] of Object.entries(n.models)) models[resolve(name)?.id ?? name] = row;
    return { ...n, models };
  }

  return {
    resolve,
    providerModelId,
    filterBetas(kind, list) {
      // Clients send the same few beta lists on every request: each is worked out once per provider kind.
      const key = `${kind}\n${list.join(',')}`;
      let out = filtered.get(key);
      if (!out) filtered.set(key, (out = Object.freeze(applyBetaPolicy(betas[kind], list))));
      return out;
    },
    costMicros(name: string, usage: TokenUsage, opts: CostOptions = {}) {
      const model = resolve(name);
      return model ? costMicrosFor(model, usage, { ...opts, resolve }) : undefined;
    },
    price({ upstream, requested }, usage, opts = {}): Priced {
      const model = (upstream && resolve(upstream)) || (requested && resolve(requested)) || undefined;
      if (!model) return { priced: false, list: 0, effective: 0 };
      const negotiated = opts.negotiated && canonical(opts.negotiated);
      return { priced: true, model: model.id, ...costFor(model, usage, { ...opts, resolve, negotiated }) };
    },
    retirement(kind, name, today) {
      const model = resolve(name);
      const r = model?.retired?.[kind];
      return model && r && today >= r.date ? { ...r, model: model.id } : undefined;
    },
    list: () => [...newestFirst],
  };
}

/**
 * Vertex bills the 10 % premium on every endpoint but `global`: regional (`us-east5`) and the `us` / `eu`
 * multi-regions alike (docs/wire-formats.md §6.3).
 */
export function isRegionalVertex(region: string): boolean {
  return region.trim().toLowerCase() !== 'global';
}

/**
 * Bedrock bills the model's 10 % premium on geographic inference profiles (`us.`, `eu.`, `apac.`, `jp.`,
 * `au.` …) and in-region base ids; only `global.` profiles are at the base price (catalog
 * `pricing_rules.bedrock_geographic_profile`). Read from the id actually called: an application
 * inference profile ARN hides its profile, so it is billed as geographic (never under-billed).
 */
export function isGeographicBedrock(upstreamId: string): boolean {
  return profilePrefixOf(upstreamId.slice(upstreamId.lastIndexOf('/') + 1).toLowerCase()) !== 'global';
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
