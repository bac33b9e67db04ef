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
