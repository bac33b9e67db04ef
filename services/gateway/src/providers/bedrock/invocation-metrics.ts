import type { TokenUsage } from '../../../../shared/src/usage-event';
import type { BedrockMetrics } from '../../usage/usage-tap';

/**
 * Bedrock ends a stream with `amazon-bedrock-invocationMetrics`: its own count of what it bills
 * (docs/wire-formats.md §4.2). The usage event is built from the Anthropic events; when the two disagree the
 * gateway logs both figures so that an under- or over-billed request can be found. Undefined when
 * they agree on every count Bedrock reported.
 */
export function invocationMetricsMismatch(
  m: BedrockMetrics,
  usage: TokenUsage,
): { bedrock: Record<string, number>; tapped: Record<string, number> } | undefined {
  const pairs: Array<[string, number | undefined, number]> = [
    ['input', m.inputTokenCount, usage.input],
    ['output', m.outputTokenCount, usage.output],
    ['cache_read', m.cacheReadInputTokenCount, usage.cache_read],
    ['cache_write', m.cacheWriteInputTokenCount, usage.cache_write_5m + usage.cache_write_1h],
  ];
  const bedrock: Record<string, number> = {};
  const tapped: Record<string, number> = {};
  let differs = false;
  for (const [name, theirs, ours] of pairs) {
    if (typeof theirs !== 'number') continue;
    bedrock[name] = theirs;
    tapped[name] = ours;
    if (theirs !== ours) differs = true;
  }
  return differs ? { bedrock, tapped } : undefined;
}
