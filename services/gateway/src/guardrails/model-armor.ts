import type { ModelArmorClient } from '@google-cloud/modelarmor';

/**
 * Google Cloud Model Armor (docs/model-armor.md) through its official client, REST transport: a
 * template's filters (prompt injection and jailbreak, sensitive data, responsible AI, malicious URIs,
 * CSAM) run over one text, and the filters that matched come back. Auth is the client's own
 * google-auth-library (the service's identity). The text is never logged.
 */
export interface ModelArmor {
  /** The template's filters that matched `text`: `prompt` uses sanitizeUserPrompt, `response` sanitizeModelResponse. */
  sanitize(template: string, kind: 'prompt' | 'response', text: string, timeoutMs: number): Promise<string[]>;
}

/** MATCH_FOUND, as JSON spells it or as the decoded message holds it. */
const isMatch = (v: unknown) => v === 'MATCH_FOUND' || v === 2;

/** A filter result's match state: at its top (`piAndJailbreakFilterResult.matchState`) or one level in (`sdpFilterResult.inspectResult.matchState`). */
function matched(v: unknown, depth = 0): boolean {
  if (typeof v !== 'object' || v === null || depth > 3) return false;
  const o = v as Record<string, unknown>;
  return isMatch(o.matchState) || Object.values(o).some((x) => matched(x, depth + 1));
}

/**
 * One client per regional endpoint (`modelarmor.{location}.rep.googleapis.com`, the template's
 * location), or every call to `baseUrl` (tests: a fake on loopback).
 */
export function modelArmorClient(baseUrl?: string): ModelArmor {
  const clients = new Map<string, ModelArmorClient>();
  const clientFor = async (location: string) => {
    let c = clients.get(location);
    if (!c) {
      // Loaded on first use: a gateway whose guardrails never name Model Armor never loads its client.
      const { ModelArmorClient } = await import('@google-cloud/modelarmor');
      const url = new URL(baseUrl ?? `https://modelarmor.${location}.rep.googleapis.com`);
      const port = Number(url.port || (url.protocol === 'http:' ? 80 : 443));
      clients.set(location, (c = new ModelArmorClient({ fallback: true, apiEndpoint: url.hostname, port, protocol: url.protocol.slice(0, -1) })));
    }
    return c;
  };
  return {
    async sanitize(template, kind, text, timeoutMs) {
      const location = template.split('/')[3];
      const client = await clientFor(location);
      const options = { timeout: timeoutMs, retry: null };
      const call =
        kind === 'prompt'
          ? client.sanitizeUserPrompt({ name: template, userPromptData: { text } }, options)
          : client.sanitizeModelResponse({ name: template, modelResponseData: { text } }, options);
      // The REST transport does not enforce `timeout` itself: the call is abandoned here.
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Model Armor did not answer within ${timeoutMs} ms`)), timeoutMs);
      });
      const [res] = await Promise.race([call, late]).finally(() => clearTimeout(timer));
      const result = res.sanitizationResult;
      if (!isMatch(result?.filterMatchState)) return [];
      return Object.entries(result?.filterResults ?? {})
        .filter(([, r]) => matched(r))
        .map(([name]) => name);
    },
  };
}
