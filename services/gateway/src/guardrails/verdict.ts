import { GatewayError } from '../../../shared/src/errors';
import type { GuardrailVerdict } from '../../../shared/src/usage-event';
import type { CompiledGuardrail } from './compile';

/**
 * What a guardrail did, for the usage event and the request log: which guardrail, its action, where
 * it matched (a JSON path, `metadata` or `body`) and which detector. Never the matched text.
 */
export type Verdict = GuardrailVerdict;

export function verdict(g: CompiledGuardrail, location: string, detector: string, where: 'input' | 'output'): Verdict {
  return { id: g.id, action: g.action, location: `${where}:${location}`, detector };
}

/**
 * The error code of a guardrail's refusal: Anthropic's own code for a request refused by data-loss
 * prevention. Claude Code treats a 400 carrying it as final and shows its message; any other 400 it
 * answers with up to five resends, each without a beta or feature (docs/claude-code.md §4.1).
 */
export const DENIED_CODE = 'dlp_request_denied';

/** The 400 of a denying guardrail: names it and where it matched, never what matched. */
export function denial(where: 'Input' | 'Output', verdicts: readonly Verdict[]): GatewayError {
  const denied = verdicts.filter((v) => v.action === 'deny');
  const first = denied[0];
  const more = denied.length > 1 ? ` (and ${denied.length - 1} more match${denied.length > 2 ? 'es' : ''})` : '';
  const what = where === 'Input' ? 'the request' : 'the answer';
  return new GatewayError(
    'invalid_request_error',
    `${where} guardrail "${first.id}" denied ${what}: ${first.detector} in ${first.location.replace(/^\w+:/, '')}${more}. The matched text is not repeated here.`,
    { errorCode: DENIED_CODE },
  );
}

/** One verdict per guardrail, detector and location, in order of discovery. */
export function dedupe(verdicts: Verdict[]): Verdict[] {
  const seen = new Set<string>();
  return verdicts.filter((v) => {
    const k = `${v.id}\n${v.detector}\n${v.location}`;
    return !seen.has(k) && (seen.add(k), true);
  });
}
