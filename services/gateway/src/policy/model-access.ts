import { LRUCache } from 'lru-cache';
import { RE2JS } from 're2js';
import { GatewayError } from '../../../shared/src/errors';

const compiled = new LRUCache<string, RE2JS>({ max: 5000 });

/**
 * `*` matches any run of characters; everything else is literal. Patterns are compiled once, in RE2:
 * a workspace admin writes them, and `*a*a*a…b` in a backtracking engine takes time exponential in
 * the number of stars against a long model name.
 */
export function modelPatternMatches(pattern: string, model: string): boolean {
  let re = compiled.get(pattern);
  if (!re)
    compiled.set(
      pattern,
      (re = RE2JS.compile(
        `^${pattern
          .split('*')
          .map((p) => RE2JS.quote(p))
          .join('.*')}$`,
      )),
    );
  return re.matches(model);
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
