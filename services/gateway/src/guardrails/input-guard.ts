import type { Metadata } from '../../../shared/src/entities';
import type { GatewayError } from '../../../shared/src/errors';
import { RequestBody } from '../providers/request-body';
import { type CompiledGuardrail, findAll } from './compile';
import { spliceStrings, type StringEdit } from './json-splice';
import { redactionEdits } from './redaction';
import { formatLocation, requestSites } from './text-sites';
import { dedupe, denial, type Verdict, verdict } from './verdict';

export interface InputGuardResult {
  /** The body to route: the client's, or the client's bytes with each redacted match replaced. */
  body: RequestBody;
  verdicts: Verdict[];
  /** Set when a `deny` guardrail matched: the 400 to send. */
  denied?: GatewayError;
}

export interface InputRequest {
  body: RequestBody;
  /** Bytes as received. */
  size: number;
  metadata: Metadata;
}

/**
 * Runs the input guardrails on a request, before routing (README, Guardrails): request-level checks
 * (metadata keys, size), then every text detector over the scanned strings (guardrails/text-sites.ts).
 * `redact` matches are replaced in the client's bytes, only theirs; `deny` refuses; `flag` records.
 */
export function guardInput(guardrails: readonly CompiledGuardrail[], req: InputRequest, redactionKey: string | undefined): InputGuardResult {
  const verdicts: Verdict[] = [];
  for (const g of guardrails) {
    for (const key of g.requiredMetadata) if (req.metadata[key] === undefined) verdicts.push(verdict(g, 'metadata', `required_metadata:${key}`, 'input'));
    if (g.maxBytes !== undefined && req.size > g.maxBytes) verdicts.push(verdict(g, 'body', 'max_input_size', 'input'));
  }
  const texts = guardrails.filter((g) => g.detectors.length);
  const edits: StringEdit[] = [];
  if (texts.length) {
    for (const site of requestSites(req.body.value('system'), req.body.value('messages'))) {
      const redact = [];
      for (const g of texts) {
        const found = findAll(g, site.text);
        if (!found.length) continue;
        const location = formatLocation(site.path);
        for (const f of found) verdicts.push(verdict(g, location, f.detector, 'input'));
        if (g.action === 'redact') redact.push(...found);
      }
      if (redact.length) edits.push(...redactionEdits(site, redact, redactionKey));
    }
  }
  const unique = dedupe(verdicts);
  if (unique.some((v) => v.action === 'deny')) return { body: req.body, verdicts: unique, denied: denial('Input', unique) };
  return { body: edits.length ? RequestBody.parse(spliceStrings(req.body.bytes(), edits)) : req.body, verdicts: unique };
}
