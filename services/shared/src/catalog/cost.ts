import type { IterationUsage, TokenUsage } from '../usage-event';
import type { ModelEntry, NegotiatedPricing, PriceRow } from './types';

/**
 * Request cost in integer micro-USD. A price in USD per MTok is the same number in micro-USD per
 * token, so the sum is exact if prices are held in thousandths (the schema allows at most 3 decimals),
 * the 10 % premiums are applied as ×11/10 each and a negotiated discount in hundredths of a percent.
 * BigInt keeps every intermediate exact whatever the token counts; the result is rounded once, half up.
 */

// $10 per 1,000 searches (docs/wire-formats.md §6.1): 10,000 micro-USD each. Not subject to the regional premium,
// which Google and AWS define on token prices.
export const WEB_SEARCH_MICROS_PER_REQUEST = 10_000n;

/** Units below: thousandths of a micro-USD (prices) × hundredths (premiums, up to two stacked 10 %). */
const SCALE = 1000n * 100n;
/** A discount is given in percent with at most two decimals: basis points of a hundredth. */
const DISCOUNT_SCALE = 10_000n;

function milli(price: number): bigint {
  return BigInt(Math.round(price * 1000));
}

// Usage comes from upstream streams; a missing or malformed count must cost nothing rather than throw
// on the request path (BigInt(1.5) and BigInt(undefined) throw).
function count(n: number | undefined): bigint {
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? BigInt(n) : 0n;
}

type Tokens = Pick<TokenUsage, 'input' | 'output' | 'cache_write_5m' | 'cache_write_1h' | 'cache_read'>;

/** The price row for this request: the long-context tier bills every token once the prompt exceeds it. */
export function priceRowFor(model: ModelEntry, usage: Tokens, fast = false): PriceRow {
  if (fast && model.fast) return model.fast;
  const lc = model.long_context;
  if (!lc) return model.prices;
  const prompt = count(usage.input) + count(usage.cache_write_5m) + count(usage.cache_write_1h) + count(usage.cache_read);
  return prompt > BigInt(lc.threshold) ? lc.prices : model.prices;
}

function tokenCost(p: PriceRow, u: Tokens): bigint {
  return (
    count(u.input) * milli(p.input) +
    count(u.output) * milli(p.output) +
    count(u.cache_write_5m) * milli(p.cache_write_5m) +
    count(u.cache_write_1h) * milli(p.cache_write_1h) +
    count(u.cache_read) * milli(p.cache_read)
  );
}

/**
 * Whether the first-party API's `inference_geo` names a data-residency region (billed ×1.1 on models
 * that have the premium). `global` is the default routing; anything else is a pinned geography.
 */
function isResidencyGeo(geo: string | undefined): boolean {
  return !!geo && geo !== 'global' && geo !== 'not_available';
}

/** The premiums on a model's token prices, in hundredths: 100, 110, or 121 when both apply. */
function premium(model: ModelEntry, usage: TokenUsage, regional: boolean | undefined): bigint {
  let p = 100n;
  if (regional && model.regional_premium) p = (p * 11n) / 10n;
  if (model.data_residency_premium && isResidencyGeo(usage.inference_geo)) p = (p * 11n) / 10n;
  return p;
}

export interface PriceOptions {
  /** Vertex regional / multi-region endpoint, or a Bedrock geographic (not `global.`) inference profile. */
  regionalPremium?: boolean;
  /** Resolves the model an iteration names (an advisor runs on its own model); unresolved: the request's model. */
  resolve?: (name: string) => ModelEntry | undefined;
  /** The provider's negotiated prices, `models` keyed by canonical id. */
  negotiated?: NegotiatedPricing;
}

export interface Cost {
  /** At list prices (the catalog). */
  list: number;
  /** What the organisation pays: list with the provider's negotiated prices applied. */
  effective: number;
}

/**
 * The cost of one request: its top-level tokens at the request model's rates (fast-mode rates when the
 * usage says `speed: "fast"`), plus every iteration whose tokens the top-level fields leave out
 * (compaction, advisor) at its own model's rates, plus web searches.
 */
export function costFor(model: ModelEntry, usage: TokenUsage, opts: PriceOptions = {}): Cost {
  const parts: Array<[ModelEntry, Tokens, boolean]> = [[model, usage, usage.speed === 'fast']];
  for (const it of usage.iterations ?? []) parts.push([iterationModel(it, model, opts.resolve), it, false]);
  const negotiated = opts.negotiated;
  const off = DISCOUNT_SCALE - BigInt(Math.round((negotiated?.discount_percent ?? 0) * 100));
  let list = 0n;
  let effective = 0n;
  for (const [m, tokens, fast] of parts) {
    const p = premium(m, usage, opts.regionalPremium);
    const atList = tokenCost(priceRowFor(m, tokens, fast), tokens) * p;
    list += atList;
    const override = negotiated?.models?.[m.id];
    effective += override ? tokenCost(override, tokens) * p * DISCOUNT_SCALE : atList * off;
  }
  const searches = count(usage.web_search_requests) * WEB_SEARCH_MICROS_PER_REQUEST * SCALE;
  list += searches;
  effective += searches * off;
  return { list: round(list, SCALE), effective: round(effective, SCALE * DISCOUNT_SCALE) };
}

/** List cost in micro-USD (the catalog's `costMicros`). */
export function costMicrosFor(model: ModelEntry, usage: TokenUsage, opts: PriceOptions = {}): number {
  return costFor(model, usage, opts).list;
}

function iterationModel(it: IterationUsage, fallback: ModelEntry, resolve: PriceOptions['resolve']): ModelEntry {
  return (it.model && resolve?.(it.model)) || fallback;
}

function round(units: bigint, scale: bigint): number {
  return Number((units + scale / 2n) / scale);
}
