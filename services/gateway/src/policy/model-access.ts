import { LRUCache } from 'lru-cache';
import { GatewayError } from '../../../shared/src/errors';

const compiled = new LRUCache<string, RegExp>({ max: 5000 });

/** `*` matches any run of characters; everything else is literal. Patterns are compiled once. */
export function modelPatternMatches(pattern: string, model: string): boolean {
  let re = compiled.get(pattern);
  if (!re) compiled.set(pattern, (re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`)));
  return re.test(model);
}

export interface AccessRule {
  /** Who set the rule, for the error message: `key "dev"`, `workspace "frontend"`. */
  owner: string;
  patterns: string[] | undefined;
}

/**
 * `names` are every spelling of the one model that will be called (canonical id, aliases, platform
 * ids), never the name a client wrote; any match allows it. `label` names the model in the error.
 */
export function checkModelAccess(names: readonly string[], rules: AccessRule[], label = (): string => `"${names[0]}"`): void {
  for (const rule of rules) {
    if (!rule.patterns) continue;
    const ok = rule.patterns.some((p) => names.some((n) => modelPatternMatches(p, n)));
    if (!ok) {
      throw new GatewayError(
        'permission_error',
        `Model ${label()} is not allowed for ${rule.owner}: allowed models are ${rule.patterns.map((p) => `"${p}"`).join(', ') || '(none)'}.`,
      );
    }
  }
}
