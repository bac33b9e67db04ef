/** A ready `~/.claude/settings.json` for one gateway URL and key (first-party mode). */
export function claudeSettings(url: string, key: string): { env: Record<string, string> } {
  return { env: { ANTHROPIC_BASE_URL: url, ANTHROPIC_AUTH_TOKEN: key } };
}

/** The same for Claude Code's Vertex mode: the gateway does Google auth, the key rides in a header. */
export function claudeVertexSettings(url: string, key: string, projectId: string, region = 'global'): { env: Record<string, string> } {
  return {
    env: {
      CLAUDE_CODE_USE_VERTEX: '1',
      CLAUDE_CODE_SKIP_VERTEX_AUTH: '1',
      ANTHROPIC_VERTEX_BASE_URL: `${url}/v1`,
      ANTHROPIC_VERTEX_PROJECT_ID: projectId,
      CLOUD_ML_REGION: region,
      ANTHROPIC_CUSTOM_HEADERS: `x-gatehouse-api-key: ${key}`,
    },
  };
}

/**
 * Keyless: Claude Code runs `apiKeyHelper` for its credential and sends what it prints as both
 * `Authorization: Bearer` and `x-api-key`. It runs it again after CLAUDE_CODE_API_KEY_HELPER_TTL_MS,
 * shortly before a printed JWT's `exp`, and at once after a 401 (docs/claude-code.md §6).
 */
export function claudeIdentitySettings(url: string, helper: string): { apiKeyHelper: string; env: Record<string, string> } {
  // Well inside an ID token's usual hour, so a long session rarely meets an expired token at all.
  return { apiKeyHelper: helper, env: { ANTHROPIC_BASE_URL: url, CLAUDE_CODE_API_KEY_HELPER_TTL_MS: String(15 * 60_000) } };
}

/**
 * The Google helper. A user signed in with `gcloud auth login` cannot choose the token's audience
 * (gcloud refuses `--audiences` for user accounts; the token is for gcloud's own client id), so the
 * plain command is the default; a service account, impersonated, can name the gateway's URL.
 */
export function googleIdentityHelper(url: string, impersonate?: string): string {
  if (!impersonate) return 'gcloud auth print-identity-token';
  return `gcloud auth print-identity-token --impersonate-service-account=${impersonate} --audiences=${url} --include-email`;
}
