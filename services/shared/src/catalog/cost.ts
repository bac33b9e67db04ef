import type { TokenUsage } from '../usage-event';
import type { ModelEntry, PriceRow } from './types';

/**
 * Request cost in integer micro-USD. A price in USD per MTok is the same number in micro-USD per
 * token, so the sum is exact if prices are held in thousandths (the schema allows at most 3 decimals)
 * and the 10 % premium is applied as ×11/10. BigInt keeps every intermediate exact whatever the token
 * counts; the result is rounded once, half up.
 */

// $10 per 1,000 searches (docs/wire-formats.md §6.1): 10,000 micro-USD each. Not subject to the regional premium,
// which Google and AWS define on token prices.
export const WEB_SEARCH_MICROS_PER_REQUEST = 10_000n;

const THOUSANDTHS = 1000n;
const TENTHS = 10n;

function milli(price: number): bigint {
  return BigInt(Math.round(price * 1000));
}

// Usage comes from upstream streams; a missing or malformed count must cost nothing rather than throw
// on the request path (BigInt(1.5) and BigInt(undefined) throw).
function count(n: number | undefined): bigint {
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? BigInt(n) : 0n;
}

/** The price row for this request: the long-context tier bills every token once the prompt exceeds it. */
export function priceRowFor(model: ModelEntry, usage: TokenUsage): PriceRow {
  const lc = model.long_context;
  if (!lc) return model.prices;
  const prompt = count(usage.input) + count(usage.cache_write_5m) + count(usage.cache_write_1h) + count(usage.cache_read);
  return prompt > BigInt(lc.threshold) ? lc.prices : model.prices;
}

export function costMicrosFor(model: ModelEntry, usage: TokenUsage, opts: { regionalPremium?: boolean } = {}): number {
  const p = priceRowFor(model, usage);
  const tokens =
    count(usage.input) * milli(p.input) +
    count(usage.output) * milli(p.output) +
    count(usage.cache_write_5m) * milli(p.cache_write_5m) +
    count(usage.cache_write_1h) * milli(p.cache_write_1h) +
    count(usage.cache_read) * milli(p.cache_read);
  // Units below: 1/10,000 of a micro-USD (thousandths × tenths), so the ×1.1 premium stays an integer.
  const premium = opts.regionalPremium && model.regional_premium ? 11n : 10n;
  const scale = THOUSANDTHS * TENTHS;
  const total = tokens * premium + count(usage.web_search_requests) * WEB_SEARCH_MICROS_PER_REQUEST * scale;
  return Number((total + scale / 2n) / scale);
}
