import type { BetaPolicy } from './types';

function matches(pattern: string, value: string): boolean {
  return pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : pattern === value;
}

/**
 * Applies one provider's `anthropic-beta` policy. Order is kept (upstreams do not care, but a stable
 * header keeps request logs and tests readable); values are renamed before the allow check, so a
 * policy can allow only the new name; duplicates, including those a rename creates, collapse to the
 * first. Entries may themselves be comma-separated header values: they are split and trimmed.
 */
export function applyBetaPolicy(policy: BetaPolicy, betas: readonly string[]): string[] {
  const drop = policy.drop ?? [];
  const dropped = (b: string) => drop.some((p) => matches(p, b));
  const out: string[] = [];
  for (const raw of betas.flatMap((b) => b.split(','))) {
    const beta = raw.trim();
    if (!beta || dropped(beta)) continue;
    // hasOwn, not `rename[beta]`: the header is client input and `constructor` must not hit the prototype.
    const name = policy.rename && Object.hasOwn(policy.rename, beta) ? policy.rename[beta] : beta;
    if (dropped(name)) continue;
    if (policy.mode === 'allow' && !policy.allow?.includes(name)) continue;
    if (!out.includes(name)) out.push(name);
  }
  return out;
}
