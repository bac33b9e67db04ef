import type { TokenUsage } from '../usage-event';

/** The upstream kinds the catalog knows ids and beta policies for. */
export type CatalogProviderKind = 'vertex' | 'bedrock' | 'anthropic';

/** USD per million tokens, which is the same number as micro-USD per token. */
export interface PriceRow {
  input: number;
  output: number;
  cache_write_5m: number;
  cache_write_1h: number;
  cache_read: number;
}

export interface ModelEntry {
  /** Canonical Anthropic API id (dated for models up to the 4.5 generation, undated after). */
  id: string;
  aliases: string[];
  display_name: string;
  /** Release date as an RFC 3339 timestamp (what Anthropic's `GET /v1/models` calls `created_at`). */
  created_at: string;
  /** Vertex model id (`claude-sonnet-4-5@20250929`; undated models use the Anthropic id). */
  vertex?: string;
  /** Bedrock base model id; `needs_profile` when on-demand calls must use an inference profile id. */
  bedrock?: { id: string; needs_profile: boolean };
  prices: PriceRow;
  /** When the prompt (input + cache writes + cache reads) exceeds `threshold`, every token of the request bills at `prices`. */
  long_context?: { threshold: number; prices: PriceRow };
  /** Vertex regional / multi-region endpoints (and Bedrock geo profiles) cost 10 % more than global for this model. */
  regional_premium: boolean;
  /** Fast-mode prices (`speed: "fast"` in the usage), for the models that offer it. */
  fast?: PriceRow;
  /** A first-party `inference_geo` other than `global` (data residency) costs 10 % more for this model. */
  data_residency_premium?: boolean;
  /** When a provider kind stopped serving this model, and what to use instead. */
  retired?: Partial<Record<CatalogProviderKind, Retirement>>;
}

export interface Retirement {
  /** `YYYY-MM-DD`: from this day (UTC) the provider refuses the model. */
  date: string;
  /** A catalog model id to use instead. */
  replacement: string;
  source: string;
}

export interface BetaPolicy {
  /** `allow`: only `allow` values (after renaming) survive. `pass`: everything but `drop` survives. */
  mode: 'allow' | 'pass';
  allow?: string[];
  rename?: Record<string, string>;
  /** Always removed, in both modes. An entry ending in `*` matches by prefix. */
  drop?: string[];
  source: string;
}

export interface CatalogData {
  models: ModelEntry[];
  /** Where each pricing rule the cost maths applies comes from (rule name → source). */
  pricing_rules?: Record<string, string>;
  betas: Record<CatalogProviderKind, BetaPolicy>;
}

export interface CostOptions {
  regionalPremium?: boolean;
}

export type Priced = { priced: true; model: string; list: number; effective: number } | { priced: false; list: 0; effective: 0 };

/** A negotiated price: a percentage off every list price, and per-model price rows that replace it. */
export interface NegotiatedPricing {
  discount_percent?: number;
  /** Catalog model id (any spelling the catalog resolves) → the price row billed instead of list. */
  models?: Record<string, PriceRow>;
}

export interface Catalog {
  /** Accepts canonical ids, aliases, Vertex `@date` ids, `-YYYYMMDD` ids, Bedrock ids (`anthropic.…-v1:0`, `us.anthropic.…`), and strips a `[1m]` suffix. */
  resolve(name: string): ModelEntry | undefined;
  /** The id to send to a provider kind. Unknown models: strip `[1m]`; for vertex turn a trailing `-YYYYMMDD` into `@YYYYMMDD`; for bedrock return as is. `profilePrefix` (e.g. 'us','global') is prepended (`us.anthropic…`) to bedrock ids that need a profile, unless already prefixed. */
  providerModelId(kind: CatalogProviderKind, name: string, opts?: { profilePrefix?: string }): string;
  /** Applies the kind's beta policy: keeps order, renames, drops, removes duplicates. Memoised: the list is shared, never change it. */
  filterBetas(kind: CatalogProviderKind, betas: string[]): readonly string[];
  /** List cost in integer micro-USD. Undefined for unknown models. */
  costMicros(name: string, usage: TokenUsage, opts?: CostOptions): number | undefined;
  /**
   * Prices a request at the upstream model's rates, or the requested model's when the upstream id is
   * not in the catalog; `priced: false` when neither resolves.
   */
  price(models: { upstream?: string; requested?: string }, usage: TokenUsage, opts?: CostOptions & { negotiated?: NegotiatedPricing }): Priced;
  /** The provider kind's retirement of the model `name` resolves to, when `today` (YYYY-MM-DD) is on or after it. */
  retirement(kind: CatalogProviderKind, name: string, today: string): (Retirement & { model: string }) | undefined;
  /** Models for GET /v1/models, newest first. */
  list(): ModelEntry[];
}
