/**
 * The spellings one Claude model goes by across clients and platforms, and how to map between them.
 * Pure string functions; the catalog indexes models by `spellingsOf` and looks names up by `lookupKeys`.
 */

// Claude Code lets users pick `claude-opus-4-8[1m]`; it is a client-side switch, never a model id
// (docs/wire-formats.md §1.7). Case-insensitive because users type it by hand.
const ONE_M_SUFFIX = /\[1m\]$/i;
// Bedrock inference profiles put a geography before the base id: `us.`, `eu.`, `apac.`, `jp.`, `au.`,
// `global.`, `us-gov.` (docs/wire-formats.md §4.1).
const PROFILE_PREFIX = /^([a-z][a-z-]*)\.(?=anthropic\.)/;
// Bedrock base ids end in an ARN version: `-v1:0`, `-v2:0`, or bare `-v1` (Opus 4.6).
const BEDROCK_VERSION = /-v\d+(?::\d+)?$/;
const TRAILING_DATE = /-(\d{8})$/;

export function stripOneM(name: string): string {
  return name.trim().replace(ONE_M_SUFFIX, '');
}

/** `us` for `us.anthropic.claude-…`, undefined for a base id or a non-Bedrock name. */
export function profilePrefixOf(name: string): string | undefined {
  return PROFILE_PREFIX.exec(name)?.[1];
}

/** `claude-sonnet-4-5-20250929` → `claude-sonnet-4-5@20250929`; undated names are unchanged. */
export function vertexFromDated(name: string): string {
  return name.replace(TRAILING_DATE, '@$1');
}

/** Every exact spelling a catalog entry answers to (lowercase). */
export function spellingsOf(m: { id: string; aliases?: string[]; vertex?: string; bedrock?: { id: string } }): string[] {
  const all = [m.id, ...(m.aliases ?? []), m.vertex, m.bedrock?.id].filter((s): s is string => !!s);
  return [...new Set(all.map((s) => s.toLowerCase()))];
}

/**
 * Keys to try, most specific first, for a name as a client or config wrote it. Each step peels one
 * platform decoration off: an ARN or resource path, a Bedrock profile prefix, the `anthropic.` vendor
 * prefix, the Bedrock `-v1:0` version, and finally Vertex's `@` before the date.
 */
export function lookupKeys(name: string): string[] {
  let n = stripOneM(name).toLowerCase();
  // `arn:aws:bedrock:…:inference-profile/us.anthropic.…`, `…/publishers/anthropic/models/claude-…@…`.
  const slash = n.lastIndexOf('/');
  if (slash >= 0) n = n.slice(slash + 1);
  const keys = [n];
  const push = (next: string) => {
    if (next !== keys[keys.length - 1]) keys.push(next);
  };
  n = n.replace(PROFILE_PREFIX, '');
  push(n);
  n = n.replace(/^anthropic\./, '');
  push(n);
  n = n.replace(BEDROCK_VERSION, '');
  push(n);
  n = n.replace(/@(\d{8})$/, '-$1');
  push(n);
  return keys;
}
