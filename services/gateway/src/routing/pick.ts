/** Weighted choices for load balancing: a random draw, or a sticky (hash-based) one. */

/** FNV-1a over UTF-16 code units, then murmur3's finaliser so nearby keys spread over all 32 bits. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Index picked by a draw `u` in [0, 1): each weight's share of the total. Weights must not all be 0. */
export function weightedIndex(weights: readonly number[], u: number): number {
  const total = weights.reduce((a, w) => a + w, 0);
  let r = u * total;
  for (let i = 0; i < weights.length; i++) {
    if (weights[i] > 0 && r < weights[i]) return i;
    r -= weights[i];
  }
  for (let i = weights.length - 1; i >= 0; i--) if (weights[i] > 0) return i; // u≈1 and float rounding
  return 0;
}

/**
 * Weighted rendezvous (highest-random-weight) hashing: each option scores `-w / ln(h(key, option))`
 * and the highest wins, so each option gets its weight's share of keys, a key keeps its option as
 * long as that option is offered, and dropping an option (an open breaker, a removed target) moves
 * only the keys that were on it.
 */
export function rendezvousIndex(options: readonly { key: string; weight: number }[], stickyKey: string): number {
  let best = 0;
  let bestScore = -Infinity;
  options.forEach((o, i) => {
    if (o.weight <= 0) return;
    const u = (hash32(`${stickyKey}\u0001${o.key}`) + 0.5) / 2 ** 32; // (0, 1)
    const score = -o.weight / Math.log(u);
    if (score > bestScore) (best = i), (bestScore = score);
  });
  return best;
}
